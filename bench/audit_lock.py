"""Audited transactions under concurrency: the chain pool against a single chain, same run.

    .venv/bin/python bench/audit_lock.py --threads 8 32 --transactions 100 --rounds 3

Each thread (its own PostgreSQL connection) runs transactions that each write one audit event
through ``audit.events.record`` and commit: the part of every audited request that the chain's
head lock serialises. Measured with ``AUDIT_CHAINS`` = 1 (the old single chain and its global
lock) and 16 (the pool), rounds alternating which goes first; audited commits per second, median
and range. The request's other work (Django, the serializer, the enquiry's rows) is not here:
this isolates the lock, where ``bench/intake.py`` measures whole requests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
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

from audit import events  # noqa: E402
from audit.models import Action  # noqa: E402
from bench.common import save  # noqa: E402


def load(threads: int, transactions: int) -> float:
    """Audited commits per second with ``threads`` connections writing at once."""
    start = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            for _ in range(transactions):
                with transaction.atomic():
                    events.record(action=Action.VIEW, actor=None, object_type="bench")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    assert not errors, errors[:3]
    return threads * transactions / elapsed


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--transactions", type=int, default=100, help="per thread")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save-as", default="audit-lock", help="bench/results/<name>.json")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for threads in args.threads:
        rates: dict[int, list[float]] = {1: [], 16: []}
        for round_ in range(args.rounds):
            for chains in (1, 16) if round_ % 2 == 0 else (16, 1):
                settings.AUDIT_CHAINS = chains
                rates[chains].append(load(threads, args.transactions))
        single, pool = statistics.median(rates[1]), statistics.median(rates[16])
        results[str(threads)] = {
            "single_chain_per_s": {"median": single, "min": min(rates[1]), "max": max(rates[1])},
            "pool_per_s": {"median": pool, "min": min(rates[16]), "max": max(rates[16])},
            "ratio": pool / single,
        }
        print(
            f"{threads} connections: single chain {single:.0f}/s "
            f"({min(rates[1]):.0f}–{max(rates[1]):.0f}), pool of 16 {pool:.0f}/s "
            f"({min(rates[16]):.0f}–{max(rates[16]):.0f}): {pool / single:.2f}×",
            flush=True,
        )
    save(args.save_as, results)
    return results


if __name__ == "__main__":
    main()
