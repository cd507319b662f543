"""Single sign-on against a real OpenID Connect provider (issue 15): django-oauth-toolkit's
provider (tests/oidc_provider) in a second process on loopback, the whole authorisation-code flow
with PKCE (the provider refuses a flow without it) in Chromium: no mocked token."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts.models import ExternalIdentity, User
from audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CLIENT_ID = "tryggest-test-client"
PROVIDER_PASSWORD = "provider-password-2026"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rsa_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def provider(live_server: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    port = _free_port()
    secret = secrets.token_urlsafe(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "OIDC_PROVIDER_DB": str(tmp_path / "provider.sqlite3"),
            "OIDC_PROVIDER_KEY": _rsa_key(),
        }
    )
    python = sys.executable
    run = {"cwd": ROOT, "env": env, "check": True, "timeout": 300, "capture_output": True}
    subprocess.run([python, "-m", "django", "migrate", "--no-input"], **run)
    redirect_uri = f"{live_server.url}/oidc/callback/"
    subprocess.run(
        [python, "-m", "tests.oidc_provider.setup", redirect_uri, CLIENT_ID, secret], **run
    )
    process = subprocess.Popen(
        [python, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/o"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(  # noqa: S310 - our own provider on loopback
                    f"{base}/.well-known/openid-configuration", timeout=2
                ) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the OIDC provider did not start")
        yield {"base": base, "secret": secret}
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def sso(provider: dict[str, str], settings: Any) -> dict[str, str]:
    base = provider["base"]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = provider["secret"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/.well-known/jwks.json"
    settings.OIDC_OP_USER_ENDPOINT = f"{base}/userinfo/"
    settings.OIDC_OP_ISSUER = base
    settings.OIDC_PROVIDER_NAME = "Tønsberg kommune"
    settings.OIDC_ROLE_MAP = "TryggEst.Koordinator=coordinator,TryggEst.Saksbehandler=team_member"
    settings.OIDC_TEAM_CLAIM = "tryggest_team"
    return provider


def sign_in_at_the_provider(page: Any, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.click("text=Logg inn med Tønsberg kommune")
    page.wait_for_url("**/login/**")
    assert page.url.startswith("http://127.0.0.1:")  # the provider's own page
    page.fill("#id_username", username)
    page.fill("#id_password", PROVIDER_PASSWORD)
    page.click("#provider-submit")


def test_a_coordinator_signs_in_with_the_provider_role_and_team_from_claims(
    sso: dict[str, str], page: Any
) -> None:
    sign_in_at_the_provider(page, "Kari.Nordmann@tonsberg.example")
    page.wait_for_url("**/admin/")
    assert page.locator("#site-name").is_visible()
    user = User.objects.get()
    # The name normalised (issue 14, fault 8), the role and team from the claims.
    assert user.username == "kari.nordmann@tonsberg.example"
    assert list(user.groups.values_list("name", flat=True)) == ["coordinator"]
    assert user.team.slug == "tonsberg"
    assert not user.has_usable_password()
    identity = ExternalIdentity.objects.get(user=user)
    assert identity.issuer == sso["base"]
    login = AuditEvent.objects.filter(action="login", actor=user.username).get()
    assert login.reason == "oidc"
    # A complete sign-in: staff pages and the API's session authentication.
    page.goto("/admin/intake/enquiry/")
    assert page.locator("#changelist").is_visible()
    answer = page.request.get("/api/v1/enquiries/")
    assert answer.status == 200
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_user_without_a_tryggest_role_is_refused(sso: dict[str, str], page: Any) -> None:
    sign_in_at_the_provider(page, "ola.uten.rolle@tonsberg.example")
    page.wait_for_url("**/admin/login/?sso=refused")
    assert "ingen rolle i TryggEst" in page.content()
    assert not User.objects.exists()
    page.goto("/admin/")
    page.wait_for_url("**/admin/login/**")
