"""The schema is the contract a machine reads (issue 14, fault 15): what a client generated from
/api/v1/schema/ (openapi-python-client, ``tryggest`` and ``connect`` in tests/api/conftest.py)
meets beyond the contract's story (tests/api/test_contract_walk.py): errors of the statistics
and the audit trail, a throttled call, a step refused for a concurrent change. Each answer
parses into the type the schema declares, and each response is checked against the schema.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from casework import api as casework_api
from casework import services as casework_services
from intake.models import Enquiry
from stats import rollup
from tests.api.openapi import operation, schema
from tests.factories import make_enquiry

NATIONAL_ID = "01014010005"


def test_the_served_schema_is_the_one_the_client_is_generated_from(client: Any, db: Any) -> None:
    served = client.get("/api/v1/schema/?format=json")
    assert served.status_code == 200
    assert json.loads(served.content) == schema()


@pytest.fixture
def midday() -> Iterator[None]:
    # A working day at noon in Oslo: the figures below do not depend on the hour the suite runs.
    with time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))):
        yield


def test_statistics_and_audit_answer_their_errors_in_the_declared_shape(
    tryggest: ModuleType, midday: None, connect: Any, alice: Any, mona: Any, aud: Any, nav_key: str
) -> None:
    m = tryggest.models
    make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    rollup.refresh()  # the scheduler's refresh between the changes and the read
    stats = operation(tryggest, "stats", "stats_retrieve")
    manager, auditor, staff, nobody = (
        connect(user=mona),
        connect(user=aud),
        connect(user=alice),
        connect(),
    )

    today = timezone.localdate()
    figures = stats.sync(client=manager, from_=today - dt.timedelta(days=1), to=today)
    assert isinstance(figures, m.Statistics)
    assert figures.total_received == 1  # exact, always (issue 20: the breakdowns protect it)
    assert "total_received" not in figures.suppressed
    assert figures.by_state.received is None and "by_state.received" in figures.suppressed
    csv = manager.get_httpx_client().get("/api/v1/stats/", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    for client, status in ((staff, 403), (nobody, 401), (connect(key=nav_key), 403)):
        answer = stats.sync_detailed(client=client)
        assert answer.status_code == status and isinstance(answer.parsed, m.Error)
    backwards = stats.sync_detailed(
        client=manager, from_=dt.date(2026, 2, 1), to=dt.date(2026, 1, 1)
    )
    assert backwards.status_code == 400 and "from" in backwards.parsed.errors.additional_properties
    as_csv = stats.sync_detailed(
        client=manager,
        format_=m.StatsRetrieveFormat.CSV,
        from_=dt.date(2026, 2, 1),
        to=dt.date(2026, 1, 1),
    )
    assert as_csv.status_code == 400 and isinstance(as_csv.parsed, m.Error)  # errors are JSON

    events = operation(tryggest, "audit", "audit_events_list")
    trail = events.sync(client=auditor)
    assert trail.results and all(isinstance(e.action, m.ActionEnum) for e in trail.results)
    assert all(isinstance(e.filters, m.AuditEventFilters) for e in trail.results)
    for client, status in ((staff, 403), (nobody, 401)):
        answer = events.sync_detailed(client=client)
        assert answer.status_code == status and isinstance(answer.parsed, m.Error)
    bad = events.sync_detailed(client=auditor, enquiry="not-a-uuid")
    assert bad.status_code == 400 and "enquiry" in bad.parsed.errors.additional_properties

    person = operation(tryggest, "audit", "audit_access_report_for_person")
    report = person.sync(
        client=auditor, body=m.AccessReportPersonInputRequest(national_id=NATIONAL_ID)
    )
    assert isinstance(report, m.AccessReportPage)
    assert report.count == 1 and report.results[0].action is m.ActionEnum.CREATE
    refused = person.sync_detailed(
        client=staff, body=m.AccessReportPersonInputRequest(national_id=NATIONAL_ID)
    )
    assert refused.status_code == 403 and isinstance(refused.parsed, m.Error)


def test_a_throttled_call_declares_when_to_try_again(
    tryggest: ModuleType, connect: Any, nav_key: str, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"service": "1/min", "user": "1/min"},
    }
    services = operation(tryggest, "services", "services_list")
    nav = connect(key=nav_key)
    assert services.sync_detailed(client=nav).status_code == 200
    throttled = services.sync_detailed(client=nav)
    assert throttled.status_code == 429 and isinstance(throttled.parsed, tryggest.models.Error)
    assert int(throttled.headers["Retry-After"]) > 0


def test_a_step_refused_for_a_concurrent_change_parses_as_the_contracts_409(
    tryggest: ModuleType, connect: Any, forwarded: Enquiry, alice: Any, bob: Any, monkeypatch: Any
) -> None:
    """Bob re-assesses between Alice's read and her write: her close is refused (409), and the
    answer parses as the schema's 409, with the state now and what Alice may do from it."""
    m = tryggest.models
    read = casework_api.staff_enquiry

    def read_then_bob_reassesses(request: Any, key: Any) -> Enquiry:
        enquiry = read(request, key)
        casework_services.enquiry_assess(
            enquiry=Enquiry.objects.get(pk=enquiry.pk), actor=bob, answers={}
        )
        return enquiry

    monkeypatch.setattr(casework_api, "staff_enquiry", read_then_bob_reassesses)
    conflict = operation(tryggest, "enquiries", "enquiries_close").sync_detailed(
        str(forwarded.pk),
        client=connect(user=alice),
        body=m.CloseInputRequest.from_dict(
            {
                "outcome": "risk_reduced",
                "outcome_asked": "asked_expressed",
                "outcome_achieved": "fully",
                "measures": ["conversation"],
            }
        ),
    )
    assert conflict.status_code == 409
    assert isinstance(conflict.parsed, m.TransitionRefusedOutput)
    assert conflict.parsed.state is m.EnquiryStateEnum.FORWARDED
    assert set(conflict.parsed.allowed_transitions) == {
        m.EnquiryStepEnum.ASSESS,
        m.EnquiryStepEnum.FORWARD,
        m.EnquiryStepEnum.CLOSE,
    }
    forwarded.refresh_from_db()
    assert forwarded.state == "forwarded"  # nothing of Alice's close was stored
