"""A database that is restarting or gone: callers get a clear 503 with Retry-After, and nothing
is half-stored (bench/faults.py restarts a real PostgreSQL under load).

The service runs for real; the connection is made to fail, as a restarting server fails it, at
a statement after the enquiry's own INSERT (its clock, its audit event, the service's link, the
idempotency record). Whatever was written before that statement must be gone with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection

from audit.models import AuditEvent, ChainHead
from intake import services
from intake.models import (
    Enquiry,
    EnquiryClock,
    IdempotencyRecord,
    ReferenceCounter,
    ServiceSubmission,
)
from tests.api.conftest import submission

ENQUIRY_INSERT = re.compile(r'INSERT INTO "?intake_enquiry"? ', re.IGNORECASE)


@contextmanager
def database_gone_at(table: str) -> Iterator[list[str]]:
    """The connection dies at the first write to ``table`` after the enquiry's INSERT."""
    target = re.compile(rf'(INSERT INTO|UPDATE) "?{table}"?[ (]', re.IGNORECASE)
    seen: list[str] = []

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if ENQUIRY_INSERT.match(sql):
            seen.append("enquiry")
        elif seen and target.match(sql):
            seen.append(table)
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def _stored() -> dict[str, Any]:
    return {
        "enquiries": Enquiry.objects.count(),
        "clocks": EnquiryClock.objects.count(),
        "submissions": ServiceSubmission.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
        "events": AuditEvent.objects.count(),
        "chains": list(ChainHead.objects.order_by("pk").values_list("seq", "hash")),
        "references": list(ReferenceCounter.objects.values_list("year", "last")),
    }


@pytest.mark.parametrize(
    "table",
    [
        "intake_enquiryclock",
        "audit_auditevent",
        "intake_servicesubmission",
        "intake_idempotencyrecord",
    ],
)
def test_a_database_lost_after_the_enquirys_insert_leaves_nothing_and_answers_503(
    nav: Any, table: str
) -> None:
    before = _stored()
    with database_gone_at(table) as seen:
        response = nav.post(
            "/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="down-1"
        )
    assert seen == ["enquiry", table]  # the enquiry was inserted before the connection died
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["detail"] == (
        "Tjenesten er midlertidig utilgjengelig. Ingenting ble lagret; prøv igjen."
    )
    assert _stored() == before  # nothing half-stored

    # The database is back: the same request with the same key stores it once.
    again = nav.post(
        "/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="down-1"
    )
    assert again.status_code == 201
    enquiry = Enquiry.objects.get()
    assert again.json()["id"] == str(enquiry.pk)
    assert (
        EnquiryClock.objects.filter(enquiry=enquiry).count(),
        ServiceSubmission.objects.filter(enquiry=enquiry).count(),
        AuditEvent.objects.filter(action="create", enquiry_id=enquiry.pk).count(),
    ) == (1, 1, 1)


@pytest.mark.not_in_schema  # a 500 on purpose: the schema promises none
def test_other_errors_are_not_disguised_as_503(nav: Any, monkeypatch: Any) -> None:
    def broken(**kwargs: Any) -> Any:
        raise ValueError("a bug")

    monkeypatch.setattr(services, "enquiry_submit", broken)
    nav.raise_request_exception = False
    response = nav.post("/api/v1/enquiries/", submission(), format="json")
    assert response.status_code == 500
    assert Enquiry.objects.count() == 0
