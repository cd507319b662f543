"""Signing in with a second factor (issue 15). These tests are about signing in, so they drive
the two steps by hand (everywhere else: tests.conftest.logged_in and friends)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from audit.models import AuditEvent, RefusalCount
from tests.audit.helpers import events_after, last_seq
from tests.conftest import logged_in
from tests.factories import TEST_PASSWORD, TEST_TOTP_KEY, second_factor_code

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def password_step(client: Client, username: str, password: str = TEST_PASSWORD) -> Any:
    return client.post("/admin/login/", {"username": username, "password": password})


def enrolled(user: Any) -> str:
    """Enrol ``user``'s authenticator app (the test cast's key); the code it shows now."""
    return second_factor_code(user)


# --- A session with the password but not the second factor reaches nothing staff-only ---


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("alice", "/admin/"),
        ("alice", "/admin/intake/enquiry/"),
        ("bob", "/admin/accounts/user/"),
        ("mona", "/stats/"),
        ("aud", "/admin/audit/auditevent/"),
        ("alice", "/admin/security/"),
    ],
)
def test_the_password_alone_reaches_no_staff_page(
    who: str, url: str, request: Any, enquiry: Any
) -> None:
    user = request.getfixturevalue(who)
    enrolled(user)
    client = Client()
    response = password_step(client, user.username)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/verify/")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("alice", "/api/v1/enquiries/"),
        ("alice", "/api/v1/services/"),
        ("mona", "/api/v1/stats/?from=2026-01-01&to=2026-01-31"),
        ("aud", "/api/v1/audit/events/"),
    ],
)
def test_the_password_alone_reaches_no_api(who: str, url: str, request: Any) -> None:
    user = request.getfixturevalue(who)
    enrolled(user)
    client = Client()
    password_step(client, user.username)
    response = client.get(url)
    assert response.status_code in (401, 403)
    assert response.status_code == 401  # to the API the session is no one
    # ...while the second step completes it.
    client.post("/admin/login/verify/", {"code": second_factor_code(user)})
    assert client.get(url).status_code == 200


def test_the_enquiry_api_refuses_a_post_from_a_session_without_the_second_step(
    alice: Any,
) -> None:
    enrolled(alice)
    client = Client()
    password_step(client, "alice")
    response = client.post("/api/v1/enquiries/", {}, content_type="application/json")
    assert response.status_code == 401


# --- The second step ---


def test_a_totp_code_completes_the_sign_in_and_is_recorded(alice: Any) -> None:
    code = enrolled(alice)
    client = Client()
    password_step(client, "alice")
    before = last_seq()
    response = client.post("/admin/login/verify/", {"code": code, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    [event] = events_after(before)
    assert (event.action, event.actor, event.reason) == ("login", "alice", "totp")


def test_a_totp_code_is_accepted_once(alice: Any) -> None:
    code = enrolled(alice)
    first = Client()
    password_step(first, "alice")
    assert first.post("/admin/login/verify/", {"code": code}).status_code == 302
    second = Client()
    password_step(second, "alice")
    response = second.post("/admin/login/verify/", {"code": code})
    assert response.status_code == 200  # the form again, with the error
    assert second.get("/admin/").status_code == 302


def test_a_wrong_code_is_refused_and_recorded_for_the_account(alice: Any) -> None:
    enrolled(alice)
    client = Client()
    password_step(client, "alice")
    before = last_seq()
    response = client.post("/admin/login/verify/", {"code": "000000"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    [event] = events_after(before)
    assert (event.action, event.actor, event.object_type) == (
        "login_failed",
        "alice",
        "second_factor",
    )
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_signs_in_once(alice: Any) -> None:
    enrolled(alice)
    codes = services.recovery_codes_create(user=alice)
    assert len(codes) == 10 and len(set(codes)) == 10
    client = Client()
    password_step(client, "alice")
    before = last_seq()
    response = client.post("/admin/login/verify/", {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    [event] = events_after(before)
    assert event.reason == "recovery_code"
    assert StaticDevice.objects.get(user=alice).token_set.count() == 9
    again = Client()
    password_step(again, "alice")
    assert again.post("/admin/login/verify/", {"code": codes[0]}).status_code == 200
    assert again.get("/admin/").status_code == 302


def test_the_second_step_must_follow_within_minutes(alice: Any, settings: Any) -> None:
    code = enrolled(alice)
    client = Client()
    password_step(client, "alice")
    later = timezone.now() + dt.timedelta(seconds=settings.TRYGGEST_SECOND_FACTOR_SECONDS + 5)
    with time_machine.travel(later, tick=False):
        response = client.post("/admin/login/verify/", {"code": code})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?")
    assert client.get("/admin/").status_code == 302


# --- Enrolment on first sign-in ---


def test_the_first_sign_in_sets_up_an_authenticator_app_and_shows_recovery_codes(
    alice: Any,
) -> None:
    assert not TOTPDevice.objects.filter(user=alice).exists()
    client = Client()
    response = password_step(client, "alice")
    assert response["Location"].startswith("/admin/login/enrol/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code, inline
    secret = page.context["secret"].replace(" ", "")
    import base64

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    code = f"{TOTP(key, step=30, digits=6).token():06d}"
    before = last_seq()
    response = client.post(page.request["PATH_INFO"], {"code": code, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/recovery-codes/")
    codes_page = client.get(response["Location"])
    codes = codes_page.context["codes"]
    assert len(codes) == 10
    # Shown once.
    assert client.get(response["Location"]).context["codes"] is None
    assert client.get("/admin/").status_code == 200
    actions = [(e.action, e.object_type) for e in events_after(before)]
    assert ("create", "totpdevice") in actions
    assert ("login", "user") in actions
    assert ("update", "staticdevice") in actions


def test_enrolment_refuses_a_wrong_code(alice: Any) -> None:
    client = Client()
    password_step(client, "alice")
    response = client.post("/admin/login/enrol/", {"code": "123456"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert client.get("/admin/").status_code == 302


def test_a_second_app_cannot_be_added_without_the_first(alice: Any) -> None:
    enrolled(alice)
    client = Client()
    password_step(client, "alice")
    response = client.get("/admin/login/enrol/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/verify/")


# --- With the second step turned off (development only) ---


def test_without_the_requirement_the_password_alone_signs_in(alice: Any, settings: Any) -> None:
    settings.TRYGGEST_MFA_REQUIRED = False
    client = Client()
    response = password_step(client, "alice")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # Someone who has set up a second step is still asked for it.
    enrolled(alice)
    other = Client()
    assert password_step(other, "alice")["Location"].startswith("/admin/login/verify/")


def test_the_requirement_can_be_turned_off_only_in_development() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tryggest.settings'; "
            "django.setup()",
        ],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "False",
            "SECRET_KEY": "s",
            "AUDIT_HMAC_KEY": "k",
            "TRYGGEST_MFA_REQUIRED": "False",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TRYGGEST_MFA_REQUIRED" in result.stderr


# --- Sessions end when idle ---


def test_an_idle_session_ends(alice: Any, settings: Any) -> None:
    client = logged_in(alice)
    assert client.get("/admin/").status_code == 200
    later = timezone.now() + dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS - 60)
    with time_machine.travel(later, tick=False):
        assert client.get("/admin/").status_code == 200  # still active: the clock restarts
    later += dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS - 60)
    with time_machine.travel(later, tick=False):
        assert client.get("/admin/").status_code == 200
    later += dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS + 1)
    before = last_seq()
    with time_machine.travel(later, tick=False):
        response = client.get("/admin/")
    assert response.status_code == 302
    [event] = events_after(before)
    assert (event.action, event.actor) == ("logout", "alice")


def test_a_session_ends_at_the_latest_after_its_maximum_age(alice: Any, settings: Any) -> None:
    settings.SESSION_IDLE_SECONDS = 10 * 60 * 60
    client = logged_in(alice)
    later = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    with time_machine.travel(later, tick=False):
        assert client.get("/admin/").status_code == 302


# --- A coordinator resets a lost second factor ---


def test_a_coordinator_resets_a_team_members_second_factor(
    alice: Any, bob: Any, enquiry: Any
) -> None:
    alices_session = logged_in(alice)
    assert alices_session.get("/admin/").status_code == 200
    before = last_seq()
    response = logged_in(bob).post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [alice.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    [event] = AuditEvent.objects.filter(seq__gt=before, actor="bob", action="update")
    assert (event.object_type, event.object_id, event.fields) == (
        "user",
        str(alice.pk),
        ["second_factor"],
    )
    # Her verified session lost its factor: the next page asks her to sign in again.
    assert alices_session.get("/admin/").status_code == 302
    client = Client()
    assert password_step(client, "alice")["Location"].startswith("/admin/login/enrol/")


@pytest.mark.parametrize("who", ["tor", "mona", "alice"])
def test_others_cannot_reset_a_second_factor(who: str, request: Any, bob: Any) -> None:
    enrolled(bob)
    actor = request.getfixturevalue(who)
    with pytest.raises(services.PermissionDenied):
        services.second_factor_reset(actor=actor, user=bob)
    assert TOTPDevice.objects.filter(user=bob).exists()


def test_a_coordinator_cannot_reset_their_own(bob: Any) -> None:
    enrolled(bob)
    with pytest.raises(services.PermissionDenied):
        services.second_factor_reset(actor=bob, user=bob)


def test_coordinators_see_only_their_teams_users(bob: Any, alice: Any, tor: Any) -> None:
    page = logged_in(bob).get("/admin/accounts/user/")
    assert page.status_code == 200
    shown = {u.username for u in page.context["cl"].result_list}
    assert "alice" in shown and "tor" not in shown


# --- Sign-in attempts are limited ---


class CountingHasher(MD5PasswordHasher):
    algorithm = "md5"
    calls = 0

    def verify(self, password: str, encoded: str) -> bool:
        CountingHasher.calls += 1
        return super().verify(password, encoded)

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings: Any) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def test_six_wrong_passwords_lock_the_account_before_any_password_is_hashed(
    alice: Any, counting_hasher: type[CountingHasher]
) -> None:
    alice.set_password(TEST_PASSWORD)
    alice.save()
    enrolled(alice)
    client = Client()
    before = last_seq()
    for attempt in range(6):
        response = password_step(client, "alice", f"wrong-{attempt}")
    assert response.status_code == 429
    locks = [e for e in events_after(before) if e.object_type == "signin_lock"]
    assert [(e.action, e.object_id, e.reason) for e in locks] == [
        ("login_failed", "alice", "account")
    ]
    assert "wrong-" not in str(AuditEvent.objects.filter(seq=locks[0].seq).values().get())
    # Locked: the right password is refused too, and nothing is hashed for it.
    hashed_before = counting_hasher.calls
    with translation.override("nb"):
        response = password_step(Client(), "Alice ")  # the same account, however typed
    assert response.status_code == 429
    assert "For mange mislykkede" in response.content.decode()
    assert counting_hasher.calls == hashed_before
    assert len([e for e in events_after(before) if e.object_type == "signin_lock"]) == 1
    assert RefusalCount.objects.get(kind="login_refused_locked").count == 1


def test_the_lock_expires(alice: Any, settings: Any) -> None:
    enrolled(alice)
    for attempt in range(6):
        password_step(Client(), "alice", f"wrong-{attempt}")
    assert password_step(Client(), "alice").status_code == 429
    later = timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        response = password_step(Client(), "alice")
    assert response.status_code == 302


def test_a_coordinator_unlocks_and_it_is_recorded(alice: Any, bob: Any) -> None:
    enrolled(alice)
    coordinator = logged_in(bob)  # before the lock: the address's count stays low
    for attempt in range(6):
        password_step(Client(), "alice", f"wrong-{attempt}")
    assert password_step(Client(), "alice").status_code == 429
    listing = coordinator.get("/admin/accounts/user/")
    assert "alice" in {u.username for u in listing.context["cl"].result_list}
    before = last_seq()
    response = coordinator.post(
        "/admin/accounts/user/", {"action": "unlock_signin", "_selected_action": [alice.pk]}
    )
    assert response.status_code == 302
    [event] = [e for e in events_after(before) if e.object_type == "user"]
    assert (event.actor, event.fields) == ("bob", ["signin_lock"])
    assert password_step(Client(), "alice").status_code == 302


def test_one_address_guessing_many_accounts_is_locked(
    alice: Any, settings: Any, counting_hasher: type[CountingHasher]
) -> None:
    settings.TRYGGEST_SIGNIN_FAILURES_PER_ADDRESS = 10
    for n in range(10):
        password_step(Client(), f"guess{n}", "wrong-password")
    hashed_before = counting_hasher.calls
    response = password_step(Client(), "alice")  # the right password, from the same address
    assert response.status_code == 429
    assert counting_hasher.calls == hashed_before
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert password_step(other, "alice").status_code == 302


@pytest.mark.parametrize("remote_addr", ["", "unix:/run/gunicorn.sock"])
def test_a_request_without_an_address_signs_in_and_is_counted(alice: Any, remote_addr: str) -> None:
    """A server on a unix socket passes no client address; the attempt counters (an IP address
    column, strict on PostgreSQL) must still work: a wrong password, then the right one, no 500."""
    enrolled(alice)
    client = Client(REMOTE_ADDR=remote_addr)
    assert password_step(client, "alice", "wrong-password").status_code == 200
    assert password_step(client, "alice").status_code == 302
    # A forced sign-in (tools, benchmarks) resets the counters for the same unknown address.
    Client(REMOTE_ADDR=remote_addr).force_login(alice)


def test_an_unauthenticated_api_call_is_counted_not_chained(db: Any) -> None:
    before = last_seq()
    for _ in range(5):
        assert Client().get("/api/v1/enquiries/").status_code == 401
        assert Client().get("/api/v1/audit/events/").status_code == 401
    assert events_after(before) == []
    assert RefusalCount.objects.get(kind="unauthenticated").count == 10


def test_the_test_casts_totp_key_is_rfc_6238s() -> None:
    # RFC 6238, appendix B: at 59 s the SHA-1 key gives 94287082 (8 digits; 6 shown here).
    totp = TOTP(bytes.fromhex(TEST_TOTP_KEY), step=30, digits=8)
    totp.time = 59
    assert totp.token() == 94287082
