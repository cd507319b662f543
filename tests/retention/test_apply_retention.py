"""Retention with frozen time: enquiries past their date are anonymised by the command and the
beat task, a legal hold keeps one, the statistics stay the same, no personal value is left in
any table, a killed run resumes without doing anything twice, the audit trail verifies."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from audit.models import AuditEvent
from audit.verification import verify_chain
from intake.models import Enquiry
from retention import declarations, registry, services, tasks
from retention.models import Anonymisation, LegalHold
from retention.scheduler import RetentionScheduler
from stats import rollup
from stats.selectors import case_flow
from tests.retention.helpers import full_enquiry, oslo, personal_values

pytestmark = pytest.mark.django_db

TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "URLField"}


def tables_holding(value: str) -> list[str]:
    """Every text, char and JSON column of every table that holds ``value`` (as a substring)."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if not model._meta.managed:
                continue
            for field in model._meta.concrete_fields:
                if field.get_internal_type() not in TEXT_TYPES:
                    continue
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} "
                    f"WHERE CAST({quote(field.column)} AS TEXT) LIKE %s",
                    [f"%{value}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{model._meta.db_table}.{field.column}")
    return found


@pytest.fixture
def cast(alice: Any) -> dict[str, Enquiry]:
    """Closed 2025-01-10: a duplicate (12 months), one kept 5 years, one under a hold, and one
    closed in 2020 (past 5 years at the run in 2026-03)."""
    at = oslo(2025, 1, 10, 12, 0)
    return {
        "duplicate": full_enquiry(actor=alice, n=1, closed_at=at, outcome="duplicate"),
        "kept": full_enquiry(actor=alice, n=2, closed_at=at, outcome="risk_removed"),
        "held": full_enquiry(actor=alice, n=3, closed_at=at, outcome="duplicate"),
        "old": full_enquiry(
            actor=alice, n=4, closed_at=oslo(2020, 11, 2, 9, 0), outcome="risk_removed"
        ),
    }


def _hold(enquiry: Enquiry, user: Any) -> None:
    services.set_hold(actor=user, enquiry=enquiry, reason="Åpen politisak")


def test_the_command_anonymises_what_is_due_and_a_hold_keeps_one(cast: Any, bob: Any) -> None:
    _hold(cast["held"], bob)
    with time_machine.travel(oslo(2026, 3, 1, 3, 0), tick=False):
        call_command("apply_retention", "--dry-run")
        assert not Anonymisation.objects.exists()
        call_command("apply_retention")
    done = set(Anonymisation.objects.values_list("enquiry_id", flat=True))
    assert done == {cast["duplicate"].pk, cast["old"].pk}
    duplicate = Enquiry.objects.get(pk=cast["duplicate"].pk)
    assert duplicate.subject_name == "" and duplicate.subject_national_id == ""
    assert duplicate.subject_birth_date is None and duplicate.subject_birth_year == 1965
    assert duplicate.description == "" and duplicate.outcome == "duplicate"
    assert duplicate.violence_types == ["economic", "psychological"]  # codes stay
    assert duplicate.reference == cast["duplicate"].reference
    kept = Enquiry.objects.get(pk=cast["kept"].pk)
    assert kept.subject_name == personal_values(2)["subject_name"]
    held = Enquiry.objects.get(pk=cast["held"].pk)
    assert held.subject_name == personal_values(3)["subject_name"]
    # One audit event per enquiry anonymised, by the system; the chain verifies.
    anonymised = AuditEvent.objects.filter(object_type="anonymisation")
    assert sorted(anonymised.values_list("enquiry_id", flat=True)) == sorted(done)
    assert set(anonymised.values_list("actor", flat=True)) == {"system"}
    assert verify_chain().intact


def test_the_nightly_task_anonymises_and_lifting_the_hold_lets_the_next_run_in(
    cast: Any, bob: Any
) -> None:
    _hold(cast["held"], bob)
    with time_machine.travel(oslo(2026, 3, 1, 2, 30), tick=False):
        assert tasks.apply_retention.apply().get() == 2
        services.lift_hold(actor=bob, hold=LegalHold.objects.get(lifted_at=None))
        assert tasks.apply_retention.apply().get() == 1
        assert tasks.apply_retention.apply().get() == 0  # idempotent
    assert Anonymisation.objects.count() == 3
    assert AuditEvent.objects.filter(object_type="anonymisation").count() == 3


def test_no_personal_value_is_left_in_any_table(cast: Any) -> None:
    # The keys that find the same adult (issue 17) are derived from the values: the number's
    # keyed hash and the folded name, held before and scanned for after.
    keys = list(
        Enquiry.objects.values_list("subject_national_id_key", "subject_name_key").distinct()
    )
    assert all(national and name for national, name in keys)
    with time_machine.travel(oslo(2030, 3, 1, 3, 0), tick=False):
        report = services.apply_retention()
    assert report.anonymised == 4
    for national, name in keys:
        assert tables_holding(national) == [] and tables_holding(name) == []
    left = {
        value: tables
        for n in (1, 2, 3, 4)
        for value in personal_values(n).values()
        if (tables := tables_holding(value))
    }
    assert left == {}
    assert tables_holding("15076500565") == []  # the national id


def test_the_scan_finds_a_forgotten_field(cast: Any, monkeypatch: Any) -> None:
    """The scan can fail: without the reporter messages' declaration their text stays."""
    without = [d for d in declarations.PERSONAL if d.model.__name__ != "ReporterMessage"]
    monkeypatch.setattr(services, "PERSONAL", without)
    with time_machine.travel(oslo(2030, 3, 1, 3, 0), tick=False):
        services.apply_retention()
    assert tables_holding(personal_values(1)["message"]) == ["intake_reportermessage.text"]


def test_a_killed_run_resumes_and_anonymises_each_enquiry_once(cast: Any) -> None:
    real = registry.anonymise
    calls = {"n": 0}

    def dies_on_the_second_batch(declarations: Any, ids: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")
        return real(declarations, ids)

    with time_machine.travel(oslo(2030, 3, 1, 3, 0), tick=False):
        with (
            mock.patch.object(registry, "anonymise", dies_on_the_second_batch),
            pytest.raises(KeyboardInterrupt),
        ):
            services.apply_retention(batch_size=2)
        assert Anonymisation.objects.count() == 2  # the first batch, whole
        assert AuditEvent.objects.filter(object_type="anonymisation").count() == 2
        report = services.apply_retention(batch_size=2)
    assert report.anonymised == 2
    assert Anonymisation.objects.count() == 4
    per_enquiry = AuditEvent.objects.filter(object_type="anonymisation").values_list(
        "enquiry_id", flat=True
    )
    assert sorted(per_enquiry) == sorted(set(per_enquiry)) and len(per_enquiry) == 4
    assert verify_chain().intact


def test_statistics_are_the_same_before_and_after(cast: Any) -> None:
    period = {"date_from": dt.date(2020, 1, 1), "date_to": dt.date(2026, 12, 31)}
    at = oslo(2030, 3, 1, 3, 0)
    rollup.refresh()  # reads never refresh (issue 21): the scheduler does
    before = case_flow(**period, now=at)
    assert before["total_received"] == 4
    with time_machine.travel(at, tick=False):
        assert services.apply_retention().anonymised == 4
    rollup.refresh()
    assert case_flow(**period, now=at) == before  # the roll-up, refreshed by differences
    rollup.rebuild()
    assert case_flow(**period, now=at) == before  # and rebuilt from the enquiries


def test_make_runs_scheduler_and_celery_beat_run_the_nightly_job(
    cast: Any, settings: Any, monkeypatch: Any
) -> None:
    # The thread closes its connections between runs; here that would be the test's own.
    monkeypatch.setattr("retention.scheduler.close_old_connections", lambda: None)
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == tasks.apply_retention.name
    with time_machine.travel(oslo(2030, 3, 1, 3, 0), tick=False):
        RetentionScheduler(interval=3600).tick()
    assert Anonymisation.objects.count() == 4
