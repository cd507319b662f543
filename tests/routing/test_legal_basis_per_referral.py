"""A legal basis per referral (issue 16 item 6): each service of a forward has its own basis,
refused where it does not apply to that service; consent is given per service and can be
withdrawn; legal-duty decisions through the API, so a service-integrated team can forward on a
duty and close without the admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from casework import services as casework_services
from intake.models import Enquiry, State
from routing import services as routing_services
from routing.models import HelpService, Referral, ReferralState, ServiceConsent
from tests.api.conftest import staff_client
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


@pytest.fixture
def adult(alice: Any) -> Enquiry:
    """Immediate danger (the duty to avert is raised), no consent to forwarding in general, and
    doubt about the adult's capacity to consent; assessed."""
    enquiry = make_enquiry(
        actor=alice,
        immediate_danger=True,
        subject_consents_to_forwarding=None,
        subject_consent_capacity_doubted=True,
    )
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    enquiry.refresh_from_db()
    return enquiry


def consent_to(enquiry: Enquiry, alice: Any, slug: str) -> ServiceConsent:
    return routing_services.consent_record(
        enquiry=enquiry,
        actor=alice,
        service=HelpService.objects.get(slug=slug),
        given_at=timezone.now() - dt.timedelta(hours=1),
        method="oral",
    )


def url(enquiry: Enquiry, step: str) -> str:
    return f"/api/v1/enquiries/{enquiry.pk}/{step}/"


def test_a_forward_with_three_services_on_three_bases(adult: Enquiry, alice: Any) -> None:
    client = staff_client(alice)
    consent_to(adult, alice, "krisesenteret-vestfold")
    decided = client.post(
        url(adult, "duty-decisions"),
        {
            "duty": "avvergeplikt",
            "decision": "notified",
            "notified": "Politiet, operasjonssentralen",
            "notified_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert decided.status_code == 201, decided.json()
    assert decided.json()["decided_by"] == "alice"

    response = client.post(
        url(adult, "forward"),
        {
            "services": [
                {"service": "politiet-vestfold", "legal_basis": "avvergeplikt"},
                {"service": "krisesenteret-vestfold", "legal_basis": "consent"},
                {
                    "service": "hjemmetjenesten",
                    "legal_basis": "hol_3_3a",
                    "decided_by": "Kari Berg, fastlege",
                    "reason": "Demens; kan ikke ta stilling til hjelpen nå.",
                },
            ],
            "note": "Ring teamet.",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    bases = {r["service"]: r["legal_basis"] for r in response.json()["referrals"]}
    assert bases == {
        "politiet-vestfold": "avvergeplikt",
        "krisesenteret-vestfold": "consent",
        "hjemmetjenesten": "hol_3_3a",
    }
    home = Referral.objects.get(enquiry=adult, service__slug="hjemmetjenesten")
    assert home.basis_decided_by == "Kari Berg, fastlege"
    assert Referral.objects.get(enquiry=adult, service__slug="krisesenteret-vestfold").consent


@pytest.mark.parametrize(
    ("item", "why"),
    [
        # The duty to avert is met by telling the police, not NAV.
        ({"service": "nav-tonsberg", "legal_basis": "avvergeplikt"}, "gjelder ikke"),
        # The adult consented to the shelter, not to NAV.
        ({"service": "nav-tonsberg", "legal_basis": "consent"}, "samtykket"),
        # Opplysningsplikt is to child welfare.
        (
            {"service": "hjemmetjenesten", "legal_basis": "opplysningsplikt_barnevern"},
            "gjelder ikke",
        ),
        # A capacity basis needs who decided.
        ({"service": "hjemmetjenesten", "legal_basis": "hol_3_3a"}, "hvem som avgjorde"),
        # § 3-3 a reaches the municipality's services, not an outside one.
        (
            {"service": "vern-for-eldre", "legal_basis": "hol_3_3a", "decided_by": "Kari"},
            "gjelder ikke",
        ),
    ],
)
def test_a_basis_that_does_not_apply_to_that_service_is_refused_naming_it(
    adult: Enquiry, alice: Any, item: dict[str, str], why: str
) -> None:
    consent_to(adult, alice, "krisesenteret-vestfold")
    routing_services.duty_decision_record(
        enquiry=adult,
        actor=alice,
        duty="avvergeplikt",
        decision="notified",
        notified_whom="Politiet",
        notified_at=timezone.now(),
    )
    client = staff_client(alice)
    events = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = client.post(
        url(adult, "forward"),
        {
            "services": [
                {"service": "politiet-vestfold", "legal_basis": "avvergeplikt"},
                {"service": "krisesenteret-vestfold", "legal_basis": "consent"},
                item,
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["services.2.legal_basis"], errors
    assert why in " ".join(errors["services.2.legal_basis"])
    adult.refresh_from_db()
    assert adult.state == State.RISK_ASSESSED and not adult.referrals.exists()
    # Nothing stored but the reads of the enquiry.
    assert not AuditEvent.objects.filter(seq__gt=events).exclude(action="view").exists()


def test_the_first_version_form_keeps_one_basis_for_all_checked_per_service(
    adult: Enquiry, alice: Any
) -> None:
    routing_services.duty_decision_record(
        enquiry=adult,
        actor=alice,
        duty="avvergeplikt",
        decision="notified",
        notified_whom="Politiet",
        notified_at=timezone.now(),
    )
    client = staff_client(alice)
    refused = client.post(
        url(adult, "forward"),
        {"services": ["politiet-vestfold", "nav-tonsberg"], "legal_basis": "avvergeplikt"},
        format="json",
    )
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["legal_basis"]
    assert "NAV" in refused.json()["errors"]["legal_basis"][0]
    missing = client.post(url(adult, "forward"), {"services": ["politiet-vestfold"]}, format="json")
    assert missing.status_code == 400 and "legal_basis" in missing.json()["errors"]
    mixed = client.post(
        url(adult, "forward"),
        {"services": ["politiet-vestfold", {"service": "nav-tonsberg", "legal_basis": "consent"}]},
        format="json",
    )
    assert mixed.status_code == 400 and "services" in mixed.json()["errors"]
    unknown = client.post(
        url(adult, "forward"),
        {"services": [{"service": "politiet-vestfold", "legal_basis": "magic"}]},
        format="json",
    )
    assert unknown.status_code == 400 and "services.0.legal_basis" in unknown.json()["errors"]
    ok = client.post(
        url(adult, "forward"),
        {"services": ["politiet-vestfold"], "legal_basis": "avvergeplikt"},
        format="json",
    )
    assert ok.status_code == 200


def test_consent_is_per_service_and_withdrawing_it_withdraws_the_referral(
    adult: Enquiry, alice: Any
) -> None:
    consent = consent_to(adult, alice, "krisesenteret-vestfold")
    assert AuditEvent.objects.filter(object_type="serviceconsent", action="create").exists()
    [referral] = casework_services.enquiry_forward(
        enquiry=adult,
        actor=alice,
        bases=[routing_services.ServiceBasis("krisesenteret-vestfold", "consent")],
    )
    assert referral.consent == consent
    routing_services.consent_withdraw(consent=consent, actor=alice, method="written")
    referral.refresh_from_db()
    assert referral.state == ReferralState.WITHDRAWN
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawal_method == "written"
    adult.refresh_from_db()
    response = staff_client(alice).post(
        url(adult, "forward"),
        {"services": [{"service": "krisesenteret-vestfold", "legal_basis": "consent"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "services.0.legal_basis" in response.json()["errors"]


def test_a_consent_given_at_intake_stops_covering_a_service_the_adult_withdrew_from(
    alice: Any,
) -> None:
    enquiry = make_enquiry(actor=alice, subject_consents_to_forwarding=True)
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    enquiry.refresh_from_db()
    consent = consent_to(enquiry, alice, "nav-tonsberg")
    routing_services.consent_withdraw(consent=consent, actor=alice, method="oral")
    client = staff_client(alice)
    refused = client.post(
        url(enquiry, "forward"),
        {"services": ["nav-tonsberg"], "legal_basis": "consent"},
        format="json",
    )
    assert refused.status_code == 400
    ok = client.post(
        url(enquiry, "forward"),
        {"services": ["familievernkontoret-vestfold"], "legal_basis": "consent"},
        format="json",
    )
    assert ok.status_code == 200


def test_a_service_integrated_team_forwards_on_a_duty_and_closes_without_the_admin(
    alice: Any,
) -> None:
    enquiry = make_enquiry(actor=alice, immediate_danger=True, subject_consents_to_forwarding=False)
    client = staff_client(alice)
    assert (
        client.post(url(enquiry, "assessment"), {"answers": {}}, format="json").status_code == 201
    )
    refused = client.post(
        url(enquiry, "forward"),
        {"services": [{"service": "politiet-vestfold", "legal_basis": "avvergeplikt"}]},
        format="json",
    )
    assert refused.status_code == 400  # no decision on the duty yet
    bad = client.post(
        url(enquiry, "duty-decisions"),
        {"duty": "avvergeplikt", "decision": "notified"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"notified", "notified_at"}
    made = client.post(
        url(enquiry, "duty-decisions"),
        {
            "duty": "avvergeplikt",
            "decision": "notified",
            "notified": "Politiet",
            "notified_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert made.status_code == 201
    listed = client.get(url(enquiry, "duty-decisions"))
    assert [d["duty"] for d in listed.json()] == ["avvergeplikt"]
    forwarded = client.post(
        url(enquiry, "forward"),
        {"services": [{"service": "politiet-vestfold", "legal_basis": "avvergeplikt"}]},
        format="json",
    )
    assert forwarded.status_code == 200
    closed = client.post(
        url(enquiry, "close"),
        {"outcome": "risk_reduced", "measures": ["police_contact"]},
        format="json",
    )
    assert closed.status_code == 200, closed.json()
    assert closed.json()["state"] == "closed"
    again = client.post(
        url(enquiry, "duty-decisions"),
        {"duty": "avvergeplikt", "decision": "not_applicable", "reason": "x"},
        format="json",
    )
    assert again.status_code == 409


def test_duty_decisions_are_for_the_team_only(adult: Enquiry, mona: Any, tor: Any) -> None:
    body = {"duty": "avvergeplikt", "decision": "not_applicable", "reason": "Ikke aktuelt."}
    assert (
        staff_client(mona).post(url(adult, "duty-decisions"), body, format="json").status_code
        == 403
    )
    assert (
        staff_client(tor).post(url(adult, "duty-decisions"), body, format="json").status_code == 404
    )


def test_the_admin_forward_form_takes_a_basis_per_service(
    adult: Enquiry, alice: Any, as_user: Any
) -> None:
    consent_to(adult, alice, "krisesenteret-vestfold")
    routing_services.duty_decision_record(
        enquiry=adult,
        actor=alice,
        duty="avvergeplikt",
        decision="notified",
        notified_whom="Politiet",
        notified_at=timezone.now(),
    )
    client = as_user(alice)
    page = f"/admin/intake/enquiry/{adult.pk}/transition/forward/"
    form = client.get(page).context["form"]
    # Beside each service only what can apply to it.
    assert [c for c, _t in form.fields["basis_nav-tonsberg"].choices] == ["", "hol_3_3a", "nodrett"]
    assert "consent" in dict(form.fields["basis_krisesenteret-vestfold"].choices)
    assert "avvergeplikt" in dict(form.fields["basis_politiet-vestfold"].choices)
    # The rule for immediate danger ticks the police in advance.
    assert form.fields["services"].initial == ["politiet-vestfold"]
    post = {
        "version": adult.version,
        "services": ["politiet-vestfold", "nav-tonsberg"],
        "legal_basis": "avvergeplikt",
        "decided_by": "",
    }
    refused = client.post(page, post)
    assert refused.status_code == 200
    assert "NAV" in str(refused.context["form"].errors["legal_basis"])
    post.update({"basis_nav-tonsberg": "hol_3_3a", "decided_by": "Kari Berg, fastlege"})
    assert client.post(page, post).status_code == 302
    assert dict(adult.referrals.values_list("service__slug", "legal_basis")) == {
        "politiet-vestfold": "avvergeplikt",
        "nav-tonsberg": "hol_3_3a",
    }


def test_consents_are_recorded_and_withdrawn_in_the_admin(
    adult: Enquiry, alice: Any, as_user: Any
) -> None:
    client = as_user(alice)
    page = f"/admin/intake/enquiry/{adult.pk}/consents/"
    shelter = HelpService.objects.get(slug="krisesenteret-vestfold")
    response = client.post(
        page, {"service": shelter.pk, "given_at": "2026-01-05 10:00", "method": "written"}
    )
    assert response.status_code == 302
    consent = ServiceConsent.objects.get(enquiry=adult)
    assert (consent.method, consent.recorded_by) == ("written", alice)
    assert "Krisesenteret" in client.get(page).content.decode()
    client.post(page, {"consent": consent.pk, "withdrawal_method": "oral"})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
