"""Disclosure control, in one place: small counts identify people, and so do the counts around them.

With 50–200 enquiries a year, a count of 1 in a category can name a person. Three steps, applied to
every statistics output (dashboard, yearly report, API, CSV):

1. **Primary suppression.** Every count from 1 to 4 is hidden (``None``; "<5" on screen) and its
   path listed in ``suppressed``; zeros stay. ``total_received`` is never hidden (the contract).
2. **Complementary suppression** in the breakdowns whose counts add up to a total the reader knows
   or can bound (``ADDITIVE``: each enquiry counts in at most one code). With ``total_received``
   29 and every location shown but one, the hidden one is 29 minus the others; so a second count
   of the same breakdown is hidden too, and more until no hidden count can be worked out. What
   the reader is assumed to know (the "attacker"): the breakdown's sum (whether it is published
   or not), every count shown, and for each hidden count whether it is under 5 ("<5": 1–4) or
   hidden to protect another (``hidden_to_protect``: then it is 0 or at least 5, since only such
   counts are picked). ``determined`` works out, for every hidden count, which values are still
   possible; each must keep at least two. The counts picked are the smallest that are not zero
   (the least information lost); when none is left and a count could still be worked out, the
   whole breakdown is withheld (every count hidden, each shown as "hidden": any number, zero
   included). The closed enquiries' outcomes add up to ``by_state.closed``: when that count is
   hidden, the outcomes hide at least one count too, so their sum does not give it away.
3. **Rounding** (``round_to_5``, for everything meant for publication: the yearly report and its
   CSV): every count shown, the total included, to the nearest 5 (as England's Safeguarding Adults
   Collection does), after the suppression above.

This follows Statistics Norway's practice for frequency tables: small counts are primary
suppressed and then secondary suppression makes sure that no suppressed cell can be computed
from the published cells and the table's totals (SSB's GaussSuppression does this by Gaussian
elimination over the whole table, with "singleton" handling for sums that would reveal ones;
Langsrud 2024, doi:10.1007/978-3-031-69651-0_6). Our tables are one-dimensional breakdowns of one
population, so each breakdown's only linear relation is its sum, and the check above is exact for
it; the interval reasoning plays the part of the singleton handling (two hidden 1s whose sum, 2,
is known are both 1). Statistics Norway shows such cells with the symbol ":" ("not for
publication"); we write "<5" and "hidden" (skjult), which a council member reads without a key.

**Residual risk (documented, not removed).** Suppression protects one table. Two tables of ranges
that differ by a few days can be subtracted: the difference is the count of those days, which
can be small. Statistics Norway avoids this by publishing fixed periods only. Here the dashboard
and the API take any range, for the municipality's own follow-up: managers and coordinators only,
every view an audit event, never for publication. Everything meant for publication (the yearly
report, its CSV) covers whole calendar months and is rounded to 5, so two publications differ by
whole months and their difference is blurred by ±5 per count. An attacker who knows this code's
choices (smallest counts first) may narrow a hidden count further in very small tables; the
"hidden" label makes no promise beyond "not shown".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

SUPPRESS_BELOW = 5
ROUND_TO = 5

# Breakdowns in which each enquiry counts at most once: their counts add up to the total of the
# enquiries that have a code (total_received for state, channel, reporter, month and team; the
# closed ones for the outcome; unknown but bounded for the rest). Violence types and risk factors
# are lists (an enquiry counts once per code), the referral measures overlap (a completed referral
# was acknowledged first): no sum of their counts is a number the reader knows.
ADDITIVE = (
    "by_state",
    "by_month",
    "by_channel",
    "by_reporter_type",
    "by_risk_level",
    "by_relation",
    "by_location",
    "by_outcome",
    "by_outcome_asked",
    "by_outcome_achieved",
    "by_team",
    # Issue 16: every enquiry has one age group and one gender ("not_known" included).
    "by_age_group",
    "by_gender",
    "by_repeat",
)
# Never hidden (the contract): the number of enquiries received in the range.
EXACT = ("total_received",)
# A breakdown whose counts add up to another published count: (breakdown, the count's path).
NESTED = (("by_outcome", "by_state.closed"),)

PRIMARY = "primary"  # hidden because it is 1–4
PROTECTING = "protecting"  # hidden so that a primary one cannot be worked out: 0 or ≥ 5


@dataclass
class Published:
    """What may be shown: the data with hidden counts as None, and which paths are hidden."""

    data: dict[str, Any]
    suppressed: list[str] = field(default_factory=list)
    hidden_to_protect: list[str] = field(default_factory=list)


def _intervals_size(intervals: list[tuple[int, int]], limit: int = 2) -> int:
    """How many integers the closed intervals cover together, counted up to ``limit``."""
    seen = 0
    last = None
    for low, high in sorted(i for i in intervals if i[0] <= i[1]):
        if last is not None and low <= last:
            low = last + 1
        if low <= high:
            seen += high - low + 1
        last = high if last is None else max(last, high)
        if seen >= limit:
            return limit
    return seen


def possible_values(kind: str, others: list[str], total: int, limit: int = 2) -> int:
    """How many values (counted up to ``limit``) a hidden count of ``kind`` can still take when
    the hidden counts of its breakdown add up to ``total`` and the others are of ``others`` kinds.

    A primary count is 1–4; a protecting one is 0 or at least 5. The others' sum can then be any
    of [p, 4p] (p primaries among them), and, when a protecting one is among them, also anything
    from p + 5 up."""
    primaries = others.count(PRIMARY)
    protecting = len(others) - primaries
    low, high = primaries, 4 * primaries

    def others_can_sum_to(n: int) -> bool:
        return low <= n <= high or (protecting > 0 and n >= primaries + 5)

    if kind == PRIMARY:
        return min(limit, sum(1 for v in range(1, SUPPRESS_BELOW) if others_can_sum_to(total - v)))
    intervals = []
    if others_can_sum_to(total):
        intervals.append((0, 0))
    intervals.append((max(SUPPRESS_BELOW, total - high), total - low))
    if protecting > 0:
        intervals.append((SUPPRESS_BELOW, total - primaries - SUPPRESS_BELOW))
    return _intervals_size(intervals, limit)


def determined(kinds: dict[str, str], values: dict[str, int]) -> list[str]:
    """The hidden codes of one breakdown whose value can be worked out from the breakdown's sum,
    the counts shown and the kinds of the hidden ones (``kinds``: code → PRIMARY/PROTECTING)."""
    total = sum(values[code] for code in kinds)
    found = []
    for code, kind in kinds.items():
        others = [k for other, k in kinds.items() if other != code]
        if possible_values(kind, others, total) < 2:
            found.append(code)
    return found


def _protect(counts: dict[str, int], *, force_one: bool = False) -> tuple[dict[str, str], bool]:
    """The hidden codes of one additive breakdown (code → kind) and whether it is withheld whole.
    ``force_one``: hide at least one count even if none is small (its sum is a hidden count)."""
    kinds = {code: PRIMARY for code, n in counts.items() if 0 < n < SUPPRESS_BELOW}
    if force_one and not kinds:
        candidates = sorted((n, code) for code, n in counts.items() if n > 0)
        if candidates:
            kinds[candidates[0][1]] = PROTECTING
    if not kinds:
        return {}, False
    while determined(kinds, counts):
        candidates = sorted((n, code) for code, n in counts.items() if n > 0 and code not in kinds)
        if not candidates:
            return dict.fromkeys(counts, PROTECTING), True
        kinds[candidates[0][1]] = PROTECTING
    return kinds, False


def publish(raw: dict[str, Any], *, round_to_5: bool = False) -> Published:
    """``raw`` statistics (``stats.selectors.case_flow``) made fit to show: the three steps above.

    Only ints count as counts; floats (medians, hours), strings and lists pass through unchanged.
    Breakdowns missing from ``raw`` are skipped (any dict of counts works, for tests)."""
    data = copy.deepcopy(raw)
    hidden: dict[str, str] = {}  # path → kind
    for key in ADDITIVE:
        counts = data.get(key)
        if not isinstance(counts, dict):
            continue
        # The breakdowns before this one are decided: a hidden parent count is in ``hidden``.
        force = any(key == nested and parent in hidden for nested, parent in NESTED)
        kinds, _withheld = _protect(counts, force_one=force)
        for code, kind in kinds.items():
            hidden[f"{key}.{code}"] = kind

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {
                key: walk(item, f"{path}.{key}" if path else str(key))
                for key, item in value.items()
            }
        if isinstance(value, bool) or not isinstance(value, int):
            return value
        if path not in EXACT:
            if path in hidden:
                return None
            if 0 < value < SUPPRESS_BELOW:
                hidden[path] = PRIMARY
                return None
        if round_to_5:
            return int(ROUND_TO * round(value / ROUND_TO))
        return value

    shown = walk(data, "")
    order = {path: index for index, (path, _value) in enumerate(_paths(data))}
    paths = sorted(hidden, key=lambda p: order.get(p, len(order)))
    return Published(
        data=shown,
        suppressed=paths,
        hidden_to_protect=[p for p in paths if hidden[p] == PROTECTING],
    )


def _paths(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            rows.extend(_paths(value, path))
        else:
            rows.append((path, value))
    return rows


def suppress(data: dict[str, Any], *, round_to_5: bool = False) -> tuple[dict[str, Any], list[str]]:
    """``publish`` for callers that want the data and the hidden paths only."""
    published = publish(data, round_to_5=round_to_5)
    return published.data, published.suppressed
