"""The e-mailed single-use link for services without a system of their own."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from casework import services as casework_services
from routing.models import HelpService, Referral, ReferralLink, ReferralState

pytestmark = pytest.mark.django_db

NAV_EMAIL = "nav.tonsberg@example.no"
LINK = re.compile(r"https?://[^\s]+/henvisning/([A-Za-z0-9_-]+)/")


@pytest.fixture
def nav(db: Any) -> HelpService:
    service = HelpService.objects.get(slug="nav-tonsberg")
    service.email = NAV_EMAIL
    service.save()
    return service


def forward_to_nav(enquiry: Any, alice: Any, capture: Any) -> Referral:
    with capture(execute=True):
        (referral,) = casework_services.enquiry_forward(
            enquiry=enquiry,
            actor=alice,
            service_slugs=["nav-tonsberg"],
            legal_basis="consent",
            note="Ring før besøk.",
        )
    return referral


def token_from(message: Any) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def sent(
    assessed: Any, alice: Any, nav: HelpService, django_capture_on_commit_callbacks: Any
) -> tuple[Referral, str]:
    referral = forward_to_nav(assessed, alice, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    return referral, token_from(mail.outbox[0])


def open_link(client: Client, token: str) -> Any:
    return client.post(f"/henvisning/{token}/", {"action": "open"})


def test_forwarding_emails_the_service_a_link_without_personal_data(
    sent: Any, assessed: Any
) -> None:
    referral, token = sent
    message = mail.outbox[0]
    assert message.to == [NAV_EMAIL]
    text = f"{message.subject}\n{message.body}"
    for personal in [
        assessed.subject_name,
        "Ola",
        "Hansen",
        "1940",
        assessed.reporter_name,
        assessed.description,
        "Ring før besøk",
    ]:
        assert personal not in text
    assert assessed.reference in text
    # Only the hash is stored.
    link = ReferralLink.objects.get(referral=referral)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_national_id_never_reaches_the_mail(
    alice: Any, nav: HelpService, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.factories import make_enquiry

    enquiry = make_enquiry(actor=alice, subject_national_id="15076500565", subject_birth_date=None)
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    forward_to_nav(enquiry, alice, django_capture_on_commit_callbacks)
    text = f"{mail.outbox[0].subject}\n{mail.outbox[0].body}"
    assert "15076500565" not in text and "150765" not in text and "Ola Hansen" not in text


def test_the_mail_is_sent_only_after_commit(
    assessed: Any, alice: Any, nav: HelpService, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        casework_services.enquiry_forward(
            enquiry=assessed, actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
        )
    assert mail.outbox == [] and len(callbacks) == 1


def test_a_failed_send_keeps_the_referral_and_logs_no_personal_data(
    assessed: Any,
    alice: Any,
    nav: HelpService,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    caplog: Any,
) -> None:
    settings.EMAIL_BACKEND = "tests.failing_backend.FailingBackend"
    with caplog.at_level(logging.WARNING, logger="routing.services"):
        referral = forward_to_nav(assessed, alice, django_capture_on_commit_callbacks)
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert "nav-tonsberg" in caplog.text
    assert assessed.subject_name not in caplog.text


def test_a_service_without_email_gets_a_clear_warning(
    assessed: Any, alice: Any, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="routing.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        casework_services.enquiry_forward(
            enquiry=assessed,
            actor=alice,
            service_slugs=["familievernkontoret-vestfold"],
            legal_basis="consent",
        )
    assert mail.outbox == []
    assert "familievernkontoret-vestfold has no e-mail address" in caplog.text


def test_the_landing_page_shows_no_case_data_and_does_not_use_the_link(
    sent: Any, assessed: Any
) -> None:
    referral, token = sent
    response = Client().get(f"/henvisning/{token}/")
    assert response.status_code == 200
    assert assessed.subject_name not in response.content.decode()
    assert ReferralLink.objects.get(referral=referral).used_at is None


def test_the_link_works_once(sent: Any, assessed: Any) -> None:
    _referral, token = sent
    service_browser = Client()
    response = open_link(service_browser, token)
    assert response.status_code == 302
    page = service_browser.get(f"/henvisning/{token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert assessed.subject_name in body and "Ring før besøk" in body
    # Minimum necessary: not the team's description, not the reporter.
    assert assessed.description not in body and assessed.reporter_name not in body

    someone_else = Client()
    assert someone_else.get(f"/henvisning/{token}/").status_code == 404
    assert open_link(someone_else, token).status_code == 404


def test_opening_viewing_and_answering_are_logged_as_the_service(sent: Any) -> None:
    referral, token = sent
    browser = Client()
    open_link(browser, token)
    browser.get(f"/henvisning/{token}/")
    browser.post(f"/henvisning/{token}/", {"action": "acknowledge"})
    service_events = AuditEvent.objects.filter(actor_type="service", actor="nav-tonsberg")
    kinds = list(service_events.values_list("object_type", "action"))
    assert ("referrallink", "update") in kinds
    assert ("referral", "view") in kinds
    assert ("referral", "transition") in kinds
    assert all(e.enquiry_id == referral.enquiry_id for e in service_events)


def test_the_service_acknowledges_and_completes(sent: Any) -> None:
    referral, token = sent
    browser = Client()
    open_link(browser, token)
    assert browser.post(f"/henvisning/{token}/", {"action": "acknowledge"}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == ReferralState.ACKNOWLEDGED
    browser.post(f"/henvisning/{token}/", {"action": "complete", "text": "Samtale holdt."})
    referral.refresh_from_db()
    assert (
        referral.state == ReferralState.COMPLETED and referral.completion_note == "Samtale holdt."
    )


def test_declining_needs_a_reason(sent: Any) -> None:
    referral, token = sent
    browser = Client()
    open_link(browser, token)
    response = browser.post(f"/henvisning/{token}/", {"action": "decline", "text": "  "})
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT
    browser.post(f"/henvisning/{token}/", {"action": "decline", "text": "Ikke vår målgruppe."})
    referral.refresh_from_db()
    assert referral.state == ReferralState.DECLINED
    assert referral.decline_reason == "Ikke vår målgruppe."


def test_the_link_expires(sent: Any) -> None:
    referral, token = sent
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        browser = Client()
        assert browser.get(f"/henvisning/{token}/").status_code == 404
        assert open_link(browser, token).status_code == 404
    assert ReferralLink.objects.get(referral=referral).used_at is None


def test_the_session_grant_expires(sent: Any) -> None:
    _referral, token = sent
    browser = Client()
    open_link(browser, token)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert browser.get(f"/henvisning/{token}/").status_code == 404


def test_unknown_used_and_expired_links_look_the_same(sent: Any) -> None:
    _referral, token = sent
    unknown = Client().get("/henvisning/not-a-token/")
    open_link(Client(), token)
    used = Client().get(f"/henvisning/{token}/")
    assert unknown.status_code == used.status_code == 404
    assert unknown.content == used.content


def test_the_team_can_still_withdraw_after_the_service_saw_it(sent: Any, alice: Any) -> None:
    from routing.services import referral_withdraw

    referral, token = sent
    browser = Client()
    open_link(browser, token)
    referral_withdraw(referral=referral, actor=alice)
    page = browser.get(f"/henvisning/{token}/")
    assert page.status_code == 200 and 'value="acknowledge"' not in page.content.decode()


def test_the_team_sends_a_new_link_and_the_old_one_stops_working(
    sent: Any, assessed: Any, alice: Any, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral, old_token = sent
    client = as_user(alice)
    page = client.get(f"/admin/intake/enquiry/{assessed.pk}/change/").content.decode()
    url = f"/admin/intake/enquiry/{assessed.pk}/referrals/{referral.pk}/new-link/"
    assert url in page
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert len(mail.outbox) == 2
    new_token = token_from(mail.outbox[1])
    assert Client().get(f"/henvisning/{old_token}/").status_code == 404
    browser = Client()
    open_link(browser, new_token)
    assert browser.get(f"/henvisning/{new_token}/").status_code == 200


def test_tor_cannot_send_a_new_link(sent: Any, assessed: Any, tor: Any, as_user: Any) -> None:
    referral, _ = sent
    url = f"/admin/intake/enquiry/{assessed.pk}/referrals/{referral.pk}/new-link/"
    as_user(tor).post(url)
    assert ReferralLink.objects.filter(referral=referral).count() == 1
