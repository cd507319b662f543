"""What retention is due: by the rules, now or within a preview window, leaving out enquiries
under a legal hold and those already anonymised."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from intake.models import Enquiry, State
from retention.models import Anonymisation, LegalHold, RetentionRule, RuleScope

DEFAULT_RULE = "*"


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` less ``months`` calendar months (the 31st becomes the month's last day)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:  # rules are at most a century; never a 500
        raise ValueError(f"{months} months from {moment:%Y-%m} is outside the calendar")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def months_after(moment: dt.datetime, months: int) -> dt.datetime:
    return months_before(moment, -months)


@dataclass(frozen=True)
class Rules:
    """The closed-enquiry rules as months per outcome (``DEFAULT_RULE`` for the rest) and the
    open-untouched months (``None`` without that rule)."""

    closed: dict[str, int]
    open_untouched: int | None

    @classmethod
    def current(cls) -> Rules:
        closed: dict[str, int] = {}
        open_untouched = None
        for rule in RetentionRule.objects.all():
            if rule.scope == RuleScope.OPEN_UNTOUCHED:
                open_untouched = rule.months
            else:
                closed[rule.outcome or DEFAULT_RULE] = rule.months
        return cls(closed, open_untouched)

    def rule_for(self, outcome: str) -> str | None:
        if outcome in self.closed:
            return outcome
        return DEFAULT_RULE if DEFAULT_RULE in self.closed else None

    def due_at(self, enquiry: Any) -> dt.datetime | None:
        """When a closed enquiry's time is up (``None``: no rule applies, or it is open)."""
        rule = self.rule_for(enquiry.outcome)
        if rule is None or enquiry.closed_at is None:
            return None
        return months_after(enquiry.closed_at, self.closed[rule])

    def expired(self, at: dt.datetime) -> Q:
        """Closed enquiries whose time is up at ``at``."""
        specific = [outcome for outcome in self.closed if outcome != DEFAULT_RULE]
        q = Q(pk__in=[])
        for outcome in specific:
            q |= Q(outcome=outcome, closed_at__lt=months_before(at, self.closed[outcome]))
        if DEFAULT_RULE in self.closed:
            q |= Q(closed_at__lt=months_before(at, self.closed[DEFAULT_RULE])) & ~Q(
                outcome__in=specific
            )
        return Q(state=State.CLOSED, closed_at__isnull=False) & q


def on_hold() -> Exists:
    return Exists(LegalHold.objects.filter(enquiry=OuterRef("pk"), lifted_at__isnull=True))


def anonymised() -> Exists:
    return Exists(Anonymisation.objects.filter(enquiry=OuterRef("pk")))


def due(at: dt.datetime, rules: Rules | None = None) -> QuerySet[Enquiry]:
    """Enquiries to anonymise at ``at``: expired, not on hold, not yet anonymised; by id."""
    rules = rules or Rules.current()
    return (
        Enquiry.objects.filter(rules.expired(at)).filter(~on_hold(), ~anonymised()).order_by("pk")
    )


def held(at: dt.datetime, rules: Rules | None = None) -> QuerySet[Enquiry]:
    """Expired by ``at`` but kept by an active legal hold."""
    rules = rules or Rules.current()
    return Enquiry.objects.filter(rules.expired(at)).filter(on_hold(), ~anonymised())


def untouched(at: dt.datetime, rules: Rules | None = None) -> QuerySet[Enquiry]:
    """Open enquiries not changed for the open-untouched rule's months: for the team to decide
    (never anonymised by the run)."""
    rules = rules or Rules.current()
    if rules.open_untouched is None:
        return Enquiry.objects.none()
    return Enquiry.objects.exclude(state=State.CLOSED).filter(
        updated_at__lt=months_before(at, rules.open_untouched)
    )


@dataclass(frozen=True)
class PreviewRow:
    enquiry: Enquiry
    due_at: dt.datetime | None
    rule: str
    hold: LegalHold | None = None


PREVIEW_DAYS = 30
PREVIEW_ROWS = 500


def preview(*, team: Any, at: dt.datetime, days: int = PREVIEW_DAYS) -> dict[str, list[PreviewRow]]:
    """The team's enquiries to be anonymised within ``days`` of ``at`` (soonest first, at most
    ``PREVIEW_ROWS``), those kept by a hold, and open ones untouched for the rule's months.
    Shows references, codes and dates only: no personal values, so the read is not logged."""
    rules = Rules.current()
    until = at + dt.timedelta(days=days)

    def scoped(qs: QuerySet[Enquiry]) -> QuerySet[Enquiry]:
        return qs if team is None else qs.filter(team=team)

    coming = [
        PreviewRow(e, rules.due_at(e), rules.rule_for(e.outcome) or "")
        for e in scoped(due(until, rules)).order_by("closed_at")[:PREVIEW_ROWS]
    ]
    coming.sort(key=lambda row: row.due_at or at)
    holds = {
        h.enquiry_id: h
        for h in LegalHold.objects.filter(lifted_at__isnull=True).select_related("set_by")
    }
    kept = [
        PreviewRow(e, rules.due_at(e), rules.rule_for(e.outcome) or "", holds.get(e.pk))
        for e in scoped(held(until, rules)).order_by("closed_at")[:PREVIEW_ROWS]
    ]
    stale = [
        PreviewRow(e, None, RuleScope.OPEN_UNTOUCHED)
        for e in scoped(untouched(at, rules)).order_by("updated_at")[:PREVIEW_ROWS]
    ]
    return {"coming": coming, "held": kept, "untouched": stale}
