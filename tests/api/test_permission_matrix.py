"""Every endpoint × every caller → the status code API.md gives, in one table.

The enquiry belongs to team tonsberg, was submitted by NAV's key, is assessed and forwarded to
Krisesenteret (so Krisesenteret's key sees the referral, NAV's does not). Tor is a team member of
another team; Kari is a coordinator of that team who states a reason (break the glass).
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from casework import services as casework_services
from intake.models import Enquiry
from routing import services as routing_services
from tests.api.conftest import key_client, staff_client, submission
from tests.factories import UserFactory

CALLERS = [
    "anonymous",
    "alice",
    "bob",
    "mona",
    "aud",
    "tor",
    "kari_with_reason",
    "nav",
    "krisesenteret",
]
STAFF = {"alice", "bob", "tor", "kari_with_reason"}


def _body_for_create(caller: str) -> dict[str, Any]:
    return submission(channel="phone") if caller in STAFF else submission()


# endpoint: (method, url template, body or body-factory, preparation of the world)
ENDPOINTS: dict[str, tuple[str, str, Any, str]] = {
    "enquiry-list": ("get", "/api/v1/enquiries/", None, ""),
    "enquiry-create": ("post", "/api/v1/enquiries/", _body_for_create, ""),
    "enquiry-detail": ("get", "/api/v1/enquiries/{enquiry}/", None, ""),
    "assessment": ("post", "/api/v1/enquiries/{enquiry}/assessment/", {"answers": {}}, ""),
    "forward": (
        "post",
        "/api/v1/enquiries/{enquiry}/forward/",
        {"services": ["nav-tonsberg"], "legal_basis": "consent"},
        "",
    ),
    "close": ("post", "/api/v1/enquiries/{enquiry}/close/", {"outcome": "duplicate"}, ""),
    "reopen": (
        "post",
        "/api/v1/enquiries/{enquiry}/reopen/",
        {"reason": "Ny informasjon"},
        "closed",
    ),
    "suggestions": ("get", "/api/v1/enquiries/{enquiry}/suggestions/", None, ""),
    "instrument": ("get", "/api/v1/assessment-instrument/", None, ""),
    "referral-list": ("get", "/api/v1/referrals/", None, ""),
    "referral-detail": ("get", "/api/v1/referrals/{referral}/", None, ""),
    "acknowledge": ("post", "/api/v1/referrals/{referral}/acknowledge/", {}, ""),
    "decline": (
        "post",
        "/api/v1/referrals/{referral}/decline/",
        {"reason": "Ikke vår målgruppe"},
        "",
    ),
    "complete": (
        "post",
        "/api/v1/referrals/{referral}/complete/",
        {"note": "Fulgt opp"},
        "acknowledged",
    ),
    "services": ("get", "/api/v1/services/", None, ""),
}

#                  anon  alice bob  mona aud  tor  kari nav  kris
EXPECTED: dict[str, list[int]] = {
    "enquiry-list": [401, 200, 200, 403, 403, 200, 200, 200, 200],
    "enquiry-create": [401, 201, 201, 403, 403, 201, 201, 201, 201],
    "enquiry-detail": [401, 200, 200, 403, 403, 404, 200, 200, 404],
    "assessment": [401, 201, 201, 403, 403, 404, 403, 403, 403],
    "forward": [401, 200, 200, 403, 403, 404, 403, 403, 403],
    "close": [401, 200, 200, 403, 403, 404, 403, 403, 403],
    "reopen": [401, 403, 200, 403, 403, 404, 403, 403, 403],
    "suggestions": [401, 200, 200, 403, 403, 404, 200, 403, 403],
    "instrument": [401, 200, 200, 403, 403, 200, 200, 403, 403],
    "referral-list": [401, 200, 200, 403, 403, 200, 200, 200, 200],
    "referral-detail": [401, 200, 200, 403, 403, 404, 404, 404, 200],
    "acknowledge": [401, 200, 200, 403, 403, 404, 404, 404, 200],
    "decline": [401, 200, 200, 403, 403, 404, 404, 404, 200],
    "complete": [401, 200, 200, 403, 403, 404, 404, 404, 200],
    "services": [401, 200, 200, 200, 200, 200, 200, 200, 200],
}

CASES = [
    pytest.param(endpoint, caller, EXPECTED[endpoint][i], id=f"{endpoint}-{caller}")
    for endpoint in ENDPOINTS
    for i, caller in enumerate(CALLERS)
]


@pytest.fixture
def world(
    alice: User, bob: User, mona: User, aud: User, tor: User, nav_key: str, krisesenteret_key: str
) -> dict[str, Any]:
    nav = key_client(nav_key)
    created = nav.post("/api/v1/enquiries/", submission(), format="json")
    assert created.status_code == 201
    enquiry = Enquiry.objects.get(pk=created.json()["id"])
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    enquiry.refresh_from_db()
    (referral,) = casework_services.enquiry_forward(
        enquiry=enquiry,
        actor=alice,
        service_slugs=["krisesenteret-vestfold"],
        legal_basis="consent",
    )
    enquiry.refresh_from_db()
    kari = UserFactory(username="kari", team=tor.team, roles=["coordinator"])
    return {
        "enquiry": enquiry,
        "referral": referral,
        "nav_key": nav_key,
        "krisesenteret_key": krisesenteret_key,
        "users": {
            "alice": alice,
            "bob": bob,
            "mona": mona,
            "aud": aud,
            "tor": tor,
            "kari_with_reason": kari,
        },
    }


def _client(caller: str, world: dict[str, Any]) -> APIClient:
    if caller == "anonymous":
        return APIClient()
    if caller == "nav":
        return key_client(world["nav_key"])
    if caller == "krisesenteret":
        return key_client(world["krisesenteret_key"])
    client = staff_client(world["users"][caller])
    if caller == "kari_with_reason":
        client.credentials(HTTP_X_ACCESS_REASON="Politiet ringte om saken")
    return client


@pytest.mark.parametrize(("endpoint", "caller", "expected"), CASES)
def test_permission_matrix(
    endpoint: str, caller: str, expected: int, world: dict[str, Any]
) -> None:
    method, template, body, prepare = ENDPOINTS[endpoint]
    enquiry: Enquiry = world["enquiry"]
    alice = world["users"]["alice"]
    if prepare == "closed":
        casework_services.enquiry_close(enquiry=enquiry, actor=alice, outcome="duplicate")
    if prepare == "acknowledged":
        routing_services.referral_acknowledge(referral=world["referral"], actor=alice)
    url = template.format(enquiry=enquiry.pk, referral=world["referral"].pk)
    payload = body(caller) if callable(body) else body
    client = _client(caller, world)
    kwargs: dict[str, Any] = {"format": "json"} if payload is not None else {}
    response = (
        getattr(client, method)(url, payload, **kwargs)
        if payload is not None
        else getattr(client, method)(url)
    )
    assert response.status_code == expected, (endpoint, caller, response.content[:300])
    if expected >= 400:
        assert "detail" in response.json()
    if expected == 401:
        assert response["WWW-Authenticate"] == "Api-Key"


def test_a_service_key_sees_only_the_coarse_status_of_its_own_submissions(
    world: dict[str, Any],
) -> None:
    nav = key_client(world["nav_key"])
    listed = nav.get("/api/v1/enquiries/").json()
    assert listed["count"] == 1
    assert set(listed["results"][0]) == {"id", "reference", "state", "received_at", "updated_at"}
    assert key_client(world["krisesenteret_key"]).get("/api/v1/enquiries/").json()["count"] == 0


def test_a_revoked_key_is_refused(world: dict[str, Any]) -> None:
    from accounts.models import ServiceKey

    ServiceKey.objects.filter(organisation__slug="nav-tonsberg").update(revoked=True)
    assert key_client(world["nav_key"]).get("/api/v1/enquiries/").status_code == 401
    assert key_client("nonsense.key").get("/api/v1/enquiries/").status_code == 401


def test_other_teams_staff_list_nothing_of_ours(world: dict[str, Any]) -> None:
    tor = staff_client(world["users"]["tor"])
    assert tor.get("/api/v1/enquiries/").json()["count"] == 0
    assert tor.get("/api/v1/referrals/").json()["count"] == 0


def test_break_the_glass_is_logged(world: dict[str, Any]) -> None:
    from audit.models import AuditEvent

    client = _client("kari_with_reason", world)
    assert client.get(f"/api/v1/enquiries/{world['enquiry'].pk}/").status_code == 200
    event = AuditEvent.objects.filter(action="break_glass").get()
    assert event.actor == "kari"
    assert event.reason == "Politiet ringte om saken"
