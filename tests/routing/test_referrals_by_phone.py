"""Referrals say what really happened (issue 16 item 7): a referral to a service without e-mail
is "to contact by phone", not "sent", until a team member records the call; the enquiry's page
lists these with the service's phones and hours; a failed e-mail is shown on the page."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from casework import services as casework_services
from intake.models import Enquiry
from routing.models import HelpService, Referral
from tests.api.conftest import staff_client

pytestmark = pytest.mark.django_db


def forward(enquiry: Enquiry, alice: Any, slug: str) -> Referral:
    [referral] = casework_services.enquiry_forward(
        enquiry=enquiry, actor=alice, service_slugs=[slug], legal_basis="consent"
    )
    return referral


def test_a_service_without_email_is_to_contact_by_phone_until_the_call_is_recorded(
    assessed: Enquiry, alice: Any, as_user: Any
) -> None:
    assert HelpService.objects.get(slug="vern-for-eldre").email == ""
    referral = forward(assessed, alice, "vern-for-eldre")
    assert (referral.delivery, referral.awaits_phone_call) == ("phone", True)

    api = staff_client(alice).get(f"/api/v1/enquiries/{assessed.pk}/").json()
    [shown] = api["referrals"]
    assert (shown["delivery"], shown["to_contact_by_phone"], shown["phoned_at"]) == (
        "phone",
        True,
        None,
    )

    client = as_user(alice)
    page = client.get(f"/admin/intake/enquiry/{assessed.pk}/change/").content.decode()
    assert (
        "Vern for eldre – nasjonal kontakttelefon har ingen e-postadresse: kontaktes på telefon."
        in page
    )
    assert "Kontaktes på telefon" in page  # the referral's state on the page, not "Sendt"
    assert ">Sendt<" not in page
    phones = [p["number"] for p in HelpService.objects.get(slug="vern-for-eldre").phones]
    assert phones and all(number in page for number in phones)
    assert "Registrer samtalen" in page

    call = f"/admin/intake/enquiry/{assessed.pk}/referrals/{referral.pk}/phone-call/"
    assert client.post(call, {"note": "Snakket med vakthavende."}).status_code == 302
    referral.refresh_from_db()
    assert referral.phoned_by == alice and not referral.awaits_phone_call
    event = AuditEvent.objects.filter(object_type="referral").latest("seq")
    assert (event.actor, event.object_id) == ("alice", str(referral.pk))
    assert "phoned_at" in event.fields
    page = client.get(f"/admin/intake/enquiry/{assessed.pk}/change/").content.decode()
    assert "kontaktes på telefon." not in page
    assert "Varslet på telefon" in page
    api = staff_client(alice).get(f"/api/v1/enquiries/{assessed.pk}/").json()
    assert api["referrals"][0]["to_contact_by_phone"] is False
    # The call is recorded once.
    client.post(call, {"note": ""})
    assert Referral.objects.get(pk=referral.pk).phoned_at == referral.phoned_at


def test_a_service_with_email_is_sent_and_not_listed(
    assessed: Enquiry, alice: Any, as_user: Any
) -> None:
    HelpService.objects.filter(slug="nav-tonsberg").update(email="nav@example.no")
    referral = forward(assessed, alice, "nav-tonsberg")
    assert (referral.delivery, referral.awaits_phone_call) == ("email", False)
    page = as_user(alice).get(f"/admin/intake/enquiry/{assessed.pk}/change/").content.decode()
    assert "kontaktes på telefon" not in page


def test_a_failed_email_is_shown_on_the_page(
    assessed: Enquiry,
    alice: Any,
    as_user: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_BACKEND = "tests.failing_backend.FailingBackend"
    HelpService.objects.filter(slug="nav-tonsberg").update(email="nav@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        referral = forward(assessed, alice, "nav-tonsberg")
    referral.refresh_from_db()
    assert referral.email_failed_at is not None
    page = as_user(alice).get(f"/admin/intake/enquiry/{assessed.pk}/change/").content.decode()
    assert "E-posten til NAV Tønsberg feilet" in page
    assert "E-post feilet: kontaktes på telefon" in page
    call = f"/admin/intake/enquiry/{assessed.pk}/referrals/{referral.pk}/phone-call/"
    assert as_user(alice).post(call, {"note": ""}).status_code == 302
    referral.refresh_from_db()
    assert referral.phoned_at is not None
