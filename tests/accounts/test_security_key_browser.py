"""A security key in Chromium (issue 15): a virtual authenticator (Chrome DevTools Protocol
``WebAuthn.addVirtualAuthenticator``) is registered at the first sign-in and then used as the
second step, through django-otp-webauthn's pages and scripts, under the site's CSP."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from audit.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def security_key(page: Any, live_server: Any, settings: Any) -> Any:
    # The relying party is the live server's own origin (localhost is a secure context).
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield cdp, authenticator["authenticatorId"]
    cdp.send("WebAuthn.disable")


def password_step(page: Any, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-form input[type=submit]")


def test_a_security_key_is_registered_at_first_sign_in_and_then_used(
    alice: Any, page: Any, security_key: Any
) -> None:
    cdp, authenticator_id = security_key
    # First sign-in: no second step yet, so the enrolment page; register the key.
    password_step(page, "alice")
    page.wait_for_url("**/admin/login/enrol/**")
    page.click("#passkey-register-button")
    page.wait_for_url("**/admin/login/recovery-codes/**")
    assert page.locator("#recovery-codes li").count() == 10
    credential = WebAuthnCredential.objects.get(user=alice)
    assert credential.confirmed
    assert (
        len(
            cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})[
                "credentials"
            ]
        )
        == 1
    )
    page.click("#continue")
    page.wait_for_url("**/admin/")
    assert AuditEvent.objects.filter(action="login", actor="alice", reason="security_key").exists()

    # Sign out; the next sign-in asks for the key after the password.
    page.click("#logout-form button")
    password_step(page, "alice")
    page.wait_for_url("**/admin/login/verify/**")
    assert page.locator("#passkey-verification-button").is_visible()
    page.click("#passkey-verification-button")
    page.wait_for_url("**/admin/")
    assert page.locator("#site-name").is_visible()
    assert (
        AuditEvent.objects.filter(action="login", actor="alice", reason="security_key").count() == 2
    )
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert page.problems == []  # type: ignore[attr-defined]


def test_without_the_key_the_password_reaches_nothing(
    alice: Any, page: Any, security_key: Any
) -> None:
    password_step(page, "alice")
    page.wait_for_url("**/admin/login/enrol/**")
    page.click("#passkey-register-button")
    page.wait_for_url("**/admin/login/recovery-codes/**")
    page.click("#continue")
    page.wait_for_url("**/admin/")
    page.click("#logout-form button")
    # The key is gone (another computer): the password alone gets no further than the question.
    cdp, authenticator_id = security_key
    cdp.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator_id})
    password_step(page, "alice")
    page.wait_for_url("**/admin/login/verify/**")
    page.goto("/admin/intake/enquiry/")
    page.wait_for_url("**/admin/login/**")
    assert "/admin/intake/enquiry/" not in page.url.split("?")[0]
