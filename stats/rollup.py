"""Keeping the statistics' daily roll-up (``stats.models``) true: the only code that writes it.

``refresh()`` recomputes the days that the triggers have marked; ``rebuild()`` recomputes every
day. Both compute in the database (INSERT … SELECT … GROUP BY): a fixed number of statements for
up to RUNS_PER_STATEMENT runs of consecutive days, whatever the number of enquiries. The monthly
histograms follow their days by difference: the old days' rows taken away, the new ones added.

Why a refresh never loses a change: it deletes the marks of the days it recomputes *before* it
reads the enquiries. A mark it could delete was committed, so its change is visible to the
statements that follow (READ COMMITTED on PostgreSQL; SQLite's writer lock serialises the rest).
A change not yet committed keeps its mark and is recomputed by the next refresh. Refreshes lock
the one ``RollupState`` row, so two never rebuild the same day at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Q

from intake.models import Enquiry
from kernel.calendar import OsloDay, oslo_day_bounds, oslo_day_sql
from stats.models import DailyCount, DailyDuration, MonthlyDuration, RollupMark, RollupState, Step

logger = logging.getLogger(__name__)

# The contract's breakdowns: key -> (the enquiry's column, its vocabulary group). Each column is a
# dimension of DailyCount under its own name; an enquiry counts once per code its list columns hold.
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
    # Issue 16: computed from the enquiry's columns (COMPUTED), not stored as codes.
    "by_age_group": ("age_group", "age_groups"),
    "by_gender": ("gender", "genders"),
}
LISTED = {
    "by_violence_type": ("violence_types", "violence_types"),
    "by_risk_factor": ("risk_factors", "risk_factors"),
    "by_measure": ("measures", "measures"),  # closed enquiries only (LISTED_WHERE)
}
CODED_COLUMNS = tuple(column for column, _group in COUNTED.values())
LISTED_COLUMNS = tuple(column for column, _group in LISTED.values())
# Which enquiries a listed dimension counts: Bufdir asks for the measures taken in closed cases.
LISTED_WHERE = {"measures": "state = 'closed'"}
# The adult's birth year, from the year or the birth date (a date's text starts with its year on
# both databases).
_BIRTH_YEAR = (
    "COALESCE(e.subject_birth_year, "
    "CAST(substr(CAST(e.subject_birth_date AS TEXT), 1, 4) AS INTEGER))"
)
# The age the adult reaches in the year the enquiry came in (the year of its Oslo day minus the
# birth year): at most a year high before the birthday, which an age group can bear.
_AGE = "(CAST(substr(CAST(day AS TEXT), 1, 4) AS INTEGER) - birth_year)"
# Dimensions computed rather than stored as codes: name -> (SQL over the enquiry ``e`` for the
# common table expression, SQL over its row ``t`` for the code).
COMPUTED = {
    "age_group": (
        f"{_BIRTH_YEAR} AS birth_year",
        f"CASE WHEN birth_year IS NULL THEN 'not_known' WHEN {_AGE} < 18 THEN 'under_18' "
        f"WHEN {_AGE} < 30 THEN '18_29' WHEN {_AGE} < 50 THEN '30_49' "
        f"WHEN {_AGE} < 67 THEN '50_66' WHEN {_AGE} < 80 THEN '67_79' ELSE '80_plus' END",
    ),
    "gender": (
        "CASE WHEN e.subject_gender = '' THEN 'not_known' ELSE e.subject_gender END AS gender",
        "gender",
    ),
}
REFERRAL_MEASURES = {
    "sent": "1 = 1",
    "acknowledged": "r.acknowledged_at IS NOT NULL",
    "declined": "r.state = 'declined'",
    "completed": "r.state = 'completed'",
    "withdrawn": "r.state = 'withdrawn'",
}
# Runs recomputed by one set of statements (each run is two parameters of a SQL condition).
RUNS_PER_STATEMENT = 100


def _bucket_sql(u: str) -> str:
    """SQL for the start of the bucket of ``u`` tenths of an hour: tenths up to 48 hours, whole
    hours up to 30 days, whole days beyond."""
    return f"CASE WHEN {u} < 480 THEN {u} WHEN {u} < 7200 THEN ({u} / 10) * 10 ELSE ({u} / 240) * 240 END"


def _tenths_of_hours(since: str, until: str) -> str:
    """SQL for the whole tenths of an hour from ``since`` to ``until`` (seconds rounded first)."""
    if connection.vendor == "postgresql":
        return f"(round(extract(epoch FROM ({until} - {since})))::bigint / 360)"
    return f"(CAST(round((julianday({until}) - julianday({since})) * 86400) AS INTEGER) / 360)"


def _day_sql() -> tuple[str, list[str]]:
    """SQL for the Oslo day an enquiry (alias ``e``) was received on (kernel.calendar's one
    definition)."""
    return oslo_day_sql("e.received_at")


def _listed_sql(column: str) -> tuple[str, str]:
    """(FROM item, value) that unnest a JSON list column of the rows ``t`` in the database."""
    if connection.vendor == "postgresql":
        return f"jsonb_array_elements_text(t.{column}) AS item", "item"
    return f"json_each(t.{column}) AS item", "item.value"


def _statements(spans: Sequence[tuple[dt.datetime, dt.datetime]]) -> list[tuple[str, list]]:
    """INSERT … SELECT statements that recompute the roll-up for the enquiries received in the
    spans [start, end): four statements however many spans and enquiries. Each reads the spans'
    rows once (an index range scan per span) into a common table expression, and groups that by
    each dimension in turn."""
    day, day_params = _day_sql()
    within = "(" + " OR ".join(["(e.received_at >= %s AND e.received_at < %s)"] * len(spans)) + ")"
    # Raw SQL gets no field's conversion: on SQLite a moment is stored as UTC text and compared
    # as text, so an Oslo time passed as it is would leave out whatever came in just after
    # midnight (still the day before in UTC). Converted as the ORM converts a DateTimeField.
    adapt = connection.ops.adapt_datetimefield_value
    params = [*day_params, *[adapt(moment) for span in spans for moment in span]]
    referrals = (
        f"FROM intake_enquiry e JOIN routing_referral r ON r.enquiry_id = e.id WHERE {within}"
    )

    counts = [
        "SELECT day, 'total', '', count(*) FROM t GROUP BY day",
        "SELECT day, 'team', CAST(team_id AS TEXT), count(*) FROM t GROUP BY 1, 3",
        *(
            f"SELECT day, '{column}', {column}, count(*) FROM t WHERE {column} <> '' GROUP BY 1, 3"
            for column in CODED_COLUMNS
            if column not in COMPUTED
        ),
        *(
            f"SELECT day, '{column}', {code}, count(*) FROM t GROUP BY 1, 3"
            for column, (_select, code) in COMPUTED.items()
        ),
    ]
    for column in LISTED_COLUMNS:
        source, value = _listed_sql(column)
        where = f" WHERE {LISTED_WHERE[column]}" if column in LISTED_WHERE else ""
        counts.append(
            f"SELECT day, '{column}', {value}, count(*) FROM t CROSS JOIN {source}{where} "
            "GROUP BY 1, 3"
        )
    enquiry_columns = ", ".join(
        COMPUTED[column][0] if column in COMPUTED else f"e.{column}"
        for column in ("team_id", *CODED_COLUMNS, *LISTED_COLUMNS)
    )

    referral_counts = [
        f"SELECT day, 'referral.{measure}', CAST(service_id AS TEXT), sum({measure}) FROM t "
        f"GROUP BY 1, 3 HAVING sum({measure}) > 0"
        for measure in REFERRAL_MEASURES
    ]
    referral_columns = ", ".join(
        f"CASE WHEN {condition} THEN 1 ELSE 0 END AS {measure}"
        for measure, condition in REFERRAL_MEASURES.items()
    )

    steps = [
        f"SELECT day, '{step.value}', {_bucket_sql(f'u_{step.value}')}, count(*) FROM t "
        f"WHERE u_{step.value} IS NOT NULL GROUP BY 1, 3"
        for step in (Step.ASSESSMENT, Step.FORWARD)
    ]
    step_columns = (
        f"{_tenths_of_hours('e.received_at', 'e.assessed_at')} AS u_{Step.ASSESSMENT.value}, "
        f"{_tenths_of_hours('e.assessed_at', 'e.forwarded_at')} AS u_{Step.FORWARD.value}"
    )

    count_into = "INSERT INTO stats_dailycount (day, dimension, code, n) "
    duration_into = "INSERT INTO stats_dailyduration (day, step, bucket, n) "
    return [
        (
            f"{count_into}WITH t AS (SELECT {day} AS day, {enquiry_columns} FROM intake_enquiry e WHERE {within}) "
            + " UNION ALL ".join(counts),
            params,
        ),
        (
            f"{count_into}WITH t AS (SELECT {day} AS day, r.service_id, {referral_columns} {referrals}) "
            + " UNION ALL ".join(referral_counts),
            params,
        ),
        (
            f"{duration_into}WITH t AS (SELECT {day} AS day, {step_columns} FROM intake_enquiry e WHERE {within}) "
            + " UNION ALL ".join(steps),
            params,
        ),
        (
            f"{duration_into}SELECT day, '{Step.ACKNOWLEDGEMENT.value}', {_bucket_sql('u')}, count(*) FROM "
            f"(SELECT {day} AS day, {_tenths_of_hours('r.sent_at', 'r.acknowledged_at')} AS u {referrals} "
            "AND r.acknowledged_at IS NOT NULL) t GROUP BY 1, 3",
            params,
        ),
    ]


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days (first, last)."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Oslo midnight of the first day to Oslo midnight after the last (inclusive range)."""
    return oslo_day_bounds(first, last)


# PostgreSQL, for the refresh's and the statistics reads' transactions only: the statements
# aggregate a few days or read small tables, but at a million enquiries the planner's estimates make it start JIT compilation and parallel workers,
# whose start-up (0.3–0.5 s each, measured) dwarfs the work; the hash tables need more than the
# default 4 MB of work_mem to stay off the disk; and with the default random_page_cost (4, for
# spinning disks) it reads every referral rather than look up the few days' ones by enquiry, and
# every open enquiry rather than the few with an overdue referral (126 ms against 4 ms).
POSTGRES_SETTINGS = (
    "SET LOCAL jit = off",
    "SET LOCAL max_parallel_workers_per_gather = 0",
    "SET LOCAL work_mem = '64MB'",
    "SET LOCAL random_page_cost = 1.1",
)


def tune_for_small_aggregates() -> None:
    """Inside a transaction: POSTGRES_SETTINGS for it (nothing on SQLite)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for setting in POSTGRES_SETTINGS:
                cursor.execute(setting)


def _recompute(runs: Sequence[tuple[dt.date, dt.date]]) -> None:
    """Inside the refresh's transaction: the marks, then the old rows, then the new rows."""
    tune_for_small_aggregates()
    for at in range(0, len(runs), RUNS_PER_STATEMENT):
        chunk = runs[at : at + RUNS_PER_STATEMENT]
        spans = [bounds(first, last) for first, last in chunk]
        marks, days = Q(), Q()
        for (first, last), (start, end) in zip(chunk, spans, strict=True):
            marks |= Q(received_at__gte=start, received_at__lt=end)
            days |= Q(day__gte=first, day__lte=last)
        RollupMark.objects.filter(marks).delete()
        _months_follow(chunk, subtract=True)
        DailyCount.objects.filter(days).delete()
        DailyDuration.objects.filter(days).delete()
        with connection.cursor() as cursor:
            for sql, params in _statements(spans):
                cursor.execute(sql, params)
        _months_follow(chunk, subtract=False)


def months_from(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the calendar months from the one holding ``first`` up to ``last``."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = month_end(month) + dt.timedelta(days=1)
    return months


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _months_follow(runs: Sequence[tuple[dt.date, dt.date]], *, subtract: bool) -> None:
    """Take the runs' daily histograms away from their months' histograms, or add them.

    Taken away before the days are recomputed and added after, so a month stays the sum of its
    days without summing the month's other days again. Buckets that reach 0 are deleted.
    """
    if connection.vendor == "postgresql":
        month = "CAST(date_trunc('month', CAST(day AS timestamp)) AS date)"
    else:
        month = "date(day, 'start of month')"
    days = " OR ".join(["(day >= %s AND day <= %s)"] * len(runs))
    params = [day for run in runs for day in run]
    sums = (
        f"SELECT {month} AS month, step, bucket, sum(n) AS n FROM stats_dailyduration "
        f"WHERE {days} GROUP BY 1, 2, 3"
    )
    with connection.cursor() as cursor:
        if not subtract:
            cursor.execute(
                f"INSERT INTO stats_monthlyduration (month, step, bucket, n) {sums} "
                "ON CONFLICT (month, step, bucket) DO UPDATE SET n = stats_monthlyduration.n + excluded.n",
                params,
            )
            return
        cursor.execute(
            f"UPDATE stats_monthlyduration SET n = stats_monthlyduration.n - d.n FROM ({sums}) d "
            "WHERE stats_monthlyduration.month = d.month AND stats_monthlyduration.step = d.step "
            "AND stats_monthlyduration.bucket = d.bucket",
            params,
        )
    months = sorted({month for first, last in runs for month in months_from(first, last)})
    MonthlyDuration.objects.filter(month__in=months, n=0).delete()


def _lock() -> None:
    RollupState.objects.get_or_create(pk=1)
    RollupState.objects.select_for_update().get(pk=1)


def refresh() -> int:
    """Recompute the days with marks; the number of days recomputed (0 costs one query)."""
    if not RollupMark.objects.exists():
        return 0
    with transaction.atomic():
        _lock()
        days = list(
            RollupMark.objects.annotate(day=OsloDay("received_at"))
            .values_list("day", flat=True)
            .distinct()
            .order_by()
        )
        if not days:
            return 0  # another refresh took them while this one waited for the lock
        _recompute(_runs(days))
    logger.info("Statistics roll-up: %s days recomputed", len(days))
    return len(days)


def rebuild() -> int:
    """Recompute every day from the first enquiry to the last, and drop every mark."""
    with transaction.atomic():
        _lock()
        span = Enquiry.objects.annotate(day=OsloDay("received_at")).order_by()
        first = span.order_by("received_at").values_list("day", flat=True).first()
        last = span.order_by("-received_at").values_list("day", flat=True).first()
        RollupMark.objects.all().delete()
        DailyCount.objects.all().delete()
        DailyDuration.objects.all().delete()
        MonthlyDuration.objects.all().delete()
        runs = [(first, last)] if first is not None else []
        _recompute(runs)
    days = sum((b - a).days + 1 for a, b in runs)
    logger.info("Statistics roll-up rebuilt: %s days", days)
    return days
