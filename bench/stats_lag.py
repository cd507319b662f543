"""Issue 21, item 4: a year's statistics with the refresh N minutes behind, against the clean read.

    .venv/bin/python bench/stats_lag.py [--enquiries 100000] [--rounds 5] [--keep]

A database of its own (tryggest_bench_stats_lag, dropped at the end unless --keep): migrate,
generate ``--enquiries`` over one year (bench/generate.py, which ends with the roll-up's rebuild,
timed), then ``bench/measure.py --only stats``: the read clean and with the refresh 0.25, 1, 10
and 60 minutes behind at national volume (13 writes a minute), and the refresh by differences
that catches up. Prints the sizes of the roll-up's tables. Results in bench/results/.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env, create_database, drop_database, manage, psql
from bench.run import step

NAME = "tryggest_bench_stats_lag"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enquiries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    env = bench_env(create_database(NAME))
    try:
        print(f"== migrate {NAME}", flush=True)
        manage(env, "migrate", "--no-input")
        step(
            f"generate {args.enquiries} enquiries",
            ["bench/generate.py", "--enquiries", str(args.enquiries), "--no-progress"],
            env,
            1800,
        )
        step(
            "statistics: clean and with the refresh behind",
            ["bench/measure.py", "--only", "stats", "--rounds", str(args.rounds)],
            env,
            1800,
        )
        sizes = psql(
            "SELECT string_agg(relname || ' ' || n_live_tup || ' rows, ' || "
            "pg_size_pretty(pg_total_relation_size(relid)), '; ' ORDER BY relname) "
            "FROM pg_stat_user_tables WHERE relname LIKE 'stats_%' OR relname = 'intake_enquiry'",
            NAME,
        )
        print(f"\n== sizes: {sizes.strip()}", flush=True)
    finally:
        if not args.keep:
            drop_database(NAME)
    print(f"\n== done in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
