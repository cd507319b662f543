"""The statistics' daily roll-up: every breakdown exact on a hand-built year, whoever changed what.

The enquiries are made and moved through the services, then backdated with ``QuerySet.update()``,
which no service sees: only the database triggers can tell the roll-up about it.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import services as casework_services
from intake.models import Enquiry
from kernel.calendar import OSLO
from kernel.vocabulary import codes
from routing import services as routing_services
from routing.models import HelpService, Referral
from stats import rollup
from stats.models import DailyCount, RollupMark
from stats.selectors import _percentile
from stats.selectors import case_flow as read_case_flow
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

YEAR = {"date_from": dt.date(2025, 1, 1), "date_to": dt.date(2025, 12, 31)}


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


def backdate(enquiry: Enquiry, received: dt.datetime, **hours_after: float) -> None:
    """Move the enquiry's times, as a data fix in a shell would: past every service."""
    times = {"received_at": received}
    for column, hours in hours_after.items():
        times[column] = received + dt.timedelta(hours=hours)
    Enquiry.objects.filter(pk=enquiry.pk).update(**times)


def case_flow(**dates: dt.date) -> dict:
    """The statistics after the refresh the scheduler runs between changes and reads."""
    rollup.refresh()
    return read_case_flow(**dates)


def zeros(group: str, **counts: int) -> dict[str, int]:
    return {code: counts.get(code, 0) for code in codes(group)}


@pytest.fixture
def year(alice, tor):
    """Five enquiries, four of them received in 2025 in Oslo time."""
    # A: assessed high after 2 h, forwarded 4 h later, acknowledged 10 h after sending.
    a = make_enquiry(
        actor=alice,
        channel="phone",
        violence_types=["economic", "psychological"],
        risk_factors=["old_age"],
        perpetrator_relation="adult_child",
        location="own_home",
    )
    casework_services.enquiry_assess(enquiry=a, actor=alice, answers={"danger_weapon": True})
    casework_services.enquiry_forward(
        enquiry=a, actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
    )
    backdate(a, oslo(2025, 3, 10, 8), assessed_at=2, forwarded_at=6)
    referral = Referral.objects.get(enquiry=a)
    routing_services.referral_acknowledge(referral=referral, actor=alice)
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=oslo(2025, 3, 10, 14), acknowledged_at=oslo(2025, 3, 11, 0)
    )
    # B: the last half hour of March in Oslo (21:30 UTC); assessed after 6 h and closed.
    b = make_enquiry(
        actor=alice,
        channel="letter",
        reporter_type="relative",
        violence_types=["physical"],
        risk_factors=["old_age", "cognitive_disability"],
        perpetrator_relation="partner",
        location="care_home",
    )
    casework_services.enquiry_assess(enquiry=b, actor=alice, answers={})
    casework_services.enquiry_close(
        enquiry=b,
        actor=alice,
        outcome="risk_reduced",
        outcome_asked="asked_expressed",
        outcome_achieved="partially",
        measures=["conversation", "safety_plan"],
    )
    backdate(b, oslo(2025, 3, 31, 23, 30), assessed_at=6)
    # C: another team; the first half hour of April in Oslo, still 31 March in UTC.
    c = make_enquiry(actor=tor, channel="email", violence_types=["neglect"], risk_factors=[])
    backdate(c, oslo(2025, 4, 1, 0, 30))
    # D: New Year's Eve 2024 in Oslo: outside the year.
    d = make_enquiry(actor=alice, channel="phone")
    backdate(d, oslo(2024, 12, 31, 23, 30))
    # E: assessed after 50.55 h, past the tenth-of-an-hour buckets (whole hours from 48 h).
    e = make_enquiry(actor=alice, channel="phone", violence_types=["economic"])
    casework_services.enquiry_assess(enquiry=e, actor=alice, answers={})
    backdate(e, oslo(2025, 7, 1, 12), assessed_at=50.55)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_every_breakdown_matches_the_hand_built_year(year):
    data = case_flow(**YEAR)
    assert data["total_received"] == 4
    assert data["by_state"] == zeros("states", received=1, risk_assessed=1, forwarded=1, closed=1)
    assert data["by_channel"] == zeros("channels", phone=2, letter=1, email=1)
    assert data["by_reporter_type"] == zeros("reporter_types", municipal_service=3, relative=1)
    assert data["by_risk_level"] == zeros("risk_levels", high=1, low=2)
    assert data["by_violence_type"] == zeros(
        "violence_types", economic=2, psychological=1, physical=1, neglect=1
    )
    assert data["by_risk_factor"] == zeros("risk_factors", old_age=3, cognitive_disability=1)
    assert data["by_relation"] == zeros("perpetrator_relations", adult_child=3, partner=1)
    assert data["by_location"] == zeros("locations", own_home=3, care_home=1)
    assert data["by_outcome"] == zeros("close_outcomes", risk_reduced=1)
    assert data["by_outcome_asked"] == zeros("outcome_asked", asked_expressed=1)
    assert data["by_outcome_achieved"] == zeros("outcome_achieved", partially=1)
    months = {f"2025-{m:02d}": 0 for m in range(1, 13)}
    assert data["by_month"] == months | {"2025-03": 2, "2025-04": 1, "2025-07": 1}
    assert data["by_team"] == {"faerder": 1, "tonsberg": 3}
    services_with_none = {
        slug: dict.fromkeys(rollup.REFERRAL_MEASURES, 0)
        for slug in HelpService.objects.values_list("slug", flat=True)
    }
    assert data["referrals_by_service"] == services_with_none | {
        "nav-tonsberg": {
            "sent": 1,
            "acknowledged": 1,
            "declined": 0,
            "completed": 0,
            "withdrawn": 0,
        }
    }
    # Hours to assessment 2, 6 and 50.55 (counted as 50: whole-hour buckets from 48 h).
    assert data["median_hours_to_assessment"] == 6.0
    assert data["p90_hours_to_assessment"] == 41.2  # 6 + 0.8 × (50 − 6); exactly 41.64
    assert data["median_hours_to_forward"] == data["p90_hours_to_forward"] == 4.0
    assert data["median_hours_to_acknowledgement"] == 10.0


def test_the_days_are_oslo_days(year):
    march = case_flow(date_from=dt.date(2025, 3, 31), date_to=dt.date(2025, 3, 31))
    april = case_flow(date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 4, 1))
    assert (march["total_received"], march["by_channel"]["letter"]) == (1, 1)
    assert (april["total_received"], april["by_channel"]["email"]) == (1, 1)
    new_year = case_flow(date_from=dt.date(2024, 12, 31), date_to=dt.date(2024, 12, 31))
    assert new_year["total_received"] == 1
    assert new_year["by_month"] == {"2024-12": 1}


def test_a_change_past_the_services_reaches_the_statistics(year):
    assert case_flow(**YEAR)["by_channel"]["letter"] == 1
    Enquiry.objects.filter(pk=year["a"].pk).update(channel="letter")
    assert RollupMark.objects.exists()
    assert case_flow(**YEAR)["by_channel"] == zeros("channels", phone=1, letter=2, email=1)
    assert not RollupMark.objects.exists()


def test_moving_an_enquiry_to_another_year_moves_its_counts(year):
    case_flow(**YEAR)
    backdate(year["e"], oslo(2024, 6, 1, 12))
    assert case_flow(**YEAR)["total_received"] == 3
    data_2024 = case_flow(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31))
    assert data_2024["total_received"] == 2
    assert data_2024["by_month"]["2024-06"] == 1


def test_referral_answers_reach_the_statistics(year, alice):
    referral = Referral.objects.get(enquiry=year["a"])
    case_flow(**YEAR)
    routing_services.referral_complete(referral=referral, actor=alice, note="")
    assert case_flow(**YEAR)["referrals_by_service"]["nav-tonsberg"]["completed"] == 1


def test_a_rebuild_gives_the_same_numbers(year):
    before = case_flow(**YEAR)
    DailyCount.objects.filter(dimension="channel").update(n=99)  # a roll-up gone wrong
    out = io.StringIO()
    call_command("rebuild_stats", stdout=out)
    assert "days recomputed" in out.getvalue()
    assert case_flow(**YEAR) == before


def test_the_number_of_queries_does_not_grow_with_the_data(alice):
    def queries_for_a_year() -> int:
        rollup.refresh()
        with CaptureQueriesContext(connection) as captured:
            case_flow(**YEAR)
        return len(captured)

    make_enquiry(actor=alice)
    few = queries_for_a_year()
    rng = random.Random(1)
    for day in range(1, 40):
        enquiry = make_enquiry(actor=alice, channel=rng.choice(codes("channels")))
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
        backdate(enquiry, oslo(2025, 1, 1, 9) + dt.timedelta(days=day * 7), assessed_at=day)
    assert case_flow(**YEAR)["total_received"] == 39
    assert queries_for_a_year() == few


def test_percentiles_over_a_histogram_are_percentile_cont():
    rng = random.Random(7)
    for size in (1, 2, 3, 10, 101):
        values = [rng.randint(0, 400) / 10 for _ in range(size)]
        histogram = sorted((v, values.count(v)) for v in set(values))
        assert _percentile(histogram, 0.5) == pytest.approx(statistics.median(values))
        expected_p90 = (
            statistics.quantiles(values, n=10, method="inclusive")[-1] if size > 1 else values[0]
        )
        assert _percentile(histogram, 0.9) == pytest.approx(expected_p90)
    assert _percentile([], 0.5) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_uncommitted_during_a_refresh_keeps_its_mark(alice):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite has one writer, so nothing is uncommitted during a refresh"
        )
    enquiry = make_enquiry(actor=alice, channel="phone")
    other = make_enquiry(actor=alice, channel="phone")
    rollup.refresh()
    changed, go_on = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                Enquiry.objects.filter(pk=enquiry.pk).update(channel="letter")
                changed.set()
                go_on.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert changed.wait(10)
    other.refresh_from_db()
    Enquiry.objects.filter(pk=other.pk).update(location="care_home")  # a committed change, same day
    assert rollup.refresh() == 1  # counts the other again, without the writer's change and its mark
    go_on.set()
    thread.join(10)
    today = timezone.localdate()
    data = case_flow(date_from=today, date_to=today)
    assert data["by_channel"]["letter"] == 1
    assert data["by_location"]["care_home"] == 1


def test_celery_beat_refreshes_the_roll_up_between_reads(alice, settings):
    from stats.tasks import refresh_rollup
    from tryggest.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-statistics"]
    assert schedule["task"] == refresh_rollup.name and schedule["task"] in app.tasks
    make_enquiry(actor=alice)
    assert refresh_rollup.apply().get() == 1  # run as a worker would: one enquiry counted
    assert not RollupMark.objects.exists()
    assert DailyCount.objects.get(dimension="total").n == 1


def test_times_over_whole_and_partial_months_agree(alice):
    """Ranges that start and end inside months read whole months from the monthly histogram and
    the days around them from the daily one: the percentiles must be those of the durations."""
    rng = random.Random(3)
    made = []
    for _ in range(30):
        enquiry = make_enquiry(actor=alice)
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
        received = oslo(2025, 1, 1, 10) + dt.timedelta(days=rng.randrange(365))
        hours = rng.randrange(1, 480) / 10  # whole tenths under 48 h: exact buckets
        backdate(enquiry, received, assessed_at=hours)
        made.append((received.date(), hours))
    ranges = [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        (dt.date(2025, 2, 14), dt.date(2025, 2, 20)),
    ]
    for _ in range(8):
        first = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))
        ranges.append((first, first + dt.timedelta(days=rng.randrange(30, 200))))
    for date_from, date_to in ranges:
        hours = [h for day, h in made if date_from <= day <= date_to]
        data = case_flow(date_from=date_from, date_to=date_to)
        assert data["total_received"] == len(hours)
        if not hours:
            assert data["median_hours_to_assessment"] is None
            continue
        p90 = (
            statistics.quantiles(hours, n=10, method="inclusive")[-1]
            if len(hours) > 1
            else hours[0]
        )
        # Rounded to a tenth for display: equal up to that rounding (a half-tenth either way).
        assert data["median_hours_to_assessment"] == pytest.approx(
            statistics.median(hours), abs=0.0501
        )
        assert data["p90_hours_to_assessment"] == pytest.approx(p90, abs=0.0501)


def test_each_month_stays_the_sum_of_its_days(year, alice):
    from django.db.models import Sum

    from stats.models import DailyDuration, MonthlyDuration

    def months_from_days() -> dict:
        sums: dict = {}
        for row in DailyDuration.objects.values("day", "step", "bucket", "n"):
            key = (row["day"].replace(day=1), row["step"], row["bucket"])
            sums[key] = sums.get(key, 0) + row["n"]
        return sums

    case_flow(**YEAR)
    backdate(year["e"], oslo(2025, 3, 12, 9), assessed_at=3)  # July's only time moves to March
    backdate(year["a"], oslo(2025, 3, 10, 8), assessed_at=5, forwarded_at=6)
    case_flow(**YEAR)
    months = {(m.month, m.step, m.bucket): m.n for m in MonthlyDuration.objects.all()}
    assert months == months_from_days()
    assert not MonthlyDuration.objects.filter(month=dt.date(2025, 7, 1)).exists()
    assert (
        MonthlyDuration.objects.filter(month=dt.date(2025, 3, 1), step="assessment").aggregate(
            n=Sum("n")
        )["n"]
        == 3
    )


def test_a_too_old_sqlite_is_a_system_check_error(monkeypatch):
    import sqlite3

    from stats.checks import sqlite_is_new_enough

    if connection.vendor != "sqlite":
        assert sqlite_is_new_enough(databases=["default"]) == []
        return
    assert sqlite_is_new_enough(databases=["default"]) == []
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    [error] = sqlite_is_new_enough(databases=["default"])
    assert error.id == "stats.E001" and "3.31.1" in error.msg
