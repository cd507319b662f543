"""The admin: the team records duties, the under-18 rule (the rules' and the directory's forms:
test_directory_forms.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from intake.models import State
from routing.models import LegalDutyDecision, Referral
from tests.factories import make_enquiry, years_ago

pytestmark = pytest.mark.django_db


def test_change_page_names_undecided_duties_and_links_to_the_duties_page(
    alice: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice, immediate_danger=True)
    client = as_user(alice)
    page = client.get(f"/admin/intake/enquiry/{enquiry.pk}/change/").content.decode()
    assert 'id="legal-duty-notice"' in page
    assert f"/admin/intake/enquiry/{enquiry.pk}/legal-duties/" in page

    duties_url = f"/admin/intake/enquiry/{enquiry.pk}/legal-duties/"
    assert client.get(duties_url).status_code == 200
    response = client.post(
        duties_url,
        {
            "duty": "avvergeplikt",
            "decision": "notified",
            "notified_whom": "Politiet (112)",
            "notified_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "reason": "",
        },
    )
    assert response.status_code == 302
    decision = LegalDutyDecision.objects.get(enquiry=enquiry)
    assert decision.decided_by == alice and decision.notified_whom == "Politiet (112)"
    page = client.get(f"/admin/intake/enquiry/{enquiry.pk}/change/").content.decode()
    assert 'id="legal-duty-notice"' not in page


def test_duties_page_shows_errors_for_an_incomplete_decision(alice: Any, as_user: Any) -> None:
    enquiry = make_enquiry(actor=alice, immediate_danger=True)
    response = as_user(alice).post(
        f"/admin/intake/enquiry/{enquiry.pk}/legal-duties/",
        {"duty": "avvergeplikt", "decision": "not_applicable", "reason": ""},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not LegalDutyDecision.objects.exists()


def test_tor_of_another_team_cannot_open_the_duties_page(
    alice: Any, tor: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice, immediate_danger=True)
    response = as_user(tor).post(
        f"/admin/intake/enquiry/{enquiry.pk}/legal-duties/",
        {"duty": "avvergeplikt", "decision": "not_applicable", "reason": "x"},
    )
    assert response.status_code == 302
    assert not LegalDutyDecision.objects.exists()


def test_closing_in_the_admin_names_the_undecided_duty(alice: Any, as_user: Any) -> None:
    enquiry = make_enquiry(actor=alice, children_in_household=True)
    response = as_user(alice).post(
        f"/admin/intake/enquiry/{enquiry.pk}/transition/close/",
        {
            "version": enquiry.version,
            "outcome": "risk_reduced",
            "outcome_asked": "not_asked",
            "measures": ["conversation"],
        },
    )
    assert response.status_code == 200
    assert "opplysningsplikt" in response.content.decode().lower()
    enquiry.refresh_from_db()
    assert enquiry.state == State.RECEIVED


@pytest.fixture
def minor(alice: Any) -> Any:
    return make_enquiry(
        actor=alice,
        subject_birth_date=years_ago(16),
        risk_factors=[],
        violence_types=["psychological"],
        perpetrator_relation="parent",
    )


def test_under_18_is_shown_as_child_welfares_case(minor: Any, alice: Any, as_user: Any) -> None:
    page = as_user(alice).get(f"/admin/intake/enquiry/{minor.pk}/change/").content.decode()
    assert 'id="child-welfare-notice"' in page
    assert f"/admin/intake/enquiry/{minor.pk}/child-welfare/" in page


def test_an_adult_gets_no_child_welfare_notice(enquiry: Any, alice: Any, as_user: Any) -> None:
    page = as_user(alice).get(f"/admin/intake/enquiry/{enquiry.pk}/change/").content.decode()
    assert 'id="child-welfare-notice"' not in page
    response = as_user(alice).post(
        f"/admin/intake/enquiry/{enquiry.pk}/child-welfare/", {"note": ""}
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.state == State.RECEIVED


def test_under_18_is_referred_to_child_welfare_and_closed(
    minor: Any, alice: Any, as_user: Any
) -> None:
    response = as_user(alice).post(
        f"/admin/intake/enquiry/{minor.pk}/child-welfare/", {"note": "Meldt fra skolen."}
    )
    assert response.status_code == 302
    minor.refresh_from_db()
    assert minor.state == State.CLOSED and minor.outcome == "referred_elsewhere"
    referral = Referral.objects.get(enquiry=minor)
    assert referral.service.slug == "barneverntjenesten"
    assert referral.legal_basis == "opplysningsplikt_barnevern"
    decision = LegalDutyDecision.objects.get(enquiry=minor)
    assert decision.duty == "opplysningsplikt_barnevern" and decision.decision == "notified"


def test_under_18_with_immediate_danger_needs_the_police_decision_first(
    alice: Any, as_user: Any
) -> None:
    child = make_enquiry(
        actor=alice, subject_birth_date=years_ago(15, days=3), immediate_danger=True
    )
    response = as_user(alice).post(f"/admin/intake/enquiry/{child.pk}/child-welfare/", {"note": ""})
    assert response.status_code == 200
    child.refresh_from_db()
    assert child.state == State.RECEIVED
    assert not Referral.objects.filter(enquiry=child).exists()
