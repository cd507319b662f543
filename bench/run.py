"""`make bench`: every benchmark and fault of issue 9 in one run, results in bench/results/.

    .venv/bin/python bench/run.py            # 1,000,000 enquiries (about 30 minutes in all)
    .venv/bin/python bench/run.py --quick    # a small size in under 2 minutes (.ci/run)

Each part uses its own PostgreSQL database (tryggest_bench, tryggest_bench_quick,
tryggest_bench_faults), dropped at the end unless --keep. Any failure stops the run with a
non-zero exit; PostgreSQL and Redis are left running whatever happens.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, bench_env, create_database, drop_database, manage


def step(title: str, args: list[str], env: dict[str, str], timeout: int) -> None:
    print(f"\n== {title}", flush=True)
    started = time.monotonic()
    subprocess.run([PYTHON, *args], cwd=ROOT, env=env, check=True, timeout=timeout)
    print(f"   ({time.monotonic() - started:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--enquiries", type=int, default=None)
    parser.add_argument("--audit-events", type=int, default=0)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure an already generated tryggest_bench instead of generating it",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases at the end")
    parser.add_argument(
        "--database", default=None, help="the database's name (default tryggest_bench[_quick])"
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["intake", "measure", "detail", "lock", "busy", "faults"],
    )
    args = parser.parse_args()
    quick = args.quick
    name = args.database or ("tryggest_bench_quick" if quick else "tryggest_bench")
    enquiries = args.enquiries or (3_000 if quick else 1_000_000)
    started = time.monotonic()
    url = f"postgres://postgres@127.0.0.1:5432/{name}" if args.reuse else create_database(name)
    env = bench_env(url)
    try:
        if not args.reuse:
            print(f"== migrate {name}", flush=True)
            manage(env, "migrate", "--no-input")
            gen = ["bench/generate.py", "--enquiries", str(enquiries)]
            if args.audit_events:
                gen += ["--audit-events", str(args.audit_events)]
            step(
                f"generate {enquiries} enquiries",
                gen + (["--no-progress"] if quick else []),
                env,
                3600,
            )
        if "measure" not in args.skip:
            step(
                "statistics, admin, reminder sweep, verify_audit",
                [
                    "bench/measure.py",
                    *(
                        ["--rounds", "2", "--due", "50"]
                        if quick
                        # Reading 10 M events through the ORM (the old code's floor, 2e) would
                        # add ten minutes; the plain read stays as the baseline.
                        else [
                            "--rounds",
                            "5",
                            "--due",
                            "1000",
                            "--verify-rounds",
                            "2",
                            "--no-orm-read",
                        ]
                    ),
                ],
                env,
                3600,
            )
        if "intake" not in args.skip:
            step(
                "intake under gunicorn against the bare DRF baseline",
                [
                    "bench/intake.py",
                    "--database-url",
                    url,
                    *(
                        [
                            "--clients",
                            "1",
                            "8",
                            "--rounds",
                            "1",
                            "--seconds",
                            "1",
                            "--max-requests",
                            "60",
                            "--save-as",
                            "intake-quick",
                        ]
                        if quick
                        else ["--rounds", "3", "--seconds", "8"]
                    ),
                ],
                env,
                1800,
            )
        if "busy" not in args.skip:
            step(
                "staff reading an enquiry while services submit, one chain against the pool",
                [
                    "bench/detail_under_intake.py",
                    "--database-url",
                    url,
                    *(
                        [
                            "--rounds",
                            "1",
                            "--seconds",
                            "1",
                            "--save-as",
                            "detail-under-intake-quick",
                        ]
                        if quick
                        else ["--rounds", "3", "--seconds", "8"]
                    ),
                ],
                env,
                1800,
            )
        if "lock" not in args.skip:
            step(
                "audited commits under concurrency, one chain against the pool",
                [
                    "bench/audit_lock.py",
                    *(
                        [
                            "--threads",
                            "8",
                            "--transactions",
                            "5",
                            "--rounds",
                            "1",
                            "--save-as",
                            "audit-lock-quick",
                        ]
                        if quick
                        else ["--threads", "8", "32", "--transactions", "100", "--rounds", "3"]
                    ),
                ],
                env,
                1800,
            )
        if "detail" not in args.skip:
            step(
                "access-logged enquiry detail against the same view without the log write",
                [
                    "bench/audit_detail.py",
                    *(
                        ["--rounds", "2", "--n", "5", "--prefill", "100"]
                        if quick
                        else ["--rounds", "5", "--n", "100"]
                    ),
                ],
                env,
                1800,
            )
        check = manage(env, "verify_audit", check=False)
        print(f"\n== verify_audit after the measurements: {check.stdout.strip()}", flush=True)
        if check.returncode:
            raise SystemExit("the audit chain is broken after the benchmark")
        if "faults" not in args.skip:
            step(
                "faults: Redis stopped, PostgreSQL restarted, a sweeping worker killed",
                ["bench/faults.py", *(["--quick"] if quick else [])],
                env,
                1800,
            )
    finally:
        if not args.keep:
            drop_database(name)
    print(
        f"\n== bench {'--quick ' if quick else ''}done in {time.monotonic() - started:.0f} s; "
        "results in bench/results/",
        flush=True,
    )


if __name__ == "__main__":
    main()
