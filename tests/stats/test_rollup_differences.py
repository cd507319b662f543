"""Issue 21, item 4: the roll-up applied as differences per changed enquiry equals a rebuild, and
statistics reads never write.

The property test makes random changes (steps through the services, reopenings, closings with
outcomes, changes past every service, team moves, moves to other days, referral answers,
deletions, new enquiries), refreshes at random moments, and after each refresh compares every
rolled-up table with what ``rebuild()`` makes from nothing (in a savepoint rolled back, so that
the chain of differences goes on). On SQLite and PostgreSQL (``.ci/run`` runs both).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from casework import services as casework_services
from casework.scheduler import BeatTasks
from intake.models import Enquiry
from kernel.calendar import OSLO
from kernel.errors import ConflictError, TransitionRefused
from kernel.vocabulary import codes
from routing import services as routing_services
from routing.models import Referral
from stats import report, rollup
from stats.models import DailyCount, DailyDuration, MonthlyDuration, RollupMark
from stats.selectors import case_flow
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

REFUSED = (
    ValidationError,
    PermissionDenied,
    ConflictError,
    TransitionRefused,
    routing_services.ReferralTransitionRefused,
)


def rolled_up() -> dict[str, dict[tuple, int]]:
    """Every rolled-up table as {key: n}."""
    return {
        "daily counts": {
            (row.day, row.dimension, row.code): row.n for row in DailyCount.objects.all()
        },
        "daily durations": {
            (row.day, row.step, row.bucket): row.n for row in DailyDuration.objects.all()
        },
        "monthly durations": {
            (row.month, row.step, row.bucket): row.n for row in MonthlyDuration.objects.all()
        },
    }


def rebuilt() -> dict[str, dict[tuple, int]]:
    """What ``rebuild()`` makes of the enquiries as they are, leaving the roll-up as it was."""
    with transaction.atomic():
        rollup.rebuild()
        expected = rolled_up()
        transaction.set_rollback(True)
    return expected


class RandomChanges:
    """Random changes to a few enquiries, as users, services and data fixes make them."""

    def __init__(self, rng: random.Random, alice: Any, bob: Any, tor: Any) -> None:
        self.rng, self.alice, self.bob, self.tor = rng, alice, bob, tor
        self.teams = list(Team.objects.filter(slug__in=["tonsberg", "faerder"]))

    def actor(self, enquiry: Enquiry) -> Any:
        return self.tor if enquiry.team.slug == "faerder" else self.alice

    def pick(self) -> Enquiry | None:
        ids = list(Enquiry.objects.values_list("pk", flat=True).order_by("reference"))
        return Enquiry.objects.get(pk=self.rng.choice(ids)) if ids else None

    def new(self) -> None:
        rng = self.rng
        make_enquiry(
            actor=rng.choice([self.alice, self.tor]),
            channel=rng.choice(codes("channels")),
            violence_types=rng.sample(codes("violence_types"), rng.randint(0, 3)),
            risk_factors=rng.sample(codes("risk_factors"), rng.randint(0, 2)),
            location=rng.choice(codes("locations")),
        )

    def step(self) -> None:
        """The next step through the services, whatever it is: assess, forward, close, reopen."""
        enquiry, rng = self.pick(), self.rng
        if enquiry is None:
            return
        actor = self.actor(enquiry)
        if enquiry.state == "received":
            answers = {"danger_weapon": True} if rng.random() < 0.3 else {}
            casework_services.enquiry_assess(enquiry=enquiry, actor=actor, answers=answers)
        elif enquiry.state == "risk_assessed":
            casework_services.enquiry_forward(
                enquiry=enquiry,
                actor=actor,
                service_slugs=rng.sample(["nav-tonsberg", "vern-for-eldre"], rng.randint(1, 2)),
                legal_basis="consent",
            )
        elif enquiry.state == "forwarded":
            casework_services.enquiry_close(
                enquiry=enquiry,
                actor=actor,
                outcome=rng.choice(codes("close_outcomes")),
                outcome_asked=rng.choice(codes("outcome_asked")),
                outcome_achieved=rng.choice(codes("outcome_achieved")),
            )
        elif enquiry.state == "closed" and enquiry.team.slug == "tonsberg":
            casework_services.enquiry_reopen(enquiry=enquiry, actor=self.bob, reason="Ny info.")

    def close_as_data(self) -> None:
        """A closing with an outcome written past the services (as a data fix would)."""
        enquiry, rng = self.pick(), self.rng
        if enquiry is not None:
            Enquiry.objects.filter(pk=enquiry.pk).update(
                state="closed",
                outcome=rng.choice(codes("close_outcomes")),
                outcome_asked=rng.choice(codes("outcome_asked")),
                outcome_achieved=rng.choice(codes("outcome_achieved")),
                closed_at=timezone.now(),
            )

    def change_facts(self) -> None:
        enquiry, rng = self.pick(), self.rng
        if enquiry is not None:
            Enquiry.objects.filter(pk=enquiry.pk).update(
                channel=rng.choice(codes("channels")),
                perpetrator_relation=rng.choice(codes("perpetrator_relations")),
                violence_types=rng.sample(codes("violence_types"), rng.randint(0, 3)),
                risk_factors=rng.sample(codes("risk_factors"), rng.randint(0, 2)),
            )

    def move_team(self) -> None:
        enquiry = self.pick()
        if enquiry is not None:
            Enquiry.objects.filter(pk=enquiry.pk).update(team=self.rng.choice(self.teams))

    def move_day(self) -> None:
        """Received on another day (around midnight and across months); the steps follow."""
        enquiry, rng = self.pick(), self.rng
        if enquiry is None:
            return
        received = dt.datetime(2025, rng.randint(1, 12), rng.randint(1, 28), tzinfo=OSLO)
        received += dt.timedelta(minutes=rng.choice([30, 23 * 60 + 30, rng.randint(0, 1439)]))
        times: dict[str, Any] = {"received_at": received}
        if enquiry.assessed_at:
            times["assessed_at"] = received + dt.timedelta(hours=rng.randint(0, 900) / 10)
            if enquiry.forwarded_at:
                times["forwarded_at"] = times["assessed_at"] + dt.timedelta(
                    hours=rng.randint(0, 2000) / 10
                )
        Enquiry.objects.filter(pk=enquiry.pk).update(**times)

    def answer_referral(self) -> None:
        referrals = list(Referral.objects.filter(state="sent").order_by("pk"))
        if not referrals:
            return
        referral = self.rng.choice(referrals)
        actor = self.actor(referral.enquiry)
        answer = self.rng.choice(["acknowledge", "decline", "complete"])
        if answer == "acknowledge":
            routing_services.referral_acknowledge(referral=referral, actor=actor)
        elif answer == "decline":
            routing_services.referral_decline(referral=referral, actor=actor, reason="Ikke vårt.")
        else:
            routing_services.referral_complete(referral=referral, actor=actor, note="")

    def delete(self) -> None:
        enquiry = self.pick()
        if enquiry is not None:
            Enquiry.objects.filter(pk=enquiry.pk).delete()

    def any(self) -> str:
        name = self.rng.choices(
            [
                "new",
                "step",
                "close_as_data",
                "change_facts",
                "move_team",
                "move_day",
                "answer_referral",
                "delete",
            ],
            weights=[3, 6, 1, 2, 1, 2, 2, 1],
        )[0]
        try:
            with transaction.atomic():
                getattr(self, name)()
        except REFUSED:
            pass  # a step the rules refuse changes nothing; the roll-up must agree with that too
        return name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_roll_up_by_differences_equals_a_rebuild_after_random_changes(
    seed: int, alice: Any, bob: Any, tor: Any
) -> None:
    rng = random.Random(seed)
    changes = RandomChanges(rng, alice, bob, tor)
    for _ in range(8):
        changes.new()
    rollup.refresh()
    assert rolled_up() == rebuilt()
    done: list[str] = []
    for _round in range(12):
        for _ in range(rng.randint(1, 6)):
            done.append(changes.any())
        if rng.random() < 0.7:
            assert rollup.refresh() >= 0
            assert not RollupMark.objects.exists()
            assert rolled_up() == rebuilt(), f"after {done}"
    rollup.refresh()
    assert rolled_up() == rebuilt(), f"after {done}"
    assert rolled_up()["daily counts"]  # not two empty roll-ups


def test_a_refresh_counts_again_only_the_changed_enquiries(alice: Any) -> None:
    for _ in range(5):
        make_enquiry(actor=alice)
    assert rollup.refresh() == 5
    enquiry = Enquiry.objects.order_by("reference").first()
    Enquiry.objects.filter(pk=enquiry.pk).update(channel="letter")
    Enquiry.objects.filter(pk=enquiry.pk).update(location="care_home")
    assert RollupMark.objects.count() == 2
    assert rollup.refresh() == 1  # two marks, one enquiry
    today = timezone.localdate()
    data = case_flow(date_from=today, date_to=today)
    assert (data["by_channel"]["letter"], data["by_location"]["care_home"]) == (1, 1)
    assert data["total_received"] == 5


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "TRUNCATE")


def writes_outside_the_audit_trail(captured: CaptureQueriesContext) -> list[str]:
    """The write statements a request made to anything but the audit trail and the session."""
    found = []
    for query in captured.captured_queries:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(WRITES) and not any(
            table in sql for table in ('"AUDIT_', "AUDIT_", '"DJANGO_SESSION"', "DJANGO_SESSION")
        ):
            found.append(query["sql"])
    return found


@pytest.fixture
def behind(alice: Any) -> list[Enquiry]:
    """Ten enquiries counted, then changes to five of them that no refresh has seen yet (five and
    more: no count is hidden by the disclosure control)."""
    made = [make_enquiry(actor=alice, channel="phone") for _ in range(10)]
    rollup.refresh()
    for enquiry in made[:5]:
        Enquiry.objects.filter(pk=enquiry.pk).update(channel="letter")
    return made


def test_statistics_reads_never_write(behind: list[Enquiry], mona: Any, as_user: Any) -> None:
    client = as_user(mona)
    before = (rolled_up(), RollupMark.objects.count())
    for path, params in (
        (reverse("stats_api:api"), {}),
        (reverse("stats_api:api"), {"format": "csv"}),
        (reverse("stats:dashboard"), {}),
        (reverse("stats:dashboard"), {"format": "excel"}),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, params)
        assert response.status_code == 200
        assert writes_outside_the_audit_trail(captured) == [], path
        assert any("AUDIT_" in q["sql"].upper() for q in captured.captured_queries)  # logged
    assert (rolled_up(), RollupMark.objects.count()) == before  # nothing refreshed by a read


def test_a_read_reports_how_fresh_its_figures_are(
    behind: list[Enquiry], mona: Any, as_user: Any
) -> None:
    client = as_user(mona)
    body = client.get(reverse("stats_api:api")).json()
    oldest = RollupMark.objects.order_by("marked_at").first().marked_at
    assert body["freshness"]["pending_changes"] == 5
    assert dt.datetime.fromisoformat(body["freshness"]["as_of"]) == oldest
    assert body["by_channel"]["phone"] == 10  # the figures as of then: the changes not yet counted
    html = client.get(reverse("stats:dashboard")).content.decode()
    assert "endringer i 5 henvendelser siden da telles ved neste oppdatering" in html

    call_command("refresh_stats", stdout=io.StringIO())
    before = timezone.now()
    body = client.get(reverse("stats_api:api")).json()
    assert body["freshness"]["pending_changes"] == 0
    assert dt.datetime.fromisoformat(body["freshness"]["as_of"]) >= before - dt.timedelta(seconds=1)
    assert (body["by_channel"]["letter"], body["by_channel"]["phone"]) == (5, 5)
    assert "Tallene er oppdatert" in client.get(reverse("stats:dashboard")).content.decode()
    csv = client.get(reverse("stats_api:api"), {"format": "csv"}).content.decode()
    assert "freshness" not in csv  # the machine CSV holds the figures only


def test_refresh_stats_says_how_many_enquiries_it_counted_again(behind: list[Enquiry]) -> None:
    out = io.StringIO()
    call_command("refresh_stats", stdout=out)
    assert out.getvalue().startswith("5 enquiries counted again")
    assert not RollupMark.objects.exists()


def test_the_in_process_beat_takes_every_interval_entry_and_leaves_calendar_ones(
    settings: Any,
) -> None:
    """``make run``'s beat thread reads the real schedule: a nightly ``crontab`` entry (retention)
    runs in its own thread and must not stop the others (it crashed the thread once)."""
    intervals = BeatTasks.intervals_from(settings.CELERY_BEAT_SCHEDULE, exclude={"x"})
    assert intervals["stats.tasks.refresh_rollup"] == float(settings.STATS_REFRESH_SECONDS)
    assert "casework.tasks.announce_new_work" in intervals
    assert "retention.tasks.apply_retention" not in intervals


def test_the_in_process_beat_runs_the_statistics_refresh(
    behind: list[Enquiry], settings: Any, monkeypatch: Any
) -> None:
    """``make run`` has no broker: the embedded scheduler runs beat's refresh by its name."""
    monkeypatch.setattr("casework.scheduler.close_old_connections", lambda: None)
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-statistics"]
    BeatTasks({entry["task"]: float(entry["schedule"])}).run_task(entry["task"])
    assert not RollupMark.objects.exists()
    today = timezone.localdate()
    assert case_flow(date_from=today, date_to=today)["by_channel"]["letter"] == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_statistics_read_works_in_a_read_only_transaction(
    behind: list[Enquiry], mona: Any, as_user: Any
) -> None:
    """What the API and the dashboard read (the figures, their freshness, the dashboard's tables)
    runs in ``SET TRANSACTION READ ONLY``; the same transaction refuses a refresh, so the test
    can fail. Through the door, each request's read is itself a read-only transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("READ ONLY transactions are PostgreSQL's; SQLite: the test above")
    today = timezone.localdate()
    ranges = [(today.replace(month=1, day=1), today)]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        fresh = rollup.freshness()
        figures = case_flow(date_from=ranges[0][0], date_to=ranges[0][1])
        report.build([figures], ranges)
        assert (fresh["pending_changes"], figures["by_channel"]["phone"]) == (5, 10)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        with pytest.raises(Exception, match="read-only transaction"):
            rollup.refresh()

    client = as_user(mona)
    for path in (reverse("stats_api:api"), reverse("stats:dashboard")):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        sql = [q["sql"] for q in captured.captured_queries]
        read_only = sql.index("SET TRANSACTION READ ONLY")
        assert any("stats_dailycount" in q for q in sql[read_only:])
        assert writes_outside_the_audit_trail(captured) == []
