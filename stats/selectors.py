"""Case-flow statistics, computed in the database. Read-only; no person is ever returned."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Team
from audit import events
from casework.selectors import overdue_counts
from kernel.vocabulary import codes
from routing.models import HelpService
from stats import rollup
from stats.disclosure import publish
from stats.models import DailyCount, DailyDuration, MonthlyDuration, Step
from stats.rollup import COUNTED, LISTED, REFERRAL_MEASURES, REPEAT_DIMENSION

# Keys of a published read that are about the figures, not figures (left out of the CSV).
NOT_IN_CSV = ("freshness",)


def _percentile(histogram: list[tuple[float, int]], q: float) -> float | None:
    """percentile_cont over a histogram of (value, count), sorted by value."""
    total = sum(n for _value, n in histogram)
    if not total:
        return None
    position = q * (total - 1)
    low_index, fraction = int(position), position - int(position)

    def value_at(index: int) -> float:
        seen = 0
        for value, n in histogram:
            seen += n
            if index < seen:
                return value
        return histogram[-1][0]

    low = value_at(low_index)
    high = value_at(low_index + 1) if fraction else low
    return low + (high - low) * fraction


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _histograms(date_from: dt.date, date_to: dt.date) -> dict[str, list[tuple[float, int]]]:
    """Each step's histogram over the range, as sorted (hours, count): the calendar months the
    range covers whole from ``MonthlyDuration``, the days around them from ``DailyDuration``."""
    months = [
        month
        for month in rollup.months_from(date_from, date_to)
        if month >= date_from and rollup.month_end(month) <= date_to
    ]
    if months:
        days = Q(day__gte=date_from, day__lt=months[0]) | Q(
            day__gt=rollup.month_end(months[-1]), day__lte=date_to
        )
    else:
        days = Q(day__gte=date_from, day__lte=date_to)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for rows in (
        MonthlyDuration.objects.filter(month__in=months)
        .values("step", "bucket")
        .annotate(n=Sum("n"))
        .order_by(),
        DailyDuration.objects.filter(days).values("step", "bucket").annotate(n=Sum("n")).order_by(),
    ):
        for row in rows:
            counts[row["step"], row["bucket"]] += row["n"]
    histograms: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for (step, bucket), n in sorted(counts.items()):
        histograms[step].append((bucket / 10, n))
    return histograms


def case_flow(
    *, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Every count and time of the contract's statistics, before disclosure control.

    Read from the daily roll-up (``stats.models``) as it is, so a fixed number of small queries
    whatever the number of enquiries; the times are percentiles over histograms
    (``DailyDuration``: at most 0.1 h low under two days). Never writes (issue 21): the refresh
    runs elsewhere (``stats.rollup``), and how fresh the roll-up is comes from
    ``rollup.freshness``. On PostgreSQL, outside any other transaction, the read is a
    ``READ ONLY`` transaction, so the database refuses a write on this path (and a read-only
    replica can serve it).
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
        rollup.tune_for_small_aggregates()
        return _read(date_from=date_from, date_to=date_to, now=now)


def _read(*, date_from: dt.date, date_to: dt.date, now: dt.datetime | None) -> dict[str, Any]:
    days = {"day__gte": date_from, "day__lte": date_to}
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in (
        DailyCount.objects.filter(**days)
        .values("dimension", "code")
        .annotate(n=Sum("n"))
        .order_by()
    ):
        counts[row["dimension"]][row["code"]] = row["n"]

    data: dict[str, Any] = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "total_received": counts["total"].get("", 0),
    }
    for key, (field, group) in {**COUNTED, **LISTED}.items():
        data[key] = {code: counts[field].get(code, 0) for code in codes(group)}
    months = dict.fromkeys(rollup.months_from(date_from, date_to), 0)
    for day, n in DailyCount.objects.filter(dimension="total", **days).values_list("day", "n"):
        months[day.replace(day=1)] += n
    data["by_month"] = {f"{month.year:04d}-{month.month:02d}": n for month, n in months.items()}

    services = dict(HelpService.objects.order_by("slug").values_list("slug", "pk"))
    data["referrals_by_service"] = {
        slug: {
            measure: counts[f"referral.{measure}"].get(str(pk), 0) for measure in REFERRAL_MEASURES
        }
        for slug, pk in services.items()
    }

    histograms = _histograms(date_from, date_to)
    for step in Step:
        data[f"median_hours_to_{step.value}"] = _round(_percentile(histograms[step], 0.5))
        data[f"p90_hours_to_{step.value}"] = _round(_percentile(histograms[step], 0.9))
    # Overdue assessments and referral acknowledgements now, by the reminders' own clocks.
    data["overdue"] = overdue_counts(now or timezone.now())
    data["by_repeat"] = {code: counts[REPEAT_DIMENSION].get(code, 0) for code in REPEAT_CODES}
    slugs = {str(pk): slug for pk, slug in Team.objects.values_list("pk", "slug")}
    data["by_team"] = dict(
        sorted((slugs[code], n) for code, n in counts["team"].items() if code in slugs)
    )
    return data


# Issue 17: first enquiries about an adult, and repeats (another enquiry about the same adult, in
# any team, in the 12 months before: ``intake.Enquiry.repeat_within_year``).
REPEAT_CODES = ("first", "repeat_within_12_months")


def repeat_counts(date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """The enquiries received from ``date_from`` to ``date_to`` (Oslo days, inclusive) that are
    the first about their adult in 12 months, and those that repeat one: from the roll-up, as
    every other breakdown (so they add up to ``total_received`` while a refresh is behind)."""
    found = dict(
        DailyCount.objects.filter(dimension=REPEAT_DIMENSION, day__gte=date_from, day__lte=date_to)
        .values_list("code")
        .annotate(n=Sum("n"))
        .order_by()
    )
    return {code: found.get(code, 0) for code in REPEAT_CODES}


def published_case_flow(
    *,
    actor: Any,
    date_from: dt.date,
    date_to: dt.date,
    export: bool = False,
    round_to_5: bool = False,
) -> dict[str, Any]:
    """The statistics a manager may see (``stats.disclosure.publish``: small counts and the counts
    that would give them away hidden, listed in ``suppressed``; those hidden to protect others also
    in ``hidden_to_protect``; how fresh the roll-up is in ``freshness``), and the view logged."""
    [data] = published_case_flows(
        actor=actor, ranges=[(date_from, date_to)], export=export, round_to_5=round_to_5
    )
    return data


def published_case_flows(
    *,
    actor: Any,
    ranges: list[tuple[dt.date, dt.date]],
    export: bool = False,
    round_to_5: bool = False,
) -> list[dict[str, Any]]:
    """``published_case_flow`` for several ranges (a period and the same period last year), each
    protected on its own, logged as one view or export naming the first range (and the others).

    Each carries ``freshness`` (``stats.rollup.freshness``: ``as_of``, ``pending_changes``), read
    before the figures, so a refresh in between makes the figures fresher than said, never less.
    """
    fresh = rollup.freshness()
    results = []
    for date_from, date_to in ranges:
        published = publish(case_flow(date_from=date_from, date_to=date_to), round_to_5=round_to_5)
        data = published.data
        data["suppressed"] = published.suppressed
        data["hidden_to_protect"] = published.hidden_to_protect
        data["freshness"] = dict(fresh)
        results.append(data)
    (first_from, first_to), *others = ranges
    filters: dict[str, Any] = {"from": first_from.isoformat(), "to": first_to.isoformat()}
    if others:
        filters["compared_with"] = [f"{a.isoformat()}/{b.isoformat()}" for a, b in others]
    if round_to_5:
        filters["rounded"] = True
    with transaction.atomic():
        events.record(
            action="export" if export else "view",
            actor=actor,
            object_type="statistics",
            filters=filters,
        )
    return results


def same_period_last_year(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The same days one year earlier (29 February becomes 28 February)."""

    def back(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return back(date_from), back(date_to)


def write_csv(data: dict[str, Any], out: Any) -> None:
    """The statistics as CSV rows of (path, value) into ``out``; a suppressed count is empty.
    The numbers only: how fresh they are (``freshness``) is the JSON's and the page's."""
    writer = csv.writer(out)
    writer.writerow(["path", "value"])
    numbers = {key: value for key, value in data.items() if key not in NOT_IN_CSV}
    for path, value in flatten(numbers):
        writer.writerow([path, "" if value is None else value])


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """("by_state.received", 5) rows, for CSV and tables."""
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            rows.extend(flatten(value, path))
        elif isinstance(value, list):
            rows.append((path, ";".join(map(str, value))))
        else:
            rows.append((path, value))
    return rows
