"""Complementary suppression (stats.disclosure): an attacker tries to recompute every hidden count
from the totals and the other counts of the same breakdown, and from two overlapping ranges; the
test fails if it can.

The attacker here is written independently of the code under test: for each breakdown whose sum
it knows, it enumerates (by dynamic programming over the actual sets of values, not the code's
interval formula) every value each hidden count can take when "<5" means 1–4 and "hidden" means
0 or at least 5. A hidden count with one possible value is disclosed.

Residual risk, stated: two ranges chosen freely (dashboard, API) can be subtracted, and their
difference is the count of the days between them. That is why the dashboard is for the
municipality's own follow-up and why everything meant for publication (the yearly report and its
CSV) covers whole months and is rounded to 5; the tests at the end check exactly that.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from kernel.calendar import OSLO
from kernel.vocabulary import codes
from stats import rollup
from stats.disclosure import ADDITIVE, publish
from tests.factories import make_enquiry

LOCATIONS = codes("locations")


# --- The attacker ---


def possible(kinds: list[str], total: int, *, strict: bool = True) -> list[set[int]]:
    """For hidden counts of ``kinds`` ("small": 1–4, "hidden") adding up to ``total``, the set of
    values each can take (dynamic programming over sums, no shortcuts). ``strict``: a "hidden"
    count is 0 or at least 5 (what the code picks); when that leaves no solution (a breakdown
    withheld whole), the attacker falls back to what the label promises: any number."""
    hidden = {0, *range(5, total + 1)} if strict else set(range(total + 1))
    values = [set(range(1, 5)) if kind == "small" else hidden for kind in kinds]
    found = []
    for index in range(len(kinds)):
        sums = {0}
        for other, options in enumerate(values):
            if other != index:
                sums = {s + v for s in sums for v in options if s + v <= total}
        found.append({v for v in values[index] if total - v in sums})
    if strict and not all(found):
        return possible(kinds, total, strict=False)
    return found


def recompute(
    shown: dict[str, Any], suppressed: list[str], protecting: list[str], known_sums: dict[str, int]
) -> dict[str, int]:
    """Every hidden count the attacker can work out: path → value. ``known_sums``: breakdown →
    the sum of its counts, as the attacker knows it (total_received, or assumed known)."""
    disclosed = {}
    for key, total in known_sums.items():
        counts = shown[key]
        hidden = [code for code, value in counts.items() if value is None]
        if not hidden:
            continue
        rest = total - sum(v for v in counts.values() if v is not None)
        kinds = ["hidden" if f"{key}.{code}" in protecting else "small" for code in hidden]
        for code, options in zip(hidden, possible(kinds, rest), strict=True):
            assert options, f"{key}.{code}: the published table is inconsistent"
            if len(options) == 1:
                disclosed[f"{key}.{code}"] = next(iter(options))
    return disclosed


def test_the_attacker_finds_the_issues_example_when_only_small_counts_are_hidden() -> None:
    """Without complementary suppression: total 29, every location shown but one → 29 − 26 = 3."""
    locations = {"own_home": 14, "care_home": 7, "supported_housing": 5, "other_home": 3}
    naive = {key: (None if 0 < value < 5 else value) for key, value in locations.items()}
    found = recompute({"by_location": naive}, ["by_location.other_home"], [], {"by_location": 29})
    assert found == {"by_location.other_home": 3}
    # Two hidden 1s whose sum is known are both 1: the attacker finds these too.
    pair = {"a": None, "b": None, "c": 10}
    assert recompute({"t": pair}, ["t.a", "t.b"], [], {"t": 12}) == {"t.a": 1, "t.b": 1}


# --- The issue's example, through the API ---


@pytest.fixture
def frozen() -> Any:
    """Midday on 15 June 2026 in Oslo: the same date in Oslo and in UTC."""
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, 0, tzinfo=OSLO), tick=False) as traveller:
        yield traveller


def received_on(alice: Any, day: dt.date, **values: Any) -> Any:
    with time_machine.travel(dt.datetime.combine(day, dt.time(10, 0), tzinfo=OSLO), tick=False):
        return make_enquiry(actor=alice, **values)


@pytest.fixture
def twenty_nine(frozen: Any, alice: Any) -> list[Any]:
    """29 enquiries in May 2026: 14 at home, 7 in care homes, 5 in supported housing, 3 in another
    home (the issue's example); by phone but 2 by letter."""
    made = []
    plan = ["own_home"] * 14 + ["care_home"] * 7 + ["supported_housing"] * 5 + ["other_home"] * 3
    for index, location in enumerate(plan):
        channel = "letter" if index in (3, 17) else "phone"
        made.append(
            received_on(alice, dt.date(2026, 5, 1 + index), location=location, channel=channel)
        )
    return made


def stats(client: Any, date_from: str = "2026-01-01", date_to: str = "2026-06-15") -> Any:
    rollup.refresh()  # the scheduler's refresh between the changes and the read
    response = client.get(reverse("stats_api:api"), {"from": date_from, "to": date_to})
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_no_hidden_count_can_be_recomputed_from_the_total_and_its_breakdown(
    twenty_nine: list[Any], mona: Any, as_user: Any
) -> None:
    body = stats(as_user(mona))
    assert body["total_received"] == 29  # exact, as the contract says
    assert body["by_location"]["other_home"] is None
    assert "by_location.other_home" in body["suppressed"]
    # A second location is hidden with it, and listed as hidden to protect it.
    assert [p for p in body["hidden_to_protect"] if p.startswith("by_location.")]
    assert body["by_channel"]["letter"] is None and body["by_channel"]["phone"] is None
    known = dict.fromkeys(("by_state", "by_channel", "by_month"), body["total_received"])
    known.update(by_location=29, by_reporter_type=29, by_team=29)
    assert recompute(body, body["suppressed"], body["hidden_to_protect"], known) == {}


@pytest.mark.django_db
def test_total_received_stays_exact_even_when_small(frozen: Any, alice: Any, mona: Any, as_user):
    for day in (4, 5, 6):
        received_on(alice, dt.date(2026, 5, day))
    body = stats(as_user(mona))
    assert body["total_received"] == 3
    # Every enquiry in one state: that breakdown cannot be shown without giving it away.
    assert all(body["by_state"][code] is None for code in body["by_state"])
    known = dict.fromkeys(("by_state", "by_channel", "by_location", "by_month"), 3)
    assert recompute(body, body["suppressed"], body["hidden_to_protect"], known) == {}


# --- Every hidden count of many tables, from their sums ---


def random_table(rng: random.Random, size: int) -> dict[str, int]:
    shapes = [
        lambda: rng.choice([0, 0, 1, 2, 3, 4]),
        lambda: rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 20]),
        lambda: rng.randint(0, 60),
    ]
    shape = rng.choice(shapes)
    return {f"c{i}": shape() for i in range(size)}


def test_no_hidden_count_of_thousands_of_tables_can_be_recomputed_from_their_sums() -> None:
    rng = random.Random(20)
    checked = 0
    for _ in range(3000):
        tables = {key: random_table(rng, rng.randint(2, 7)) for key in ("by_state", "by_location")}
        published = publish({"total_received": 0, **tables})
        sums = {key: sum(table.values()) for key, table in tables.items()}
        found = recompute(published.data, published.suppressed, published.hidden_to_protect, sums)
        assert found == {}, (tables, published)
        for key, table in tables.items():
            for code, value in table.items():
                shown = published.data[key][code]
                assert shown in (None, value)  # a count is shown as it is, or hidden
                if 0 < value < 5:
                    assert shown is None
                    checked += 1
    assert checked > 1000


def test_a_hidden_closed_count_is_not_given_away_by_the_outcomes() -> None:
    """The outcomes of the closed enquiries add up to by_state.closed: were they all shown, the
    attacker would know the closed count, and from it the small one it protects."""
    data = {
        "total_received": 27,
        "by_state": {"received": 10, "risk_assessed": 8, "forwarded": 2, "closed": 7},
        "by_outcome": {"risk_reduced": 7, "duplicate": 0, "other": 0},
    }
    published = publish(data)
    shown = {key: dict(value) for key, value in published.data.items() if isinstance(value, dict)}
    assert shown["by_state"]["forwarded"] is None and shown["by_state"]["closed"] is None
    outcomes = shown["by_outcome"]
    if None not in outcomes.values():  # the attack: the closed count is the outcomes' sum
        shown["by_state"]["closed"] = sum(outcomes.values())
    found = recompute(shown, published.suppressed, published.hidden_to_protect, {"by_state": 27})
    assert found == {}


def test_every_additive_breakdown_of_the_contract_is_protected() -> None:
    """Each breakdown in which an enquiry counts once gets complementary suppression."""
    for key in ADDITIVE:
        published = publish({key: {"a": 3, "b": 40, "c": 50}})
        assert published.data[key]["a"] is None
        assert f"{key}.b" in published.hidden_to_protect, key


def test_rounding_for_publication_rounds_every_count_shown_and_keeps_hidden_ones_hidden() -> None:
    published = publish(
        {"total_received": 57, "by_channel": {"phone": 42, "letter": 3, "email": 12}},
        round_to_5=True,
    )
    assert published.data["total_received"] == 55
    assert published.data["by_channel"] == {"phone": 40, "letter": None, "email": None}


# --- Two overlapping ranges ---


@pytest.mark.django_db
def test_arbitrary_ranges_can_be_subtracted_so_publication_is_whole_months_and_rounded(
    twenty_nine: list[Any], alice: Any, mona: Any, as_user: Any, frozen: Any
) -> None:
    """The residual risk, shown: free ranges (dashboard, API) of 1–29 May and 1–28 May differ by
    the one enquiry of 29 May. The yearly report takes no range: whole months, rounded to 5, and
    the same whatever day of the month it is asked for."""
    client = as_user(mona)
    whole = stats(client, "2026-05-01", "2026-05-29")["total_received"]
    less_a_day = stats(client, "2026-05-01", "2026-05-28")["total_received"]
    assert whole - less_a_day == 1  # the residual risk of free ranges (internal use only)

    # A new enquiry in June is not in the 2026 report until June is over.
    received_on(alice, dt.date(2026, 6, 2), location="other_home")
    early = client.get(reverse("stats:yearly"), {"year": 2026, "format": "csv"})
    frozen.move_to(dt.datetime(2026, 6, 29, 12, 0, tzinfo=OSLO))
    received_on(alice, dt.date(2026, 6, 20), location="other_home")
    client = as_user(mona)  # a new day's session
    late = client.get(
        reverse("stats:yearly"),
        {"year": 2026, "format": "csv", "from": "2026-06-01", "to": "2026-06-29"},
    )
    early_rows, late_rows = (
        dict(csv.reader(io.StringIO(r.content.decode()))) for r in (early, late)
    )
    assert early_rows == late_rows  # two publications a month apart: nothing to subtract
    assert early_rows["from"] == "2026-01-01" and early_rows["to"] == "2026-05-31"
    assert early_rows["total_received"] == "30"  # 29 rounded to 5
    for path, value in early_rows.items():
        if value.isdigit():
            assert int(value) % 5 == 0, path
