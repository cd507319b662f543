"""Keeping the statistics' daily roll-up (``stats.models``) true: the only code that writes it.

**By differences, per changed enquiry.** The triggers (``stats.triggers``) mark every enquiry
whose row, or a row belonging to it (a referral), changed. For each marked enquiry, ``refresh()``
takes what the roll-up counted for it (its ``CountContribution`` and ``DurationContribution``
rows) away from the daily and monthly rows, counts it again from the enquiry as it is now (the
same SQL as ``rebuild()``, restricted to the marked ids), and adds that. Its cost follows the
number of changed enquiries, not the number of enquiries received on their days. ``rebuild()``
counts every enquiry from nothing; the two agree exactly (``tests/stats/test_rollup_differences``).

**Generic over breakdowns.** The difference code never names a breakdown: it moves
contribution rows (enquiry, day, dimension, code, n). A breakdown is declared once, and
``_statements`` counts it for the rebuild and the refresh alike:

- an enquiry column with one code: an entry in ``COUNTED`` (key -> (column, vocabulary group));
- an enquiry column holding a JSON list of codes: an entry in ``LISTED``;
- anything read from another table (or computed across rows): an entry in ``RELATED``, a SELECT
  giving (enquiry_id, day, dimension, code, n) for the enquiries ``e`` matching ``{within}``
  (see ``_referral_counts``), plus a migration that puts ``stats.triggers.install`` on that
  table so its changes mark the enquiry.

The selectors read ``COUNTED``/``LISTED`` to list the breakdowns; a ``RELATED`` dimension is
read from ``DailyCount`` by its name.

**Why a refresh never loses a change**: it deletes the marks it can see (one ``DELETE …
RETURNING``) *before* it reads the enquiries. A mark it could delete was committed, so its change
is visible to the statements that follow (READ COMMITTED on PostgreSQL; SQLite's writer lock
serialises the rest). A change not yet committed keeps its mark for the next refresh. Refreshes
lock the one ``RollupState`` row, so two never count the same enquiry at once.

**Reads never write.** The refresh runs from Celery beat (``stats.tasks.refresh_rollup``), from
the embedded scheduler of ``make run`` and from ``manage.py refresh_stats``; a read reports how
fresh the roll-up is (``freshness``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from kernel.calendar import oslo_day_bounds, oslo_day_sql
from stats.models import RollupMark, RollupState, Step

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
REPEAT_DIMENSION = "repeat"
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
    # Issue 17: the first enquiry about an adult, or a repeat within 12 months (a stored flag,
    # ``intake.persons``). In the roll-up like every breakdown: counted from the enquiries for
    # each read, it made a year's statistics at 1M take 4-5 s (BENCHMARKS.md, issue 21).
    REPEAT_DIMENSION: (
        "CASE WHEN e.repeat_within_year THEN 'repeat_within_12_months' ELSE 'first' END "
        "AS repeat_code",
        "repeat_code",
    ),
}
# Computed dimensions that are no COUNTED breakdown of their own (read by ``stats.selectors``).
COMPUTED_ONLY = tuple(column for column in COMPUTED if column not in CODED_COLUMNS)
REFERRAL_MEASURES = {
    "sent": "1 = 1",
    "acknowledged": "r.acknowledged_at IS NOT NULL",
    "declined": "r.state = 'declined'",
    "completed": "r.state = 'completed'",
    "withdrawn": "r.state = 'withdrawn'",
}
# Enquiries re-counted by one set of statements (each id is a parameter of a SQL condition).
IDS_PER_STATEMENT = 1000


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


def _referral_counts(day: str, within: str) -> str:
    """The referral measures per help service (dimension ``referral.<measure>``, code: the
    service's id): a ``RELATED`` breakdown, read from ``routing_referral``."""
    columns = ", ".join(
        f"CASE WHEN {condition} THEN 1 ELSE 0 END AS {measure}"
        for measure, condition in REFERRAL_MEASURES.items()
    )
    counts = " UNION ALL ".join(
        f"SELECT enquiry_id, day, 'referral.{measure}', CAST(service_id AS TEXT), sum({measure}) "
        f"FROM t GROUP BY 1, 2, 4 HAVING sum({measure}) > 0"
        for measure in REFERRAL_MEASURES
    )
    return (
        f"WITH t AS (SELECT e.id AS enquiry_id, {day} AS day, r.service_id, {columns} "
        f"FROM intake_enquiry e JOIN routing_referral r ON r.enquiry_id = e.id WHERE {within}) "
        f"{counts}"
    )


# Breakdowns read from other tables: (day SQL, enquiry condition) -> a SELECT of
# (enquiry_id, day, dimension, code, n) rows. Each table read needs stats.triggers on it.
RELATED: list[Callable[[str, str], str]] = [_referral_counts]


def _statements(within: str, ids: Sequence[Any]) -> list[tuple[str, list]]:
    """INSERT … SELECT statements that count the enquiries ``e`` matching ``within`` (with the
    parameters ``ids``) into the contribution tables: one row per enquiry, day, dimension and
    code. A fixed number of statements whatever the number of enquiries; each reads the enquiries
    once into a common table expression and groups that by each dimension in turn."""
    day, day_params = _day_sql()
    params = [*day_params, *ids]

    counts = [
        "SELECT enquiry_id, day, 'total', '', 1 FROM t",
        "SELECT enquiry_id, day, 'team', CAST(team_id AS TEXT), 1 FROM t",
        *(
            f"SELECT enquiry_id, day, '{column}', {column}, 1 FROM t WHERE {column} <> ''"
            for column in CODED_COLUMNS
            if column not in COMPUTED
        ),
        *(
            f"SELECT enquiry_id, day, '{column}', {code}, 1 FROM t"
            for column, (_select, code) in COMPUTED.items()
        ),
    ]
    for column in LISTED_COLUMNS:
        source, value = _listed_sql(column)
        where = f" WHERE {LISTED_WHERE[column]}" if column in LISTED_WHERE else ""
        counts.append(
            f"SELECT enquiry_id, day, '{column}', {value}, count(*) FROM t "
            f"CROSS JOIN {source}{where} GROUP BY 1, 2, 4"
        )
    enquiry_columns = ", ".join(
        COMPUTED[column][0] if column in COMPUTED else f"e.{column}"
        for column in ("team_id", *CODED_COLUMNS, *LISTED_COLUMNS, *COMPUTED_ONLY)
    )

    steps = [
        f"SELECT enquiry_id, day, '{step.value}', {_bucket_sql(f'u_{step.value}')}, 1 FROM t "
        f"WHERE u_{step.value} IS NOT NULL"
        for step in (Step.ASSESSMENT, Step.FORWARD)
    ]
    step_columns = (
        f"{_tenths_of_hours('e.received_at', 'e.assessed_at')} AS u_{Step.ASSESSMENT.value}, "
        f"{_tenths_of_hours('e.assessed_at', 'e.forwarded_at')} AS u_{Step.FORWARD.value}"
    )

    count_into = "INSERT INTO stats_countcontribution (enquiry_id, day, dimension, code, n) "
    duration_into = "INSERT INTO stats_durationcontribution (enquiry_id, day, step, bucket, n) "
    return [
        (
            f"{count_into}WITH t AS (SELECT e.id AS enquiry_id, {day} AS day, {enquiry_columns} "
            f"FROM intake_enquiry e WHERE {within}) " + " UNION ALL ".join(counts),
            params,
        ),
        *((count_into + related(day, within), params) for related in RELATED),
        (
            f"{duration_into}WITH t AS (SELECT e.id AS enquiry_id, {day} AS day, {step_columns} "
            f"FROM intake_enquiry e WHERE {within}) " + " UNION ALL ".join(steps),
            params,
        ),
        (
            f"{duration_into}SELECT enquiry_id, day, '{Step.ACKNOWLEDGEMENT.value}', "
            f"{_bucket_sql('u')}, count(*) FROM "
            f"(SELECT e.id AS enquiry_id, {day} AS day, "
            f"{_tenths_of_hours('r.sent_at', 'r.acknowledged_at')} AS u "
            "FROM intake_enquiry e JOIN routing_referral r ON r.enquiry_id = e.id "
            f"WHERE {within} AND r.acknowledged_at IS NOT NULL) t GROUP BY 1, 2, 4",
            params,
        ),
    ]


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


def _month_sql(column: str) -> str:
    """SQL for the first day of the month of the date in ``column``."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', CAST({column} AS timestamp)) AS date)"
    return f"date({column}, 'start of month')"


# The rolled-up tables: (table, its key columns, the contribution table it sums, the SQL of each
# key column over the contribution's rows). A month's key is the month of the contribution's day.
_TARGETS = (
    (
        "stats_dailycount",
        ("day", "dimension", "code"),
        "stats_countcontribution",
        ("day", "dimension", "code"),
    ),
    (
        "stats_dailyduration",
        ("day", "step", "bucket"),
        "stats_durationcontribution",
        ("day", "step", "bucket"),
    ),
    (
        "stats_monthlyduration",
        ("month", "step", "bucket"),
        "stats_durationcontribution",
        ("{month}", "step", "bucket"),
    ),
)


def _keys(sources: Sequence[str], keys: Sequence[str]) -> tuple[str, str]:
    """(SELECT list, GROUP BY list) of a target's keys over its contribution rows."""
    selected = [column.format(month=_month_sql("day")) for column in sources]
    select = ", ".join(f"{sql} AS {key}" for sql, key in zip(selected, keys, strict=True))
    return select, ", ".join(str(i) for i in range(1, len(keys) + 1))


def _add_all(cursor: Any) -> None:
    """The rebuild's last step: every rolled-up table as the sums of all contribution rows."""
    for table, keys, source, sources in _TARGETS:
        select, group = _keys(sources, keys)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(keys)}, n) "
            f"SELECT {select}, sum(n) AS n FROM {source} GROUP BY {group}"
        )


def _apply_differences(cursor: Any, ids: Sequence[Any], boundaries: dict[str, int]) -> None:
    """Apply to every rolled-up table the difference between the new contribution rows of the
    enquiries ``ids`` (``id`` above the table's boundary) and their old ones (at or below): only
    the keys whose count changed are written, rows that reach 0 are deleted (a rebuild has
    none). Never names a breakdown: it moves whatever rows there are."""
    marks = ", ".join(["%s"] * len(ids))
    for table, keys, source, sources in _TARGETS:
        select, group = _keys(sources, keys)
        boundary = boundaries[source]
        change = f"sum(CASE WHEN id > {int(boundary)} THEN n ELSE -n END)"
        net = (
            f"SELECT {select}, {change} AS n FROM {source} WHERE enquiry_id IN ({marks}) "
            f"GROUP BY {group} HAVING {change} <> 0"
        )
        match = " AND ".join(f"t.{key} = d.{key}" for key in keys)
        names = ", ".join(keys)
        cursor.execute(
            f"UPDATE {table} SET n = {table}.n + d.n FROM ({net}) d WHERE "
            + " AND ".join(f"{table}.{key} = d.{key}" for key in keys),
            list(ids),
        )
        cursor.execute(
            f"INSERT INTO {table} ({names}, n) SELECT {names}, n FROM ({net}) d "
            f"WHERE d.n > 0 AND NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})",
            list(ids),
        )
        cursor.execute(
            f"DELETE FROM {table} WHERE n = 0 AND ({names}) IN "
            f"(SELECT {names} FROM ({net}) d WHERE d.n < 0)",
            list(ids),
        )


CONTRIBUTIONS = ("stats_countcontribution", "stats_durationcontribution")
ROLLED_UP = (*CONTRIBUTIONS, "stats_dailycount", "stats_dailyduration", "stats_monthlyduration")


def _recount(cursor: Any, ids: Sequence[Any]) -> None:
    """Inside the refresh's transaction: the enquiries ``ids`` counted again, as differences.

    The new contribution rows are inserted beside the old ones (a refresh holds the lock, so
    every row above the boundary taken first is this refresh's), the difference is applied, then
    the old rows go."""
    marks = ", ".join(["%s"] * len(ids))
    boundaries = {}
    for table in CONTRIBUTIONS:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        [boundaries[table]] = cursor.fetchone()
    for sql, params in _statements(f"e.id IN ({marks})", ids):
        cursor.execute(sql, params)
    _apply_differences(cursor, ids, boundaries)
    for table in CONTRIBUTIONS:
        cursor.execute(
            f"DELETE FROM {table} WHERE enquiry_id IN ({marks}) AND id <= %s",
            [*ids, boundaries[table]],
        )


def _lock() -> None:
    RollupState.objects.get_or_create(pk=1)
    RollupState.objects.select_for_update().get(pk=1)


def refresh() -> int:
    """Apply the changes of every marked enquiry to the roll-up, as differences; the number of
    enquiries counted again (0 costs one query). Run by Celery beat, the embedded scheduler and
    ``manage.py refresh_stats``; never by a read."""
    if not RollupMark.objects.exists():
        return 0
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            # What this refresh can see, and only that, is taken (one statement): a mark
            # committed a moment later stays for the next refresh.
            cursor.execute("DELETE FROM stats_rollupmark RETURNING enquiry_id")
            ids = sorted({row[0] for row in cursor.fetchall()}, key=str)
            if not ids:
                return 0  # another refresh took them while this one waited for the lock
            tune_for_small_aggregates()
            for at in range(0, len(ids), IDS_PER_STATEMENT):
                _recount(cursor, ids[at : at + IDS_PER_STATEMENT])
    logger.info("Statistics roll-up: %s enquiries counted again", len(ids))
    return len(ids)


def rebuild() -> int:
    """Count every enquiry from nothing, and drop every mark; the number of days with enquiries."""
    with transaction.atomic():
        _lock()
        tune_for_small_aggregates()
        with connection.cursor() as cursor:
            for table in ("stats_rollupmark", *ROLLED_UP):
                cursor.execute(f"DELETE FROM {table}")
            for sql, params in _statements("1 = 1", []):
                cursor.execute(sql, params)
            _add_all(cursor)
            cursor.execute("SELECT count(*) FROM stats_dailycount WHERE dimension = 'total'")
            [days] = cursor.fetchone()
    if connection.vendor == "postgresql":
        # Fresh statistics for the planner: without them it takes the refresh's few enquiry ids
        # for much of the contribution tables and reads them whole (1.8 s against 0.9 s for 130
        # enquiries at 30,000, measured) until autovacuum's next analyze.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(ROLLED_UP)}")
    logger.info("Statistics roll-up rebuilt: %s days", days)
    return days


def freshness(now: dt.datetime | None = None) -> dict[str, Any]:
    """How fresh the roll-up is, for a read to report (one query, no write).

    ``as_of``: every change committed before this moment is counted (the oldest change still
    waiting for a refresh, or ``now`` when none waits); ``pending_changes``: how many enquiries
    have changes waiting.
    """
    waiting = RollupMark.objects.aggregate(
        oldest=Min("marked_at"), pending=Count("enquiry_id", distinct=True)
    )
    as_of = waiting["oldest"] or now or timezone.now()
    return {"as_of": as_of, "pending_changes": waiting["pending"]}
