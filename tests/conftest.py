"""The one cast of test users, reused everywhere (STYLE.md).

Alice (team member, team tonsberg), Bob (coordinator), Mona (manager), Aud (auditor),
Tor (team member of another team).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Team, User
from casework import services as casework_services
from intake.models import Enquiry
from tests.factories import (
    TEST_PASSWORD,
    TeamFactory,
    UserFactory,
    make_enquiry,
    second_factor_code,
)

pytest_plugins = ["tests.browser"]


@pytest.fixture(scope="session", autouse=True)
def _audit_erasure_during_flush() -> Any:
    """Let pytest-django's flush after a transactional test empty the append-only audit table.

    The audit table's triggers refuse DELETE (SQLite) and TRUNCATE (PostgreSQL) unless the
    maintenance marker is set (audit.maintenance); the flush between transactional tests is the
    one place the suite needs that. The flush also empties what the data migrations installed
    (roles, the default team, the chain head), so a transactional test should ask for
    ``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``.
    """
    from django.core.management.commands import flush

    from audit.maintenance import erasure_allowed

    original = flush.Command.handle

    def handle(self: Any, *args: Any, **options: Any) -> Any:
        with erasure_allowed(
            reason="test database flush", using=options.get("database") or "default"
        ):
            return original(self, *args, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2's deliberate slowness costs about a second per test user; tests need no such defence.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain HTTP; production redirects it to HTTPS (tests/tryggest test
    # the headers with the redirect on).
    settings.SECURE_SSL_REDIRECT = False


def pytest_configure(config: Any) -> None:
    # The hashed, compressed static files need `collectstatic` first (production does it in the
    # image); tests render pages without it. tests/tryggest/test_production_server.py serves the
    # real thing under gunicorn.
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
    # The test client and the live server speak plain HTTP; production redirects them to HTTPS.
    # Set here too, before the live server builds its middleware once for the session.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def _api_responses_match_the_schema(request: Any, monkeypatch: Any) -> None:
    """Every API response the suite's test clients get is checked against the OpenAPI schema
    (tests/api/openapi.py): the schema is the contract a machine reads (issue 14, fault 15). A
    test that breaks the server on purpose says so with ``@pytest.mark.not_in_schema``."""
    if request.node.get_closest_marker("not_in_schema"):
        return
    from tests.api.openapi import check_response

    original = Client.request

    def checked(self: Client, **kwargs: Any) -> Any:
        response = original(self, **kwargs)
        check_response(response.wsgi_request, response)
        return response

    monkeypatch.setattr(Client, "request", checked)


@pytest.fixture
def tonsberg(db: Any) -> Team:
    return Team.objects.get(slug="tonsberg")


@pytest.fixture
def faerder(db: Any) -> Team:
    return TeamFactory(slug="faerder", name="Færder")


@pytest.fixture
def alice(tonsberg: Team) -> User:
    return UserFactory(username="alice", team=tonsberg, roles=["team_member"])


@pytest.fixture
def bob(tonsberg: Team) -> User:
    return UserFactory(username="bob", team=tonsberg, roles=["coordinator"])


@pytest.fixture
def mona(tonsberg: Team) -> User:
    return UserFactory(username="mona", team=tonsberg, roles=["manager"])


@pytest.fixture
def aud(tonsberg: Team) -> User:
    return UserFactory(username="aud", team=tonsberg, roles=["auditor"])


@pytest.fixture
def tor(faerder: Team) -> User:
    return UserFactory(username="tor", team=faerder, roles=["team_member"])


@pytest.fixture
def enquiry(alice: User) -> Enquiry:
    return make_enquiry(actor=alice)


@pytest.fixture
def assessed(enquiry: Enquiry, alice: User) -> Enquiry:
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    return enquiry


@pytest.fixture
def forwarded(assessed: Enquiry, alice: User) -> Enquiry:
    casework_services.enquiry_forward(
        enquiry=assessed, actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
    )
    return assessed


@pytest.fixture
def closed(enquiry: Enquiry, alice: User) -> Enquiry:
    casework_services.enquiry_close(
        enquiry=enquiry, actor=alice, outcome="duplicate", outcome_asked="not_asked"
    )
    return enquiry


def sign_in_client(client: Client, user: User, *, next_url: str = "/admin/") -> Client:
    """Sign ``user`` (of the test cast, password ``TEST_PASSWORD``) in through the real two steps
    (README: "Signing in"): the password at /admin/login/, then the code of their authenticator
    app at /admin/login/verify/ (enrolled for them if missing). Works for the test client and
    DRF's APIClient alike."""
    second_factor_code(user)  # enrolled first, so the service asks for the code, not enrolment
    response = client.post(
        "/admin/login/",
        {"username": user.username, "password": TEST_PASSWORD, "next": next_url},
    )
    assert response.status_code == 302, f"password step refused for {user.username}"
    code = second_factor_code(user)
    response = client.post("/admin/login/verify/", {"code": code, "next": next_url})
    assert response.status_code == 302 and "/admin/login/" not in response["Location"], (
        f"second step refused for {user.username}"
    )
    return client


def logged_in(user: User) -> Client:
    """A test client signed in as ``user`` with both steps."""
    return sign_in_client(Client(), user)


@pytest.fixture
def as_user():
    return logged_in
