"""The audit trail's own retention: an old period removed after a signed checkpoint, and
verify_audit still passes from the checkpoint; a forged checkpoint or a later gap still fails."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from audit import events
from audit.models import AuditCheckpoint, AuditEvent
from audit.verification import verify_chain
from tests.audit.helpers import triggers_dropped

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def two_years(alice: Any, bob: Any) -> None:
    """Events in 2024 and in 2026."""
    for year in (2024, 2026):
        moment = dt.datetime(year, 3, 1, 9, tzinfo=OSLO)
        with time_machine.travel(moment, tick=False), transaction.atomic():
            for user in (alice, bob, alice):
                events.logged_in(actor=user)


def test_removing_an_old_period_still_verifies(two_years: None) -> None:
    assert AuditEvent.objects.filter(at__year=2024).count() == 3
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=OSLO), tick=False):
        out = io.StringIO()
        call_command("thin_audit", "--before", "2025-01-01", stdout=out)
    printed = json.loads(out.getvalue())
    checkpoint = AuditCheckpoint.objects.get()
    assert printed["seq"] == checkpoint.seq and printed["signature"] == checkpoint.signature
    assert not AuditEvent.objects.filter(at__year=2024).exists()
    assert not AuditEvent.objects.filter(seq__lte=checkpoint.seq).exists()
    assert AuditEvent.objects.filter(object_type="audit_checkpoint").count() == 1
    report = verify_chain()
    assert report.intact, report.problem
    # Running again removes nothing more.
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=OSLO), tick=False):
        out = io.StringIO()
        call_command("thin_audit", "--before", "2025-01-01", stdout=out)
    assert "Nothing to remove" in out.getvalue()
    assert verify_chain().intact


def test_a_forged_checkpoint_fails_verification(two_years: None) -> None:
    call_command("thin_audit", "--before", "2025-01-01", stdout=io.StringIO())
    AuditCheckpoint.objects.update(signature="0" * 64)
    report = verify_chain()
    assert not report.intact and "signature" in report.problem


def test_an_event_removed_after_the_checkpoint_still_fails(two_years: None) -> None:
    call_command("thin_audit", "--before", "2025-01-01", stdout=io.StringIO())
    first_kept = AuditEvent.objects.order_by("seq").first()
    with triggers_dropped():
        AuditEvent.objects.filter(seq=first_kept.seq).delete()
    report = verify_chain()
    # Reported at the removed event's successor in its chain (or the chain's head): never intact.
    assert not report.intact and report.broken_seq >= first_kept.seq


def test_the_command_refuses_a_bad_date(db: Any) -> None:

    with pytest.raises(CommandError, match="--before"):
        call_command("thin_audit", "--before", "01.01.2025", stdout=io.StringIO())


def test_events_appended_together_chain_like_one_by_one(alice: Any) -> None:
    """``record_many`` (a retention batch's events) continues the chain event by event."""
    with transaction.atomic():
        events.logged_in(actor=alice)
        assert events.enquiries_anonymised(rules={"a" * 32: "*", "b" * 32: "duplicate"}) == 2
        events.logged_in(actor=alice)
    last = list(AuditEvent.objects.order_by("-seq")[:4])[::-1]
    assert [e.seq for e in last] == list(range(last[0].seq, last[0].seq + 4))
    assert [e.filters for e in last[1:3]] == [{"rule": "*"}, {"rule": "duplicate"}]
    assert verify_chain().intact
