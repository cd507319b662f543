"""The API's cast: the staff of tests/conftest.py, plus the NAV key (a submitting service that
also receives referrals) and the Krisesenteret key (a receiving service)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from routing.services import service_key_create
from tests.conftest import sign_in_client


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
