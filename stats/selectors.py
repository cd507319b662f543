"""Case-flow statistics, computed in the database. Read-only; no person is ever returned."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from intake.models import Enquiry
from intake.vocabulary import codes
from routing.hours import OSLO
from routing.models import HelpService, Referral

COUNTED = {
    "by_state": ("state", "states"),
    "by_channel": ("channel", "channels"),
    "by_reporter_type": ("reporter_type", "reporter_types"),
    "by_risk_level": ("risk_level", "risk_levels"),
    "by_relation": ("perpetrator_relation", "perpetrator_relations"),
    "by_location": ("location", "locations"),
    "by_outcome": ("outcome", "close_outcomes"),
    "by_outcome_asked": ("outcome_asked", "outcome_asked"),
    "by_outcome_achieved": ("outcome_achieved", "outcome_achieved"),
}
LISTED = {"by_violence_type": ("violence_types", "violence_types"),
          "by_risk_factor": ("risk_factors", "risk_factors")}


def bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Oslo midnight of the first day to Oslo midnight after the last (inclusive range)."""
    start = dt.datetime.combine(date_from, dt.time(), tzinfo=OSLO)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=OSLO)
    return start, end


def _months(date_from: dt.date, date_to: dt.date) -> list[str]:
    months, year, month = [], date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _count_by(qs: Any, field: str, group: str) -> dict[str, int]:
    counts = {code: 0 for code in codes(group)}
    for row in qs.values(field).annotate(n=Count("pk")).order_by():
        if row[field] in counts:
            counts[row[field]] = row["n"]
    return counts


def _count_list_codes(start: dt.datetime, end: dt.datetime, field: str, group: str) -> dict[str, int]:
    """Counts of codes in a JSON list column, unnested by the database itself."""
    table = connection.ops.quote_name(Enquiry._meta.db_table)
    column = connection.ops.quote_name(field)
    if connection.vendor == "postgresql":
        sql = (f"SELECT code, count(*) FROM {table} e, jsonb_array_elements_text(e.{column}) AS code "
               "WHERE e.received_at >= %s AND e.received_at < %s GROUP BY code")
    else:
        sql = (f"SELECT j.value, count(*) FROM {table} e, json_each(e.{column}) AS j "
               "WHERE e.received_at >= %s AND e.received_at < %s GROUP BY j.value")
    counts = {code: 0 for code in codes(group)}
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        for code, n in cursor.fetchall():
            if code in counts:
                counts[code] = n
    return counts


def _hours(qs: Any, since: str, until: str) -> dict[str, float | None]:
    """Median and 90th percentile of the hours between two time columns."""
    qs = qs.filter(**{f"{since}__isnull": False, f"{until}__isnull": False})
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(qs.model._meta.db_table)
        inner_sql, params = qs.values("pk").query.sql_with_params()
        sql = (
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY h), "
            "percentile_cont(0.9) WITHIN GROUP (ORDER BY h) FROM ("
            f"SELECT EXTRACT(EPOCH FROM ({until} - {since})) / 3600.0 AS h FROM {table} "
            f"WHERE id IN ({inner_sql})) t"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            median, p90 = cursor.fetchone()
        return {"median": _round(median), "p90": _round(p90)}
    # SQLite has no percentile function; the embedded default holds few rows.
    durations = ExpressionWrapper(F(until) - F(since), output_field=DurationField())
    hours = sorted(d.total_seconds() / 3600 for d in qs.annotate(d=durations).values_list("d", flat=True))
    if not hours:
        return {"median": None, "p90": None}
    p90 = statistics.quantiles(hours, n=10, method="inclusive")[-1] if len(hours) > 1 else hours[0]
    return {"median": _round(statistics.median(hours)), "p90": _round(p90)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def overdue_now(now: dt.datetime | None = None) -> dict[str, int]:
    """Overdue assessments and referral acknowledgements now, by the reminders' own clocks."""
    from routing.selectors import overdue_counts

    return overdue_counts(now or timezone.now())


def case_flow(*, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every count and time of the contract's statistics, before disclosure control."""
    start, end = bounds(date_from, date_to)
    enquiries = Enquiry.objects.filter(received_at__gte=start, received_at__lt=end)
    data: dict[str, Any] = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "total_received": enquiries.count(),
    }
    for key, (field, group) in COUNTED.items():
        data[key] = _count_by(enquiries, field, group)
    months = {month: 0 for month in _months(date_from, date_to)}
    for row in (
        enquiries.annotate(month=TruncMonth("received_at", tzinfo=OSLO)).values("month")
        .annotate(n=Count("pk")).order_by()
    ):
        months[row["month"].astimezone(OSLO).strftime("%Y-%m")] = row["n"]
    data["by_month"] = months
    for key, (field, group) in LISTED.items():
        data[key] = _count_list_codes(start, end, field, group)

    referral_states = ["sent", "acknowledged", "declined", "completed", "withdrawn"]
    by_service: dict[str, dict[str, int]] = {
        slug: dict.fromkeys(referral_states, 0)
        for slug in HelpService.objects.order_by("slug").values_list("slug", flat=True)
    }
    rows = (
        Referral.objects.filter(enquiry__received_at__gte=start, enquiry__received_at__lt=end)
        .values("service__slug")
        .annotate(
            sent=Count("pk"),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            declined=Count("pk", filter=Q(state="declined")),
            completed=Count("pk", filter=Q(state="completed")),
            withdrawn=Count("pk", filter=Q(state="withdrawn")),
        )
        .order_by()
    )
    for row in rows:
        by_service[row.pop("service__slug")] = row
    data["referrals_by_service"] = by_service

    to_assessment = _hours(enquiries, "received_at", "assessed_at")
    to_forward = _hours(enquiries, "assessed_at", "forwarded_at")
    to_ack = _hours(
        Referral.objects.filter(enquiry__received_at__gte=start, enquiry__received_at__lt=end),
        "sent_at", "acknowledged_at",
    )
    data["median_hours_to_assessment"] = to_assessment["median"]
    data["median_hours_to_forward"] = to_forward["median"]
    data["median_hours_to_acknowledgement"] = to_ack["median"]
    data["p90_hours_to_assessment"] = to_assessment["p90"]
    data["p90_hours_to_forward"] = to_forward["p90"]
    data["p90_hours_to_acknowledgement"] = to_ack["p90"]
    data["overdue"] = overdue_now(now)
    data["by_team"] = {
        row["team__slug"]: row["n"]
        for row in enquiries.values("team__slug").annotate(n=Count("pk")).order_by("team__slug")
    }
    return data


def published_case_flow(
    *, actor: Any, date_from: dt.date, date_to: dt.date, export: bool = False, round_to_5: bool = False
) -> dict[str, Any]:
    """The statistics a manager may see: small counts suppressed, and the view logged."""
    from django.db import transaction

    from audit import events
    from stats.disclosure import suppress

    raw = case_flow(date_from=date_from, date_to=date_to)
    data, suppressed = suppress(raw, round_to_5=round_to_5)
    data["suppressed"] = suppressed
    with transaction.atomic():
        events.record(
            action="export" if export else "view", actor=actor, object_type="statistics",
            filters={"from": date_from.isoformat(), "to": date_to.isoformat()},
        )
    return data


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
