"""The enquiry page with 200 timeline items: how long, and how many queries (issue 16; goal:
under 300 ms at 1M enquiries, with a fixed number of queries).

Runs on demand, not in the test suite:

    DEBUG=False SECRET_KEY=x AUDIT_HMAC_KEY=y .venv/bin/python bench/timeline.py [--rounds 5] [--n 20]
        [--enquiries 200] [--items 200]

By default it builds a throw-away test database with ``--enquiries`` other enquiries of the
team. At scale, point it at a database filled by ``bench/generate.py`` (1M enquiries) and pass
``--existing``: everything it adds (a user, the enquiry and its items) is made inside one
transaction that is rolled back at the end, so the database is left as it was.

It signs Alice in with both steps (as a person would), builds one enquiry with ``--items``
timeline items (journal entries and corrections, tasks, messages with the reporter, the steps
assess and forward with their referrals, a pause), and times, round by round, the admin change
page as served and ``casework.timeline.timeline`` alone; it counts the page's queries with 10
items and with all of them (the count must not grow). Results go to bench/results/timeline.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tryggest.settings")
os.environ.setdefault("SECRET_KEY", "bench-secret-key")
os.environ.setdefault("AUDIT_HMAC_KEY", "bench-audit-key")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench.common import save  # noqa: E402


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=20, help="requests per round")
    parser.add_argument("--items", type=int, default=200, help="timeline items on the enquiry")
    parser.add_argument(
        "--enquiries", type=int, default=200, help="other enquiries (throw-away database only)"
    )
    parser.add_argument(
        "--existing",
        action="store_true",
        help="use the configured database as it is (e.g. 1M rows from bench/generate.py)",
    )
    args = parser.parse_args()

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if args.existing:
        try:
            with transaction.atomic():
                run(args, others=0)
                raise Rollback
        except Rollback:
            pass
        return
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args, others=args.enquiries)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def build(enquiry: Any, alice: Any, items: int) -> None:
    """Fill ``enquiry``'s timeline up to about ``items`` items."""
    from django.utils import timezone

    from casework import followups, journal, timeline
    from casework import services as casework_services
    from intake import clock
    from intake.models import ReporterMessage

    now = timezone.now()
    if enquiry.state == "received":  # the steps, the pause, tasks and messages: once
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
        casework_services.enquiry_forward(
            enquiry=enquiry,
            actor=alice,
            service_slugs=["nav-tonsberg", "krisesenteret-vestfold"],
            legal_basis="consent",
        )
        clock.enquiry_clock_pause(
            enquiry=enquiry, actor=alice, until=now + dt.timedelta(days=2), reason="Venter"
        )
        for n in range(3):
            followups.task_add(
                enquiry=enquiry,
                actor=alice,
                title=f"Oppgave {n}",
                due_at=now + dt.timedelta(days=n),
            )
        ReporterMessage.objects.bulk_create(
            ReporterMessage(enquiry=enquiry, direction="from_reporter", text=f"Melding {n}", at=now)
            for n in range(3)
        )
    n = len(timeline.timeline(enquiry))
    while len(timeline.timeline(enquiry)) < items:
        entry = journal.journal_add(
            enquiry=enquiry,
            actor=alice,
            kind="phone_call",
            occurred_at=now - dt.timedelta(hours=n),
            text=f"Samtale {n}. " * 20,
        )
        if n % 5 == 0:
            journal.journal_add(
                enquiry=enquiry,
                actor=alice,
                kind="note",
                occurred_at=now - dt.timedelta(hours=n),
                text=f"Rettelse {n}.",
                corrects=entry,
            )
        n += 1


def run(args: argparse.Namespace, *, others: int) -> None:
    from accounts.models import Team
    from casework import timeline
    from intake.models import Enquiry
    from tests.conftest import sign_in_client
    from tests.factories import UserFactory, make_enquiry

    tonsberg = Team.objects.get(slug="tonsberg")
    alice = UserFactory(username="bench-alice", team=tonsberg, roles=["team_member"])
    for _ in range(others):
        make_enquiry(actor=alice)
    enquiry = make_enquiry(actor=alice, subject_consents_to_forwarding=True)
    client = sign_in_client(Client(), alice)
    url = f"/admin/intake/enquiry/{enquiry.pk}/change/"

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page()
        return len(captured)

    build(enquiry, alice, 10)
    page()
    queries_few = queries()
    start = time.perf_counter()
    for _ in range(args.n):
        page()
    page_few = (time.perf_counter() - start) / args.n
    build(enquiry, alice, args.items)
    items = len(timeline.timeline(enquiry))
    # Warm first, as for the few: a session refreshed after idle seconds (its own queries) is
    # the session's, not the timeline's.
    page()
    queries_many = queries()

    page_times: list[float] = []
    timeline_times: list[float] = []
    for _ in range(2):
        page()
    for _ in range(args.rounds):
        start = time.perf_counter()
        for _ in range(args.n):
            page()
        page_times.append((time.perf_counter() - start) / args.n)
        start = time.perf_counter()
        for _ in range(args.n):
            timeline.timeline(enquiry)
        timeline_times.append((time.perf_counter() - start) / args.n)

    result = {
        "database": connection.vendor,
        "enquiries": Enquiry.objects.count(),
        "timeline_items": items,
        "rounds": args.rounds,
        "requests_per_round": args.n,
        "page_ms_median": round(statistics.median(page_times) * 1e3, 2),
        "page_ms_max_round": round(max(page_times) * 1e3, 2),
        "page_ms_with_few_items": round(page_few * 1e3, 2),
        "timeline_ms_median": round(statistics.median(timeline_times) * 1e3, 2),
        "page_queries_with_few_items": queries_few,
        "page_queries_with_all_items": queries_many,
    }
    print(
        f"database: {result['database']}, {result['enquiries']} enquiries, "
        f"{items} timeline items, {args.rounds} rounds x {args.n} requests"
    )
    print(
        f"enquiry page: median {result['page_ms_median']} ms "
        f"(worst round {result['page_ms_max_round']} ms; "
        f"{result['page_ms_with_few_items']} ms with few items); "
        f"timeline alone {result['timeline_ms_median']} ms"
    )
    print(f"queries per page: {queries_few} with few items, {queries_many} with {items}")
    print(f"saved to {save('timeline', result)}")


if __name__ == "__main__":
    main()
