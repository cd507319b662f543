"""Enquiries with a personal value in every table that can hold one, closed at a chosen time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from casework import services as casework_services
from casework.models import JournalEntry, Task
from intake.models import ClockPause, Enquiry, EnquiryReceipt, ReporterMessage, StateChange
from retention.models import LegalHold, Rectification
from routing.models import LegalDutyDecision, Referral, ReferralLink
from tests.factories import make_enquiry

NATIONAL_ID = "15076500565"


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo("Europe/Oslo"))


def personal_values(n: int) -> dict[str, str]:
    """Values no other row holds: found anywhere after anonymising means one was forgotten."""
    return {
        "reporter_name": f"Qreportername{n}",
        "reporter_phone": f"+47 99{n:06d}",
        "reporter_email": f"qreporter{n}@example.org",
        "reporter_organisation": f"Qorganisation{n}",
        "subject_name": f"Qsubjectname{n}",
        "subject_address": f"Qaddressveien {n}",
        "subject_phone": f"+47 98{n:06d}",
        "description": f"Qdescription{n} about Qthirdparty{n}",
        "close_note": f"Qclosenote{n}",
        "message": f"Qmessage{n}",
        "referral_note": f"Qreferralnote{n}",
        "completion_note": f"Qcompletion{n}",
        "duty_whom": f"Qdutywhom{n}",
        "duty_reason": f"Qdutyreason{n}",
        "pause_reason": f"Qpausereason{n}",
        "change_reason": f"Qchangereason{n}",
        "hold_reason": f"Qholdreason{n}",
        "rectify_reason": f"Qrectifyreason{n}",
        "journal_text": f"Qjournaltext{n}",
        "task_title": f"Qtasktitle{n}",
        "basis_reason": f"Qbasisreason{n}",
        "basis_decided_by": f"Qdecidedby{n}",
        "phone_note": f"Qphonenote{n}",
    }


def full_enquiry(
    *, actor: Any, n: int, closed_at: dt.datetime, outcome: str = "risk_removed", **overrides: Any
) -> Enquiry:
    """An enquiry with the values of ``personal_values(n)`` in every table, closed at
    ``closed_at`` with ``outcome``."""
    v = personal_values(n)
    with time_machine.travel(closed_at - dt.timedelta(days=3), tick=False):
        enquiry = make_enquiry(
            actor=actor,
            reporter_name=v["reporter_name"],
            reporter_phone=v["reporter_phone"],
            reporter_email=v["reporter_email"],
            reporter_organisation=v["reporter_organisation"],
            subject_name=v["subject_name"],
            subject_national_id=overrides.pop("national_id", NATIONAL_ID),
            subject_birth_date=dt.date(1965, 7, 15),
            subject_address=v["subject_address"],
            subject_phone=v["subject_phone"],
            description=v["description"],
            **overrides,
        )
        casework_services.enquiry_assess(enquiry=enquiry, actor=actor, answers={})
        casework_services.enquiry_forward(
            enquiry=enquiry, actor=actor, service_slugs=["nav-tonsberg"], legal_basis="consent"
        )
        now = timezone.now()
        Referral.objects.filter(enquiry=enquiry).update(
            note=v["referral_note"],
            completion_note=v["completion_note"],
            basis_reason=v["basis_reason"],
            basis_decided_by=v["basis_decided_by"],
            phone_note=v["phone_note"],
        )
        referral = Referral.objects.filter(enquiry=enquiry).first()
        ReferralLink.objects.create(
            referral=referral,
            token_hash=f"hash{n}",
            created_at=now,
            expires_at=now + dt.timedelta(days=7),
        )
        ReporterMessage.objects.create(
            enquiry=enquiry, direction="from_reporter", text=v["message"], at=now
        )
        EnquiryReceipt.objects.create(enquiry=enquiry, code_hash=f"receipt{n}", created_at=now)
        LegalDutyDecision.objects.create(
            enquiry=enquiry,
            duty="avvergeplikt",
            decision="not_applicable",
            notified_whom=v["duty_whom"],
            reason=v["duty_reason"],
            decided_by=actor,
            decided_at=now,
        )
        ClockPause.objects.create(
            enquiry=enquiry,
            reason=v["pause_reason"],
            paused_at=now,
            paused_until=now + dt.timedelta(hours=1),
            paused_by=actor,
            ended_at=now,
            end_cause="resumed",
            ended_by=actor,
        )
        LegalHold.objects.create(
            enquiry=enquiry,
            reason=v["hold_reason"],
            set_by=actor,
            set_at=now,
            lifted_at=now,
            lifted_by=actor,
        )
        Rectification.objects.create(
            enquiry=enquiry, field="subject_phone", reason=v["rectify_reason"], at=now, by=actor
        )
        JournalEntry.objects.create(
            enquiry=enquiry,
            kind="phone_call",
            occurred_at=now,
            text=v["journal_text"],
            author=actor,
            created_at=now,
        )
        Task.objects.create(
            enquiry=enquiry,
            title=v["task_title"],
            due_at=now,
            owner=actor,
            created_by=actor,
            created_at=now,
        )
    with time_machine.travel(closed_at, tick=False):
        casework_services.enquiry_close(
            enquiry=enquiry,
            actor=actor,
            outcome=outcome,
            outcome_asked="not_asked",
            note=v["close_note"],
            measures=["conversation"],
        )
    StateChange.objects.filter(enquiry=enquiry).update(reason=v["change_reason"])
    enquiry.refresh_from_db()
    return enquiry
