"""Intake under gunicorn: POST /api/v1/enquiries/ against a bare DRF create of the same row
(issue 9, item 2a; goal: at least 0.5x the baseline's throughput).

    .venv/bin/python bench/intake.py --database-url postgres://postgres@127.0.0.1:5432/tryggest_bench

One gunicorn (sync workers) serves both endpoints in the same run; rounds alternate which goes
first. Each load is bounded by time and by number of requests; every client is a thread with one
request at a time on loopback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BASELINE_BODY,
    SUBMISSION,
    bench_env,
    fmt,
    gunicorn,
    load,
    manage,
    save,
    summary,
)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="per load, at most")
    parser.add_argument("--max-requests", type=int, default=5_000, help="per load, at most")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--save-as", default="intake", help="bench/results/<name>.json")
    args = parser.parse_args(argv)

    env = bench_env(args.database_url, BENCH_BASELINE="1")
    manage(env, "migrate", "--no-input")
    key = manage(env, "create_service_key", "nav-tonsberg").stdout.strip().splitlines()[-1]
    ours = (
        "/api/v1/enquiries/",
        lambda i: SUBMISSION,
        lambda i: {"Authorization": f"Api-Key {key}"},
    )
    base = ("/bench/baseline/enquiries/", lambda i: BASELINE_BODY, None)

    results: dict = {"workers": args.workers, "by_clients": {}}
    with gunicorn(env, workers=args.workers) as port:
        for path, body, headers in (base, ours):  # warm up
            load(port, path, body, headers_for=headers, clients=2, seconds=2, max_requests=50)
        for clients in args.clients:
            rounds: dict[str, list] = {"intake": [], "baseline": []}
            for r in range(args.rounds):
                order = [("baseline", base), ("intake", ours)]
                if r % 2:
                    order.reverse()
                for name, (path, body, headers) in order:
                    rounds[name].append(
                        load(
                            port,
                            path,
                            body,
                            headers_for=headers,
                            clients=clients,
                            seconds=args.seconds,
                            max_requests=args.max_requests,
                        )
                    )
            row = {}
            for name, loads in rounds.items():
                row[name] = {
                    "throughput": summary([x.throughput for x in loads]),
                    "p50_ms": summary([x.percentile(0.5) * 1e3 for x in loads]),
                    "p95_ms": summary([x.percentile(0.95) * 1e3 for x in loads]),
                    "statuses": [x.statuses for x in loads],
                }
            row["ratio"] = (
                row["intake"]["throughput"]["median"] / row["baseline"]["throughput"]["median"]
            )
            results["by_clients"][clients] = row
            print(
                f"{clients:>3} clients  intake   {fmt(row['intake']['throughput'], ' req/s')}  "
                f"p50 {row['intake']['p50_ms']['median']:.1f} ms  p95 {row['intake']['p95_ms']['median']:.1f} ms"
            )
            print(
                f"{'':>3}          baseline {fmt(row['baseline']['throughput'], ' req/s')}  "
                f"p50 {row['baseline']['p50_ms']['median']:.1f} ms  p95 {row['baseline']['p95_ms']['median']:.1f} ms"
                f"  -> ratio {row['ratio']:.2f}x (goal >= 0.5x: {'met' if row['ratio'] >= 0.5 else 'NOT met'})"
            )
            bad = {
                k: v
                for x in rounds["intake"] + rounds["baseline"]
                for k, v in x.statuses.items()
                if k not in ("201",)
            }
            if bad:
                print(f"     non-201 answers: {bad}")
    save(args.save_as, results)
    return results


if __name__ == "__main__":
    main()
