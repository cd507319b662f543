"""Staff reading an enquiry while services submit (issue 21): the logged detail read's latency at
``--staff`` concurrent staff, alone and while ``--services`` clients submit enquiries, same run.

    .venv/bin/python bench/detail_under_intake.py --database-url postgres://…/tryggest_bench

One gunicorn serves both loads; the staff read ``GET /api/v1/enquiries/{id}/`` (an audit event
per read) with a session signed in with both steps; the services POST ``/api/v1/enquiries/``
(an audit event per intake). Rounds alternate which load comes first. Run for each of
``--audit-chains`` (default 1 and 16): with one chain every audited read and write queue on one
head row, with the pool they do not, so the difference between the two is the lock's share; the
rest of any slowdown is the two loads sharing the machine's cores and gunicorn's workers.
Goal (issue 21): busy / alone at most 1.3x.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    SUBMISSION,
    LoadResult,
    bench_env,
    fmt,
    gunicorn,
    load,
    manage,
    save,
    staff_session_cookie,
    summary,
)

GOAL = 1.3
_NEWEST_OF_TEAM = (
    "from accounts.models import User; from intake.models import Enquiry; "
    "u = User.objects.get(username='{user}'); "
    "print(Enquiry.objects.filter(team=u.team).order_by('-received_at')"
    ".values_list('pk', flat=True).first())"
)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--staff", type=int, default=8)
    parser.add_argument("--services", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--audit-chains", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--user", default="bench-tonsberg-2", help="a team member's username")
    parser.add_argument("--save-as", default="detail-under-intake")
    args = parser.parse_args(argv)

    env = bench_env(args.database_url)
    key = manage(env, "create_service_key", "nav-tonsberg").stdout.strip().splitlines()[-1]
    cookie = staff_session_cookie(env, args.user)
    enquiry = (
        manage(env, "shell", "-c", _NEWEST_OF_TEAM.format(user=args.user))
        .stdout.strip()
        .splitlines()[-1]
    )
    detail = f"/api/v1/enquiries/{enquiry}/"

    def staff_load(port: int, seconds: float) -> LoadResult:
        return load(
            port,
            detail,
            lambda i: None,
            method="GET",
            headers_for=lambda i: {"Cookie": cookie},
            clients=args.staff,
            seconds=seconds,
            max_requests=1_000_000,
        )

    def submitting(port: int, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(
            target=load,
            args=(port, "/api/v1/enquiries/", lambda i: SUBMISSION),
            kwargs={
                "headers_for": lambda i: {"Authorization": f"Api-Key {key}"},
                "clients": args.services,
                "seconds": args.seconds + 30,
                "max_requests": 1_000_000,
                "stop": stop,
            },
            daemon=True,
        )
        thread.start()
        return thread

    results: dict = {"staff": args.staff, "services": args.services, "by_chains": {}}
    for chains in args.audit_chains:
        runs: dict[str, list] = {"alone": [], "busy": []}
        with gunicorn({**env, "AUDIT_CHAINS": str(chains)}, workers=args.workers) as port:
            staff_load(port, 2)  # warm up
            for r in range(args.rounds):
                order = ["alone", "busy"] if r % 2 == 0 else ["busy", "alone"]
                for kind in order:
                    if kind == "alone":
                        runs["alone"].append(staff_load(port, args.seconds))
                        continue
                    stop = threading.Event()
                    thread = submitting(port, stop)
                    time.sleep(1.0)  # the submissions under way before the staff start
                    runs["busy"].append(staff_load(port, args.seconds))
                    stop.set()
                    thread.join(timeout=60)
        row = {}
        for kind, loads in runs.items():
            row[kind] = {
                "p50_ms": summary([x.percentile(0.5) * 1e3 for x in loads]),
                "p95_ms": summary([x.percentile(0.95) * 1e3 for x in loads]),
                "reads_per_s": summary([x.throughput for x in loads]),
                "statuses": [x.statuses for x in loads],
            }
        row["ratio_p50"] = row["busy"]["p50_ms"]["median"] / row["alone"]["p50_ms"]["median"]
        results["by_chains"][chains] = row
        for kind in ("alone", "busy"):
            print(
                f"chains {chains:>2}  {args.staff} staff {kind:<5} p50 {fmt(row[kind]['p50_ms'], ' ms')}  "
                f"p95 {row[kind]['p95_ms']['median']:.1f} ms  "
                f"{row[kind]['reads_per_s']['median']:.1f} reads/s  {row[kind]['statuses'][0]}"
            )
        print(
            f"chains {chains:>2}  busy / alone (p50): {row['ratio_p50']:.2f}x "
            f"(goal <= {GOAL}x: {'met' if row['ratio_p50'] <= GOAL else 'NOT met'})"
        )
    if len(results["by_chains"]) > 1:
        ratios = {c: r["ratio_p50"] for c, r in results["by_chains"].items()}
        print(f"busy / alone by chains: {ratios}; median {statistics.median(ratios.values()):.2f}x")
    save(args.save_as, results)
    return results


if __name__ == "__main__":
    main()
