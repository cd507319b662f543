"""What is overdue: open enquiries past their clock's due time, and referrals past theirs.

One definition, used by the admin's "my overdue" filter and header count, the API's
``overdue=true`` and the managers' statistics. The clocks are ``intake.clock``'s; a referral's
acknowledgement time is ``routing``'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from intake.clock import clock_overdue_q
from intake.models import OPEN_STATES, DeadlineKind, Enquiry, EnquiryClock
from intake.selectors import enquiries_visible_to
from routing.models import Referral


def overdue_enquiries(
    actor: Any, *, now: dt.datetime | None = None, mine: bool = True
) -> QuerySet[Enquiry]:
    """Open enquiries of the actor's team whose clock is past due and not paused.

    ``mine``: assigned to the actor, or to nobody (then the whole team is reminded).
    """
    now = now or timezone.now()
    queryset = (
        enquiries_visible_to(actor).filter(state__in=OPEN_STATES).filter(clock_overdue_q(now))
    )
    if mine:
        queryset = queryset.filter(Q(assigned_to=actor) | Q(assigned_to__isnull=True))
    return queryset


def overdue_enquiry_q(now: dt.datetime) -> Any:
    """An open enquiry whose clock is past due and not paused, or whose referral is still
    unacknowledged past its due time. Used by the API's ``overdue=true`` and the statistics."""
    clock_due = Q(state__in=OPEN_STATES) & clock_overdue_q(now)
    referral_due = Q(state__in=OPEN_STATES, referrals__state="sent", referrals__due_at__lt=now)
    return clock_due | referral_due


def overdue_counts(now: dt.datetime) -> dict[str, int]:
    """How many assessments and referral acknowledgements are overdue now, across all teams."""
    assessment = (
        EnquiryClock.objects.filter(
            kind__in=[DeadlineKind.ASSESSMENT, DeadlineKind.ASSESSMENT_ACUTE],
            enquiry__state__in=OPEN_STATES,
        )
        .filter(clock_overdue_q(now, prefix=""))
        .count()
    )
    acknowledgement = Referral.objects.filter(
        state="sent", due_at__lt=now, enquiry__state__in=OPEN_STATES
    ).count()
    return {"assessment": assessment, "referral_acknowledgement": acknowledgement}
