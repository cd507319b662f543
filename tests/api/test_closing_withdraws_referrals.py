"""Closing an enquiry withdraws its open referrals and tells each service; a withdrawn referral
shows no personal data and cannot be answered (409), through the API and the e-mailed link
(issue 14, fault 7). Closing as `referred_elsewhere` hands the case over: its referrals stay."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from casework import services as casework_services
from routing.models import HelpService, Referral, ReferralState

NAV_EMAIL = "nav.tonsberg@example.no"
LINK = re.compile(r"https?://[^\s]+/henvisning/([A-Za-z0-9_-]+)/")


@pytest.fixture
def nav_service(db: Any) -> HelpService:
    service = HelpService.objects.get(slug="nav-tonsberg")
    service.email = NAV_EMAIL
    service.save()
    return service


@pytest.fixture
def referred(
    assessed: Any, alice: Any, nav_service: Any, django_capture_on_commit_callbacks: Any
) -> tuple[Referral, str]:
    with django_capture_on_commit_callbacks(execute=True):
        (referral,) = casework_services.enquiry_forward(
            enquiry=assessed,
            actor=alice,
            service_slugs=["nav-tonsberg"],
            legal_basis="consent",
            note="Ring Ola før besøk.",
        )
    token = LINK.search(mail.outbox[-1].body).group(1)
    return referral, token


def close(enquiry: Any, actor: Any, capture: Any, outcome: str = "risk_reduced") -> None:
    enquiry.refresh_from_db()
    with capture(execute=True):
        casework_services.enquiry_close(
            enquiry=enquiry,
            actor=actor,
            outcome=outcome,
            outcome_asked="not_asked",
            measures=["conversation"],
        )


def test_closing_withdraws_the_referral_and_the_service_sees_no_personal_data(
    referred: Any, assessed: Any, alice: Any, nav: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral, _token = referred
    close(assessed, alice, django_capture_on_commit_callbacks)

    [listed] = nav.get("/api/v1/referrals/").json()["results"]
    assert listed["state"] == "withdrawn"
    text = str(listed)
    for personal in ("Ola Hansen", "33 00 00 00", "Storgata", "Ring Ola", "economic"):
        assert personal not in text
    detail = nav.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert detail["state"] == "withdrawn" and "Ola Hansen" not in str(detail)


@pytest.mark.parametrize(
    ("answer", "body"),
    [("acknowledge", {}), ("decline", {"reason": "Ikke vår sak"}), ("complete", {"note": "OK"})],
)
def test_a_withdrawn_referral_cannot_be_answered(
    answer: str,
    body: dict[str, Any],
    referred: Any,
    assessed: Any,
    alice: Any,
    nav: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    referral, _token = referred
    close(assessed, alice, django_capture_on_commit_callbacks)
    response = nav.post(f"/api/v1/referrals/{referral.pk}/{answer}/", body, format="json")
    assert response.status_code == 409
    assert response.json()["state"] == "withdrawn"
    referral.refresh_from_db()
    assert referral.state == ReferralState.WITHDRAWN


def test_the_service_is_told_by_email_without_personal_data(
    referred: Any, assessed: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    close(assessed, alice, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == [NAV_EMAIL]
    text = f"{message.subject}\n{message.body}"
    assert assessed.reference in text
    assert "Ola" not in text and "Hansen" not in text and "/henvisning/" not in text


def test_the_emailed_link_page_agrees(
    referred: Any, assessed: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral, token = referred
    service = Client()
    assert service.post(f"/henvisning/{token}/", {"action": "open"}).status_code == 302
    assert "Ola Hansen" in service.get(f"/henvisning/{token}/").content.decode()

    close(assessed, alice, django_capture_on_commit_callbacks)

    page = service.get(f"/henvisning/{token}/").content.decode()
    assert "Ola Hansen" not in page and "33 00 00 00" not in page
    assert 'value="acknowledge"' not in page
    service.post(f"/henvisning/{token}/", {"action": "acknowledge"})
    referral.refresh_from_db()
    assert referral.state == ReferralState.WITHDRAWN


def test_an_unopened_link_stops_working_when_the_enquiry_is_closed(
    referred: Any, assessed: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _referral, token = referred
    close(assessed, alice, django_capture_on_commit_callbacks)
    assert Client().get(f"/henvisning/{token}/").status_code == 404


def test_closing_as_referred_elsewhere_hands_the_case_over(
    referred: Any, assessed: Any, alice: Any, nav: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral, _token = referred
    close(assessed, alice, django_capture_on_commit_callbacks, outcome="referred_elsewhere")
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT
    assert nav.post(f"/api/v1/referrals/{referral.pk}/acknowledge/").status_code == 200
