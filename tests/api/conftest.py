"""The API's cast: the staff of tests/conftest.py, plus the NAV key (a submitting service that
also receives referrals) and the Krisesenteret key (a receiving service); and the client
generated from the schema (``tryggest``, ``connect``: tests/api/openapi.py)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from rest_framework.test import APIClient

from accounts.models import User
from routing.services import service_key_create
from tests.api.openapi import (
    csrf_token,
    generated_client,
    httpx_response_hook,
    wsgi_calls_in_the_test_transaction,
)
from tests.conftest import sign_in_client

GENERATED_CLIENT_BASE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _fresh_throttles(settings: Any) -> None:
    # Throttle counters live in the cache; each test starts from zero, with generous rates.
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"service": "10000/min", "user": "10000/min"},
    }


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def staff_client(user: User) -> APIClient:
    """An API client with ``user``'s staff session, signed in with both steps (password and
    second factor) as a person would (tests.conftest.sign_in_client)."""
    return sign_in_client(APIClient(), user)


@pytest.fixture
def nav_key(db: Any) -> str:
    return service_key_create(slug="nav-tonsberg", name="NAV Tønsberg")[1]


@pytest.fixture
def krisesenteret_key(db: Any) -> str:
    return service_key_create(slug="krisesenteret-vestfold")[1]


@pytest.fixture
def nav(nav_key: str) -> APIClient:
    return key_client(nav_key)


@pytest.fixture
def krisesenteret(krisesenteret_key: str) -> APIClient:
    return key_client(krisesenteret_key)


SUBMISSION: dict[str, Any] = {
    "reporter": {
        "type": "municipal_service",
        "name": "Kari Nordmann",
        "phone": "+47 912 34 567",
        "email": "kari@example.no",
        "organisation": "Hjemmesykepleien Øst",
    },
    "subject": {
        "name": "Ola Hansen",
        "national_id": "01014010005",
        "birth_date": "1940-01-01",
        "birth_year": 1940,
        "gender": "male",
        "address": "Storgata 1, 3126 Tønsberg",
        "phone": "33 00 00 00",
        "knows_about_enquiry": True,
        "consents_to_forwarding": True,
        "consent_capacity_doubted": False,
    },
    "risk_factors": ["old_age", "cognitive_disability"],
    "violence_types": ["economic", "psychological"],
    "perpetrator_relation": "adult_child",
    "location": "own_home",
    "description": "Sønnen styrer økonomien og truer ham.",
    "immediate_danger": False,
    "children_in_household": False,
}


def submission(**overrides: Any) -> dict[str, Any]:
    import copy

    body = copy.deepcopy(SUBMISSION)
    body.update(overrides)
    return body


@pytest.fixture(scope="session")
def tryggest(tmp_path_factory: Any, django_db_blocker: Any) -> ModuleType:
    """The client openapi-python-client generates from the schema, imported."""
    with django_db_blocker.unblock():
        return generated_client(tmp_path_factory.mktemp("generated-client"))


def _httpx_args() -> dict[str, Any]:
    return {
        "transport": httpx.WSGITransport(app=get_wsgi_application()),
        "event_hooks": {"response": [httpx_response_hook]},
    }


@pytest.fixture
def connect(tryggest: ModuleType, db: Any) -> Iterator[Any]:
    """``connect(key=…)`` for a service, ``connect(user=…)`` for staff (signed in with the shared
    helper; the session cookie and the CSRF token go with every call), ``connect()`` for nobody.
    Every status the schema does not declare raises."""
    made: list[Any] = []

    def make(*, key: str | None = None, user: Any = None) -> Any:
        if key is not None:
            client = tryggest.AuthenticatedClient(
                base_url=GENERATED_CLIENT_BASE_URL,
                token=key,
                prefix="Api-Key",
                httpx_args=_httpx_args(),
            )
        elif user is not None:
            session = staff_client(user).cookies["sessionid"].value
            csrf = csrf_token()
            client = tryggest.AuthenticatedClient(
                base_url=GENERATED_CLIENT_BASE_URL,
                token=csrf,
                prefix="",
                auth_header_name="X-CSRFToken",
                cookies={"sessionid": session, "csrftoken": csrf},
                httpx_args=_httpx_args(),
            )
        else:
            client = tryggest.Client(base_url=GENERATED_CLIENT_BASE_URL, httpx_args=_httpx_args())
        client.raise_on_unexpected_status = True
        made.append(client)
        return client

    with wsgi_calls_in_the_test_transaction():
        yield make
    for client in made:
        client.get_httpx_client().close()
