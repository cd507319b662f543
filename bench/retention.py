"""How fast does retention anonymise? (issue 18: 100,000 of 1M enquiries, against a plain UPDATE)

Runs on demand, never in the test suite (PostgreSQL only; the machine's other users share it):

    .venv/bin/python bench/retention.py --enquiries 30000 --n 20000 [--database tryggest_bench_retention]

It creates (and at the end drops) a database, migrates it, fills it with ``bench/generate.py``,
picks the first ``--n`` enquiries that are due ten years from now (closed ones), and times on
the same rows, in the same run:

1. ``plain_update``: one SQL UPDATE of the enquiry rows' personal columns (rolled back);
2. ``registry_updates``: every declaration of ``retention.declarations`` as one statement each
   (what anonymising changes, without locks, bookkeeping or audit events; rolled back);
3. ``apply_retention``: the real run (``retention.services.apply_retention``, batches of
   ``--batch-size``: row locks, every declaration, an ``Anonymisation`` row and one chained audit
   event per enquiry), limited to the same rows; then ``verify_audit`` for the chain.

Results go to ``bench/results/retention.json`` and are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, bench_env, create_database, drop_database, manage, save


def prepare(database: str, enquiries: int) -> dict[str, str]:
    url = create_database(database)
    env = bench_env(url)
    manage(env, "migrate", "--no-input")
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "bench/generate.py", "--enquiries", str(enquiries), "--no-progress"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=900,
    )
    print(f"generated {enquiries} enquiries in {time.perf_counter() - started:.1f} s")
    return env


def measure(n: int, batch_size: int) -> dict[str, float]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tryggest.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from audit.verification import verify_chain
    from retention import registry, selectors, services
    from retention.declarations import PERSONAL

    at = timezone.now() + dt.timedelta(days=3650)
    rules = selectors.Rules.current()
    ids = list(selectors.due(at, rules).values_list("pk", flat=True)[:n])
    n = len(ids)
    print(f"{n} enquiries due")
    results: dict[str, float] = {"n": n}

    class Rollback(Exception):
        pass

    def timed(label: str, work) -> None:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            with transaction.atomic():
                work()
                raise Rollback
        except Rollback:
            pass
        seconds = time.perf_counter() - started
        results[label] = seconds
        print(f"{label:18} {seconds:8.2f} s  {n / seconds:10.0f} enquiries/s")

    def plain() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE intake_enquiry SET reporter_name = '', reporter_phone = '', "
                "reporter_email = '', reporter_organisation = '', subject_name = '', "
                "subject_national_id = '', subject_birth_date = NULL, subject_address = '', "
                "subject_phone = '', description = '', close_note = '' WHERE id = ANY(%s)",
                [ids],
            )

    def declared() -> None:
        for start in range(0, n, batch_size):
            registry.anonymise(PERSONAL, ids[start : start + batch_size])

    timed("plain_update", plain)
    timed("registry_updates", declared)

    chosen = set(ids)
    profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    started = time.perf_counter()
    done = 0
    if profiler:
        profiler.enable()
    for start in range(0, n, batch_size):
        done += services.anonymise_batch(ids[start : start + batch_size], now=at, rules=rules)
    seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    results["apply_retention"] = seconds
    print(f"{'apply_retention':18} {seconds:8.2f} s  {done / seconds:10.0f} enquiries/s")
    assert done == len(chosen)
    started = time.perf_counter()
    with transaction.atomic():
        report = verify_chain()
    results["verify_audit"] = time.perf_counter() - started
    results["chain_intact"] = report.intact
    print(f"verify_audit       {results['verify_audit']:8.2f} s  intact={report.intact}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enquiries", type=int, default=30_000)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--database", default="tryggest_bench_retention")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    if os.environ.get("BENCH_RETENTION_CHILD"):
        results = measure(args.n, args.batch_size)
        save("retention", {**vars(args), **results})
        return
    env = prepare(args.database, args.enquiries)
    try:
        subprocess.run(
            [PYTHON, "bench/retention.py", *sys.argv[1:]],
            cwd=ROOT,
            env={**env, "BENCH_RETENTION_CHILD": "1"},
            check=True,
            timeout=1800,
        )
    finally:
        if not args.keep:
            drop_database(args.database)


if __name__ == "__main__":
    main()
