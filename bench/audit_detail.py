"""What does access logging cost an enquiry detail? (issue 3, goal: at most 1.3x)

Runs on demand, not in the test suite:

    DEBUG=False SECRET_KEY=x AUDIT_HMAC_KEY=y .venv/bin/python bench/audit_detail.py [--rounds 7] [--n 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tryggest_bench ... (PostgreSQL)

It builds a throw-away test database, logs Alice in, and times, interleaved round by round:

- the admin change page of one enquiry, as served (the selector writes a ``view`` event), against
  the same page with ``audit.events.enquiry_viewed`` replaced by a no-op;
- the selector alone (``intake.selectors.enquiry_for_actor``), with and without the event.

The median of the rounds is reported. The selector ratio is the worst case (the event write is
most of what it does); the page ratio is what a user waits for.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
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
from django.test.utils import setup_test_environment  # noqa: E402


def timed(fn: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=200, help="requests per round and variant")
    parser.add_argument("--prefill", type=int, default=5_000, help="events in the trail beforehand")
    parser.add_argument("--selector-only", action="store_true", help="skip the admin page")
    args = parser.parse_args()

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace) -> None:
    from accounts.models import Team
    from audit import events
    from audit.models import AuditEvent
    from intake import selectors
    from tests.conftest import sign_in_client
    from tests.factories import UserFactory, make_enquiry

    tonsberg = Team.objects.get(slug="tonsberg")
    alice = UserFactory(username="alice", team=tonsberg, roles=["team_member"])
    enquiry = make_enquiry(actor=alice)
    with transaction.atomic():
        for _ in range(args.prefill):
            events.logged_in(actor=alice)

    # Both sign-in steps, as a person takes them (password, then the authenticator's code).
    client = sign_in_client(Client(), alice)
    url = f"/admin/intake/enquiry/{enquiry.pk}/change/"
    assert client.get(url).status_code == 200

    real = events.enquiry_viewed

    def without_log(**kwargs: Any) -> None:
        return None

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200

    def selector() -> None:
        selectors.enquiry_for_actor(actor=alice, pk=enquiry.pk)

    results: dict[str, list[float]] = {k: [] for k in ("page+log", "page", "sel+log", "sel")}
    for _ in range(2):  # warm up caches and connections
        page(), selector()
    skip = args.selector_only
    for _ in range(args.rounds):
        events.enquiry_viewed = real
        results["page+log"].append(0.0 if skip else timed(page, args.n))
        results["sel+log"].append(timed(selector, args.n))
        events.enquiry_viewed = without_log  # type: ignore[assignment]
        results["page"].append(1.0 if skip else timed(page, args.n))
        results["sel"].append(timed(selector, args.n))
    events.enquiry_viewed = real

    med = {k: statistics.median(v) for k, v in results.items()}
    print(
        f"database: {connection.vendor}, trail: {AuditEvent.objects.count()} events, "
        f"{args.rounds} rounds x {args.n} requests, median per request"
    )
    if not skip:
        print(
            f"admin change page   with log {med['page+log'] * 1e3:7.3f} ms   "
            f"without {med['page'] * 1e3:7.3f} ms   ratio {med['page+log'] / med['page']:.2f}x"
        )
    print(
        f"selector only       with log {med['sel+log'] * 1e3:7.3f} ms   "
        f"without {med['sel'] * 1e3:7.3f} ms   ratio {med['sel+log'] / med['sel']:.2f}x"
    )
    print(f"cost of one view event: {(med['sel+log'] - med['sel']) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
