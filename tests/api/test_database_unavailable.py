"""A database that is restarting or gone: callers get a clear 503 with Retry-After, and nothing
is half-stored (bench/faults.py restarts a real PostgreSQL under load)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

from intake import services
from intake.models import Enquiry
from tests.api.conftest import submission


def _database_gone(**kwargs: Any) -> Any:
    raise OperationalError("terminating connection due to administrator command")


def test_a_submission_while_the_database_is_gone_is_503_with_retry_after(
    nav: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "enquiry_submit", _database_gone)
    response = nav.post(
        "/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="down-1"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "detail" in response.json()
    assert Enquiry.objects.count() == 0


@pytest.mark.not_in_schema  # a 500 on purpose: the schema promises none
def test_other_errors_are_not_disguised_as_503(nav: Any, monkeypatch: Any) -> None:
    def broken(**kwargs: Any) -> Any:
        raise ValueError("a bug")

    monkeypatch.setattr(services, "enquiry_submit", broken)
    nav.raise_request_exception = False
    response = nav.post("/api/v1/enquiries/", submission(), format="json")
    assert response.status_code == 500
