"""DRF's own validation messages in bokmål (issue 20, item 1): its nb catalogue lacks some, and
the project's catalogue completes it (tryggest/drf_catalogue.py). Found by using the service:
"Must be a valid UUID." and "Ensure this field has at least 1 elements." came back in English."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import staff_client

pytestmark = pytest.mark.django_db


def test_an_invalid_uuid_and_an_empty_list_are_refused_in_norwegian(
    assessed: Any, alice: Any
) -> None:
    client = staff_client(alice)
    close = client.post(
        f"/api/v1/enquiries/{assessed.pk}/close/",
        {"outcome": "duplicate", "outcome_asked": "not_asked", "duplicate_of": "nope"},
        format="json",
    )
    assert close.status_code == 400
    assert "Må være en gyldig UUID." in json.dumps(close.json(), ensure_ascii=False)
    forward = client.post(
        f"/api/v1/enquiries/{assessed.pk}/forward/",
        {"services": [], "legal_basis": "consent"},
        format="json",
    )
    assert forward.status_code == 400
    text = json.dumps(forward.json(), ensure_ascii=False)
    assert "minst 1 elementer" in text and "Ensure" not in text
