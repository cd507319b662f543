"""Fill a PostgreSQL database with N enquiries of realistic shape, fast (issue 9, item 1).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tryggest_bench \\
        .venv/bin/python bench/generate.py --enquiries 1000000 [--audit-events 10000000]

The database must be migrated. Enquiries are spread over the year before ``--now``; each one
moves through the states as far as its age allows (exponential delays per step), so the
proportions of received / risk_assessed / forwarded / closed are those of a running service: most
old enquiries are closed, most recent ones are open. With them come risk assessments, referrals,
state changes, the reminders' clocks (already reminded where a deadline passed: the sweep would
have run) and audit events.

Rows go in with COPY (psycopg 3 ``cursor.copy``), chunk by chunk, each chunk in one transaction
together with the chain head, so a stopped run leaves a consistent database and a valid chain.
The audit chain is computed here with ``audit.chain.event_hash`` itself, so ``verify_audit``
checks what was generated exactly as it checks what the service writes. Triggers are switched
off for the loading transactions (``session_replication_role = replica``): the rows are consistent
by construction and checking 10 million foreign keys one row at a time would be most of the cost.
That also silences the audit table's append-only triggers, which refuse only UPDATE, DELETE and
TRUNCATE: the generator only ever inserts. It silences the statistics' marking triggers too, so
the run ends with ``stats.rollup.rebuild()`` (timed and printed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import queue
import random
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tryggest.settings")
os.environ.setdefault("SECRET_KEY", "bench-secret-key")
os.environ.setdefault("AUDIT_HMAC_KEY", "bench-audit-key")
os.environ.setdefault("DEBUG", "False")

import django
import psycopg

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

from accounts.models import Team, User  # noqa: E402
from audit.chain import event_hash  # noqa: E402
from intake.models import AssessmentInstrument  # noqa: E402
from kernel.calendar import OSLO  # noqa: E402
from kernel.vocabulary import codes  # noqa: E402
from routing.models import HelpService  # noqa: E402

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
CHUNK = 5_000
# Share of the enquiries per team: the municipality under test (tonsberg) is the largest, as a
# big city's team would be; the rest share the remainder.
TONSBERG_SHARE = 0.3

ENQUIRY_COLUMNS = [
    "id",
    "reference",
    "channel",
    "state",
    "version",
    "reporter_type",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "reporter_organisation",
    "subject_name",
    "subject_national_id",
    "subject_birth_date",
    "subject_birth_year",
    "subject_gender",
    "subject_address",
    "subject_phone",
    "subject_knows_about_enquiry",
    "subject_consents_to_forwarding",
    "subject_consent_capacity_doubted",
    "risk_factors",
    "violence_types",
    "perpetrator_relation",
    "location",
    "description",
    "immediate_danger",
    "children_in_household",
    "risk_level",
    "outcome",
    "outcome_asked",
    "outcome_achieved",
    "close_note",
    "measures",
    "received_at",
    "updated_at",
    "assessed_at",
    "forwarded_at",
    "closed_at",
    "assigned_to_id",
    "created_by_id",
    "team_id",
    # Issue 17's same-adult keys: left empty here (bench/same_adult.py makes its own), no repeats.
    "repeat_within_year",
    "subject_national_id_key",
    "subject_name_key",
    "subject_born_year",
]
ASSESSMENT_COLUMNS = [
    "version",
    "answers",
    "acute_criteria_met",
    "computed_level",
    "level",
    "override_reason",
    "assessed_at",
    "assessed_by_id",
    "enquiry_id",
    "instrument_id",
]
STATE_CHANGE_COLUMNS = [
    "transition",
    "source",
    "target",
    "at",
    "reason",
    "details",
    "actor_id",
    "enquiry_id",
]
REFERRAL_COLUMNS = [
    "id",
    "state",
    "legal_basis",
    "note",
    "sent_at",
    "due_at",
    "acknowledged_at",
    "declined_at",
    "decline_reason",
    "completed_at",
    "completion_note",
    "withdrawn_at",
    "enquiry_id",
    "sent_by_id",
    "service_id",
    "escalate_at",
    "escalated_at",
    "reminded_at",
    # Issue 16: a basis per referral (here the adult's consent for every one), e-mailed.
    "basis_decided_by",
    "basis_reason",
    "delivery",
    "phone_note",
]
CLOCK_COLUMNS = [
    "enquiry_id",
    "kind",
    "started_at",
    "due_at",
    "escalate_at",
    "reminded_at",
    "escalated_at",
    "paused_until",
    "pause_reason",
]
AUDIT_COLUMNS = [
    "seq",
    "at",
    "actor_type",
    "actor",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "enquiry_id",
    "enquiry_ids",
    "fields",
    "filters",
    "reason",
    "ip",
    "request_id",
    "prev_hash",
    "hash",
    "chain",
]

N = r"\N"


def ts(value: dt.datetime | None) -> str:
    return N if value is None else value.isoformat()


def b(value: bool | None) -> str:
    return N if value is None else ("t" if value else "f")


def jlist(items: list[str]) -> str:
    return "[" + ",".join(f'"{x}"' for x in items) + "]"


class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.now = args.now
        self.start = self.now - dt.timedelta(days=365)
        self.vocab = {
            g: codes(g)
            for g in (
                "channels",
                "reporter_types",
                "genders",
                "risk_factors",
                "violence_types",
                "perpetrator_relations",
                "locations",
                "close_outcomes",
                "outcome_asked",
                "outcome_achieved",
                "measures",
            )
        }
        self.instrument = AssessmentInstrument.current()
        self.items = [(i.code, i.group) for i in self.instrument.items.all()]
        self.services = list(HelpService.objects.values_list("id", flat=True))
        self.teams, self.team_weights, self.staff = self._teams_and_staff(args.teams)
        self.counters: dict[int, int] = {}
        self.seq, self.heads = self._head()
        self.extra_views = 0.0
        self.events_written = 0
        self.rows = {
            "enquiries": 0,
            "assessments": 0,
            "state_changes": 0,
            "referrals": 0,
            "clocks": 0,
            "audit_events": 0,
        }

    # --- Setup through the ORM: a handful of rows ---

    def _teams_and_staff(
        self, n_teams: int
    ) -> tuple[list[int], list[float], dict[int, list[tuple[int, str]]]]:
        teams = [Team.objects.get(slug="tonsberg")]
        for i in range(2, n_teams + 1):
            team, _ = Team.objects.get_or_create(
                slug=f"bench-team-{i:02d}", defaults={"name": f"Team {i}"}
            )
            teams.append(team)
        rest = (1 - TONSBERG_SHARE) / max(1, n_teams - 1)
        weights = [TONSBERG_SHARE if n_teams > 1 else 1.0] + [rest] * (n_teams - 1)
        members = Group.objects.get(name="team_member")
        coordinators = Group.objects.get(name="coordinator")
        staff: dict[int, list[tuple[int, str]]] = {}
        for team in teams:
            people = []
            for j in range(1, 6):
                user, created = User.objects.get_or_create(
                    username=f"bench-{team.slug}-{j}",
                    defaults={"team": team, "is_staff": True},
                )
                if created:
                    user.set_unusable_password()
                    user.save()
                    user.groups.add(coordinators if j == 1 else members)
                people.append((user.pk, user.username))
            staff[team.pk] = people
        return [t.pk for t in teams], weights, staff

    def _head(self) -> tuple[int, dict[int, list[Any]]]:
        """The newest seq of the trail, and each chain's head (seq, hash) of the pool in use:
        the generated events are spread over the chains as the service's writers spread them."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM audit_auditevent), "
                "(SELECT last_value FROM audit_auditevent_seq_seq))"
            )
            newest = cursor.fetchone()[0]
            cursor.execute(
                "SELECT id, seq, hash FROM audit_chainhead WHERE id <= %s", [settings.AUDIT_CHAINS]
            )
            return newest, {pk: [seq, digest] for pk, seq, digest in cursor.fetchall()}

    # --- Rows ---

    def reference(self, received: dt.datetime) -> str:
        year = received.astimezone(OSLO).year
        number = self.counters.get(year)
        if number is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT last FROM intake_referencecounter WHERE year = %s", [year])
                row = cursor.fetchone()
            number = row[0] if row else 0
        number += 1
        self.counters[year] = number
        return f"TE-{year}-{number:06d}"

    def event(
        self,
        out: list[str],
        *,
        at: dt.datetime,
        actor: tuple[int, str] | None,
        action: str,
        object_type: str,
        object_id: str,
        enquiry_id: str | None,
        fields: list[str] = (),
        filters: dict[str, str] | None = None,
    ) -> None:
        self.seq += 1
        chain = self.seq % len(self.heads) + 1
        head = self.heads[chain]
        if actor is None:
            actor_type, label, actor_id = "service", "nav-tonsberg", "1"
        else:
            actor_type, label, actor_id = "user", actor[1], str(actor[0])
        values: dict[str, Any] = {
            "seq": self.seq,
            "at": at,
            "actor_type": actor_type,
            "actor": label,
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "enquiry_id": enquiry_id,
            "enquiry_ids": [],
            "fields": sorted(fields),
            "filters": filters or {},
            "reason": "",
            "ip": None,
            "request_id": "",
            "chain": chain,
        }
        digest = event_hash(values, head[1])
        filters_json = "{" + ",".join(f'"{k}":"{v}"' for k, v in (filters or {}).items()) + "}"
        out.append(
            "\t".join(
                (
                    str(self.seq),
                    at.isoformat(),
                    actor_type,
                    label,
                    actor_id,
                    action,
                    object_type,
                    object_id,
                    enquiry_id or N,
                    "[]",
                    jlist(values["fields"]),
                    filters_json,
                    "",
                    N,
                    "",
                    head[1],
                    digest,
                    str(chain),
                )
            )
        )
        head[0], head[1] = self.seq, digest

    def enquiry(self, i: int, out: dict[str, list[str]]) -> None:
        rng, now = self.rng, self.now
        span = (now - self.start).total_seconds()
        received = self.start + dt.timedelta(
            seconds=span * (i + rng.random()) / self.args.enquiries
        )
        eid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        team = rng.choices(self.teams, self.team_weights)[0]
        staff = self.staff[team]
        worker = rng.choice(staff)
        immediate = rng.random() < 0.05
        channel = rng.choices(self.vocab["channels"], [30, 5, 25, 20, 15, 5])[0]
        by_api = channel == "api"
        creator = None if by_api else worker
        events: list[str] = out["audit"]
        changes: list[str] = out["changes"]

        # How far the enquiry got: each step after an exponential delay, if that is before now.
        assessed = received + dt.timedelta(hours=rng.expovariate(1 / (0.5 if immediate else 20)))
        forwarded = (
            assessed + dt.timedelta(hours=rng.expovariate(1 / 48)) if rng.random() < 0.6 else None
        )
        closed_from = forwarded or assessed
        closed = closed_from + dt.timedelta(days=rng.expovariate(1 / 25))
        if rng.random() < 0.05:  # a duplicate or someone else's case, closed unassessed
            assessed = forwarded = None
            closed = received + dt.timedelta(hours=rng.expovariate(1 / 10))
        if assessed and assessed > now:
            assessed = forwarded = closed = None
        if forwarded and forwarded > now:
            forwarded = closed = None
        if closed and closed > now:
            closed = None
        state = (
            "closed"
            if closed
            else "forwarded"
            if forwarded
            else "risk_assessed"
            if assessed
            else "received"
        )

        self.event(
            events,
            at=received,
            actor=creator,
            action="create",
            object_type="enquiry",
            object_id=eid,
            enquiry_id=eid,
        )
        level = ""
        if assessed:
            answers = {
                code: rng.random() < (0.08 if group == "acute" else 0.2)
                for code, group in self.items
            }
            groups = {group for code, group in self.items if answers[code]}
            level = (
                "acute"
                if "acute" in groups or immediate
                else "high"
                if "danger" in groups
                else "moderate"
                if "vulnerability" in groups
                else "low"
            )
            answers_json = (
                "{"
                + ",".join(f'"{k}":{"true" if v else "false"}' for k, v in answers.items())
                + "}"
            )
            out["assessments"].append(
                "\t".join(
                    (
                        "1",
                        answers_json,
                        b("acute" in groups),
                        level,
                        level,
                        "",
                        ts(assessed),
                        str(worker[0]),
                        eid,
                        str(self.instrument.pk),
                    )
                )
            )
            changes.append(
                "\t".join(
                    (
                        "assess",
                        "received",
                        "risk_assessed",
                        ts(assessed),
                        "",
                        "{}",
                        str(worker[0]),
                        eid,
                    )
                )
            )
            self.event(
                events,
                at=assessed,
                actor=worker,
                action="transition",
                object_type="enquiry",
                object_id=eid,
                enquiry_id=eid,
                fields=["state", "risk_level"],
                filters={"transition": "assess"},
            )
        if forwarded:
            changes.append(
                "\t".join(
                    (
                        "forward",
                        "risk_assessed",
                        "forwarded",
                        ts(forwarded),
                        "",
                        "{}",
                        str(worker[0]),
                        eid,
                    )
                )
            )
            self.event(
                events,
                at=forwarded,
                actor=worker,
                action="transition",
                object_type="enquiry",
                object_id=eid,
                enquiry_id=eid,
                fields=["state"],
                filters={"transition": "forward"},
            )
            for service in rng.sample(self.services, 2 if rng.random() < 0.2 else 1):
                self.referral(out, eid, service, worker, forwarded, closed)
        outcome = asked = achieved = ""
        measures = "[]"
        if closed:
            source = "forwarded" if forwarded else "risk_assessed" if assessed else "received"
            outcome = (
                rng.choice(["duplicate", "referred_elsewhere"])
                if not assessed
                else rng.choices(self.vocab["close_outcomes"][:6], [20, 35, 10, 25, 8, 2])[0]
            )
            asked = rng.choices(self.vocab["outcome_asked"], [60, 10, 20, 10])[0]
            achieved = (
                rng.choices(self.vocab["outcome_achieved"], [40, 40, 20])[0]
                if asked == "asked_expressed"
                else ""
            )
            if outcome not in ("duplicate", "referred_elsewhere"):
                measures = jlist(rng.sample(self.vocab["measures"][:-2], rng.randint(1, 3)))
            changes.append(
                "\t".join(("close", source, "closed", ts(closed), "", "{}", str(worker[0]), eid))
            )
            self.event(
                events,
                at=closed,
                actor=worker,
                action="transition",
                object_type="enquiry",
                object_id=eid,
                enquiry_id=eid,
                fields=["state", "outcome"],
                filters={"transition": "close"},
            )
        # Views of the enquiry's page, to reach the audit events asked for.
        self.extra_views += self.args.views_per_enquiry
        last = closed or forwarded or assessed or received
        while self.extra_views >= 1:
            self.extra_views -= 1
            at = received + (last - received) * rng.random() + dt.timedelta(seconds=1)
            self.event(
                events,
                at=at,
                actor=rng.choice(staff),
                action="view",
                object_type="enquiry",
                object_id=eid,
                enquiry_id=eid,
            )

        self.clock(out, eid, state, immediate, received, assessed, forwarded)
        age_years = rng.randint(18, 98)
        out["enquiries"].append(
            "\t".join(
                (
                    eid,
                    self.reference(received),
                    channel,
                    state,
                    str(1 + len([x for x in (assessed, forwarded, closed) if x])),
                    rng.choices(self.vocab["reporter_types"], [8, 20, 8, 25, 18, 8, 6, 5, 2])[0],
                    "Kari Nordmann",
                    "+47 912 34 567",
                    "",
                    "Hjemmetjenesten",
                    "Ola Hansen",
                    "",
                    N,
                    str(received.year - age_years),
                    rng.choice(self.vocab["genders"][:3]),
                    "",
                    "",
                    b(rng.random() < 0.6),
                    b(rng.random() < 0.5),
                    N,
                    jlist(rng.sample(self.vocab["risk_factors"], rng.randint(0, 2))),
                    jlist(rng.sample(self.vocab["violence_types"], rng.randint(1, 3))),
                    rng.choice(self.vocab["perpetrator_relations"]),
                    rng.choice(self.vocab["locations"]),
                    "Bekymring for en eldre person; generert for ytelsesmåling.",
                    b(immediate),
                    b(rng.random() < 0.1),
                    level,
                    outcome,
                    asked,
                    achieved,
                    "",
                    measures,
                    ts(received),
                    ts(closed or forwarded or assessed or received),
                    ts(assessed),
                    ts(forwarded),
                    ts(closed),
                    str(worker[0]) if assessed else N,
                    N if creator is None else str(creator[0]),
                    str(team),
                    b(False),
                    "",
                    "",
                    N,
                )
            )
        )

    def referral(
        self,
        out: dict[str, list[str]],
        eid: str,
        service: int,
        worker: tuple[int, str],
        sent: dt.datetime,
        closed: dt.datetime | None,
    ) -> None:
        rng, now = self.rng, self.now
        rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        due, escalate = sent + 3 * DAY, sent + 6 * DAY
        ack = sent + dt.timedelta(hours=rng.expovariate(1 / 30))
        roll = rng.random()
        state = "sent"
        acknowledged = declined = completed = withdrawn = None
        if ack <= now:
            if closed:
                state = rng.choices(
                    ["completed", "acknowledged", "declined", "withdrawn"], [60, 25, 10, 5]
                )[0]
            else:
                state = "acknowledged" if roll < 0.85 else "declined"
            if state in ("acknowledged", "completed"):
                acknowledged = ack
            if state == "completed":
                completed = min(now, ack + dt.timedelta(days=rng.expovariate(1 / 10)))
            if state == "declined":
                declined = ack
            if state == "withdrawn":
                withdrawn = closed
        reminded = (
            due + 5 * 60 * dt.timedelta(seconds=1) if state == "sent" and due <= now else None
        )
        escalated = (
            escalate + 5 * 60 * dt.timedelta(seconds=1)
            if state == "sent" and escalate <= now
            else None
        )
        out["referrals"].append(
            "\t".join(
                (
                    rid,
                    state,
                    "consent",
                    "",
                    ts(sent),
                    ts(due),
                    ts(acknowledged),
                    ts(declined),
                    "Ikke vår målgruppe" if declined else "",
                    ts(completed),
                    "",
                    ts(withdrawn),
                    eid,
                    str(worker[0]),
                    str(service),
                    ts(escalate),
                    ts(escalated),
                    ts(reminded),
                    "",
                    "",
                    "email",
                    "",
                )
            )
        )
        self.event(
            out["audit"],
            at=sent,
            actor=worker,
            action="create",
            object_type="referral",
            object_id=rid,
            enquiry_id=eid,
        )

    def clock(
        self,
        out: dict[str, list[str]],
        eid: str,
        state: str,
        immediate: bool,
        received: dt.datetime,
        assessed: dt.datetime | None,
        forwarded: dt.datetime | None,
    ) -> None:
        if state == "closed":
            out["clocks"].append(
                "\t".join((eid, "", ts(forwarded or assessed or received), N, N, N, N, N, ""))
            )
            return
        if state == "received":
            kind = "assessment_acute" if immediate else "assessment"
            started = received
            due, escalate = (
                (started + HOUR, started + 2 * HOUR)
                if immediate
                else (started + 2 * DAY, started + 4 * DAY)
            )
        else:
            kind, started = "follow_up", forwarded or assessed
            due, escalate = started + 30 * DAY, started + 60 * DAY
        # An earlier sweep has already sent what came due.
        reminded = due + dt.timedelta(minutes=5) if due <= self.now else None
        escalated = escalate + dt.timedelta(minutes=5) if escalate <= self.now else None
        out["clocks"].append(
            "\t".join(
                (eid, kind, ts(started), ts(due), ts(escalate), ts(reminded), ts(escalated), N, "")
            )
        )

    # --- COPY ---

    def _write(self, chunks: queue.Queue, failure: list[BaseException]) -> None:
        try:
            with psycopg.connect(**connection.get_connection_params()) as raw:
                while (item := chunks.get()) is not None:
                    out, seq, heads, counters = item
                    with raw.transaction(), raw.cursor() as cur:
                        cur.execute("SET LOCAL session_replication_role = replica")
                        for table, columns, key in (
                            ("intake_enquiry", ENQUIRY_COLUMNS, "enquiries"),
                            ("intake_riskassessment", ASSESSMENT_COLUMNS, "assessments"),
                            ("intake_statechange", STATE_CHANGE_COLUMNS, "changes"),
                            ("routing_referral", REFERRAL_COLUMNS, "referrals"),
                            ("intake_enquiryclock", CLOCK_COLUMNS, "clocks"),
                            ("audit_auditevent", AUDIT_COLUMNS, "audit"),
                        ):
                            if not out[key]:
                                continue
                            with cur.copy(
                                f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                            ) as copy:
                                copy.write("\n".join(out[key]) + "\n")
                            self.rows[
                                {"changes": "state_changes", "audit": "audit_events"}.get(key, key)
                            ] += len(out[key])
                        for chain, (head_seq, head_hash) in heads.items():
                            cur.execute(
                                "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = %s",
                                [head_seq, head_hash, chain],
                            )
                        # The service's writers take their numbers after the generated ones.
                        cur.execute(
                            "SELECT setval('audit_auditevent_seq_seq', GREATEST(%s, "
                            "(SELECT last_value FROM audit_auditevent_seq_seq)))",
                            [seq],
                        )
                        for year, last in counters.items():
                            cur.execute(
                                "INSERT INTO intake_referencecounter (year, last) VALUES (%s, %s) "
                                "ON CONFLICT (year) DO UPDATE SET "
                                "last = GREATEST(intake_referencecounter.last, EXCLUDED.last)",
                                [year, last],
                            )
        except BaseException as exc:  # reported by the main thread
            failure.append(exc)
            while chunks.get() is not None:  # let the producer finish
                pass

    def run(self) -> None:
        total = self.args.enquiries
        with connection.cursor() as c:
            c.execute("SELECT count(*) FROM audit_auditevent")
            existing_events = c.fetchone()[0]
        started = time.monotonic()
        # Python builds the next chunk while PostgreSQL stores the last one (its own connection
        # in a writer thread: psycopg releases the GIL while it waits for the server).
        chunks: queue.Queue[tuple[dict[str, list[str]], int, str, dict[int, int]] | None] = (
            queue.Queue(maxsize=2)
        )
        failure: list[BaseException] = []
        writer = threading.Thread(target=self._write, args=(chunks, failure), daemon=True)
        writer.start()
        with tqdm(total=total, unit="enq", disable=self.args.no_progress, mininterval=2) as bar:
            for first in range(0, total, CHUNK):
                if failure:
                    break
                out: dict[str, list[str]] = {
                    k: []
                    for k in ("enquiries", "assessments", "changes", "referrals", "clocks", "audit")
                }
                for i in range(first, min(total, first + CHUNK)):
                    self.enquiry(i, out)
                chunks.put(
                    (
                        out,
                        self.seq,
                        {k: tuple(v) for k, v in self.heads.items()},
                        dict(self.counters),
                    )
                )
                bar.update(min(total, first + CHUNK) - first)
            chunks.put(None)
            writer.join()
        if failure:
            raise failure[0]
        elapsed = time.monotonic() - started
        with connection.cursor() as c:
            # What autovacuum does in a running service: statistics for the planner and the
            # visibility map that lets index-only scans skip the table.
            c.execute("VACUUM (ANALYZE)")
        # The triggers that keep the statistics' roll-up were off with the rest: build it now.
        from stats import rollup

        rollup_started = time.monotonic()
        days = rollup.rebuild()
        self.rollup_s = time.monotonic() - rollup_started
        print(f"statistics roll-up rebuilt in {self.rollup_s:.1f} s ({days} days)")
        print(
            f"generated in {elapsed:.1f} s: "
            + ", ".join(f"{v} {k}" for k, v in self.rows.items())
            + f"; audit chain now {self.seq} events ({existing_events} before)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enquiries", type=int, default=1_000_000)
    parser.add_argument(
        "--audit-events",
        type=int,
        default=0,
        help="pad the trail with page views to about this many events in all (0: one view per enquiry)",
    )
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--now",
        type=dt.datetime.fromisoformat,
        default=None,
        help="the moment the data ends (default: now)",
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    args.now = (args.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    # About 4.1 events per enquiry come from its own steps (create, transitions, referrals,
    # reminders: 6,523,032 events with 2.4 views each at 1M enquiries, 2026-11-30).
    args.views_per_enquiry = (
        1.0 if not args.audit_events else max(0.0, args.audit_events / args.enquiries - 4.1)
    )
    Generator(args).run()


if __name__ == "__main__":
    main()
