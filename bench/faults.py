"""Faults under load, each reporting what was lost (issue 9, item 3; goal: nothing).

    .venv/bin/python bench/faults.py [--quick] [--only redis postgres worker]

- redis: Redis is shut down in the middle of a burst of API submissions and started again;
- postgres: PostgreSQL is restarted in the middle of a burst: callers must get clear 503s (no
  hangs), and every 201 must be stored;
- worker: a process running the reminder sweep is killed (SIGKILL) half-way; another sweep
  finishes; every due reminder must exist exactly once and be e-mailed once.

The submitting clients behave as the contract asks of a service: each submission carries an
Idempotency-Key, and a 503 or a broken connection is retried with the same key (at most 6 times,
honouring Retry-After up to 5 s). "Lost" is then: a submission that never got its 201, a 201
whose enquiry is not in the database, or a key that created two enquiries.

Uses its own database (tryggest_bench_faults, dropped at the end). PostgreSQL and Redis are
running again when the script ends, whatever happened.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PYTHON,
    ROOT,
    SUBMISSION,
    bench_env,
    create_database,
    drop_database,
    gunicorn,
    manage,
    psql,
    request,
    save,
)

DB = "tryggest_bench_faults"
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]
PG_VERSION = "15"


def redis_up() -> bool:
    return (
        subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"], capture_output=True, timeout=5
        ).returncode
        == 0
    )


def ensure_redis() -> None:
    if redis_up():
        return
    os.makedirs("/var/lib/redis", exist_ok=True)
    os.makedirs("/var/log/redis", exist_ok=True)
    subprocess.run(REDIS_START, check=True, timeout=30)
    for _ in range(30):
        if redis_up():
            return
        time.sleep(0.5)
    raise RuntimeError("Redis did not start again")


def pg_up() -> bool:
    return (
        subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], timeout=10).returncode
        == 0
    )


def ensure_postgres() -> None:
    if pg_up():
        return
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "start"], timeout=120
    )
    for _ in range(60):
        if pg_up():
            return
        time.sleep(1)
    raise RuntimeError("PostgreSQL did not start again")


def burst(
    port: int,
    key: str,
    *,
    clients: int,
    per_client: int,
    fault: Any,
    at: float,
    timeout: float = 10,
) -> dict[str, Any]:
    """``clients`` threads submit ``per_client`` enquiries each, retrying with the same key;
    ``fault`` runs in its own thread after ``at`` seconds."""
    lock = threading.Lock()
    outcomes: dict[str, Any] = {
        "answers": {},
        "created": {},
        "never_created": [],
        "max_latency_s": 0.0,
        "retries": 0,
    }

    def client(n: int) -> None:
        for i in range(per_client):
            idem = f"fault-{n}-{i}-{uuid.uuid4().hex[:8]}"
            for attempt in range(7):
                start = time.perf_counter()
                try:
                    status, body = request(
                        port,
                        "POST",
                        "/api/v1/enquiries/",
                        SUBMISSION,
                        {"Authorization": f"Api-Key {key}", "Idempotency-Key": idem},
                        timeout=timeout,
                    )
                    answer = str(status)
                except OSError as exc:
                    status, body, answer = 0, b"", type(exc).__name__
                latency = time.perf_counter() - start
                with lock:
                    outcomes["answers"][answer] = outcomes["answers"].get(answer, 0) + 1
                    outcomes["max_latency_s"] = max(outcomes["max_latency_s"], latency)
                    if status == 201:
                        import json

                        outcomes["created"].setdefault(idem, set()).add(json.loads(body)["id"])
                if status == 201:
                    break
                with lock:
                    outcomes["retries"] += 1
                time.sleep(min(5.0, 0.5 * (attempt + 1)))
            else:
                with lock:
                    outcomes["never_created"].append(idem)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    fault_thread = threading.Thread(target=lambda: (time.sleep(at), fault()), daemon=True)
    started = time.monotonic()
    for t in threads:
        t.start()
    fault_thread.start()
    for t in threads:
        t.join(timeout=300)
    fault_thread.join(timeout=120)
    outcomes["seconds"] = round(time.monotonic() - started, 1)
    outcomes["hung_clients"] = sum(t.is_alive() for t in threads)
    return outcomes


def check_stored(outcomes: dict[str, Any]) -> dict[str, Any]:
    ids = [i for s in outcomes["created"].values() for i in s]
    stored = set()
    if ids:
        for chunk in range(0, len(ids), 500):
            part = ",".join(f"'{i}'" for i in ids[chunk : chunk + 500])
            stored |= set(psql(f"SELECT id FROM intake_enquiry WHERE id IN ({part})", DB).split())
    return {
        "submissions": len(outcomes["created"]) + len(outcomes["never_created"]),
        "answered_201": len(outcomes["created"]),
        "answers": outcomes["answers"],
        "retries": outcomes["retries"],
        "max_latency_s": round(outcomes["max_latency_s"], 2),
        "hung_clients": outcomes["hung_clients"],
        "never_created": len(outcomes["never_created"]),
        "201_not_stored": len([i for i in ids if i not in stored]),
        "duplicated_by_retry": sum(1 for s in outcomes["created"].values() if len(s) > 1),
    }


def lost(report: dict[str, Any]) -> int:
    return (
        report["never_created"]
        + report["201_not_stored"]
        + report["duplicated_by_retry"]
        + report["hung_clients"]
    )


def fault_redis(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    key = manage(env, "create_service_key", "nav-tonsberg").stdout.strip().splitlines()[-1]
    with gunicorn(env, workers=3) as port:

        def fault() -> None:
            subprocess.run(
                ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
                capture_output=True,
                timeout=10,
            )
            time.sleep(args.down)
            ensure_redis()

        try:
            outcomes = burst(
                port, key, clients=args.clients, per_client=args.per_client, fault=fault, at=args.at
            )
        finally:
            ensure_redis()
    report = check_stored(outcomes)
    report["lost"] = lost(report)
    return report


def fault_postgres(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    key = manage(env, "create_service_key", "nav-tonsberg").stdout.strip().splitlines()[-1]
    with gunicorn(env, workers=3) as port:

        def fault() -> None:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "restart"],
                capture_output=True,
                timeout=120,
            )

        try:
            outcomes = burst(
                port, key, clients=args.clients, per_client=args.per_client, fault=fault, at=args.at
            )
        finally:
            ensure_postgres()
    report = check_stored(outcomes)
    report["lost"] = lost(report)
    report["got_503"] = outcomes["answers"].get("503", 0)
    return report


def fault_worker(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    mail_dir = ROOT / "bench" / "results" / "fault-mail"
    subprocess.run(["rm", "-rf", str(mail_dir)], check=True)
    mail_dir.mkdir(parents=True)
    env = {
        **env,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    now = dt.datetime.now(dt.UTC)
    # Every staff user gets an address; `due` open enquiries become due and unclaimed.
    psql("UPDATE accounts_user SET email = username || '@example.no'", DB)
    psql("DELETE FROM casework_reminder", DB)
    # Everything else counts as already reminded; then `due` open enquiries become due, unclaimed.
    psql(
        "UPDATE intake_enquiryclock SET reminded_at = COALESCE(reminded_at, now()), "
        "escalated_at = COALESCE(escalated_at, now()) WHERE kind <> ''",
        DB,
    )
    psql(
        "UPDATE routing_referral SET reminded_at = COALESCE(reminded_at, now()), "
        "escalated_at = COALESCE(escalated_at, now()) WHERE state = 'sent'",
        DB,
    )
    psql(
        f"""UPDATE intake_enquiryclock SET due_at = now() - interval '1 hour', reminded_at = NULL,
             escalate_at = now() + interval '1 day', escalated_at = NULL, paused_until = NULL
             WHERE enquiry_id IN (SELECT c.enquiry_id FROM intake_enquiryclock c
                                  JOIN intake_enquiry e ON e.id = c.enquiry_id
                                  WHERE c.kind <> '' AND e.state <> 'closed'
                                  ORDER BY c.enquiry_id LIMIT {args.due})""",
        DB,
    )
    due = int(
        psql(
            "SELECT count(*) FROM intake_enquiryclock WHERE reminded_at IS NULL AND due_at <= now()",
            DB,
        )
    )
    sweep = [PYTHON, "manage.py", "send_reminders", "--now", now.isoformat()]
    victim = subprocess.Popen(
        sweep, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # Kill it once it has recorded part of the work.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and victim.poll() is None:
        done = int(psql("SELECT count(DISTINCT enquiry_id) FROM casework_reminder", DB))
        if done >= max(1, due // 4):
            break
        time.sleep(0.05)
    killed_after = int(psql("SELECT count(DISTINCT enquiry_id) FROM casework_reminder", DB))
    if victim.poll() is None:
        victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    # The next sweeps (the scheduler's next runs): now, then after the e-mail retry interval.
    for moment in (now, now + dt.timedelta(minutes=11), now + dt.timedelta(minutes=22)):
        for _ in range(3):  # a sweep takes at most SWEEP_BATCH items per step
            subprocess.run(
                [PYTHON, "manage.py", "send_reminders", "--now", moment.isoformat()],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            )
    reminded = int(
        psql("SELECT count(DISTINCT enquiry_id) FROM casework_reminder WHERE kind = 'reminder'", DB)
    )
    duplicates = int(
        psql(
            "SELECT count(*) FROM (SELECT enquiry_id, kind, deadline, recipient_user_id, count(*) FROM casework_reminder "
            "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d",
            DB,
        )
    )
    rows = int(psql("SELECT count(*) FROM casework_reminder WHERE email <> ''", DB))
    unmailed = int(
        psql("SELECT count(*) FROM casework_reminder WHERE email <> '' AND mailed_at IS NULL", DB)
    )
    recipients: dict[str, int] = {}
    for path in mail_dir.iterdir():
        text = path.read_text(errors="replace")
        for message in text.split(
            "\n-------------------------------------------------------------------------------\n"
        ):
            to = subject = ""
            for line in message.splitlines():
                if line.startswith("To: "):
                    to = line[4:]
                elif line.startswith("Subject: "):
                    subject = line[9:]
            if to:
                recipients[f"{to}|{subject}"] = recipients.get(f"{to}|{subject}", 0) + 1
    mails = sum(recipients.values())
    report = {
        "due": due,
        "killed_after_enquiries": killed_after,
        "victim_exit": victim.returncode,
        "enquiries_reminded": reminded,
        "missing": due - reminded,
        "duplicate_reminders": duplicates,
        "reminder_rows_with_address": rows,
        "emails": mails,
        # A worker killed between handing an e-mail to the server and marking it sent: the retry
        # sends it again (at-least-once delivery of the e-mail; the reminder itself is once).
        "emails_sent_again_after_kill": mails - rows,
        "reminders_never_mailed": unmailed,
    }
    report["lost"] = (
        report["missing"] + report["duplicate_reminders"] + report["reminders_never_mailed"]
    )
    return report


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=["redis", "postgres", "worker"])
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    args.clients, args.per_client, args.at, args.down, args.due = (
        (4, 15, 1.0, 1.0, 60) if args.quick else (8, 60, 3.0, 3.0, 1000)
    )
    url = create_database(DB)
    env = bench_env(url)
    results: dict[str, Any] = {}
    try:
        manage(env, "migrate", "--no-input")
        subprocess.run(
            [
                PYTHON,
                "bench/generate.py",
                "--enquiries",
                "1000" if args.quick else "20000",
                "--no-progress",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
        for name, fault in (
            ("redis", fault_redis),
            ("postgres", fault_postgres),
            ("worker", fault_worker),
        ):
            if name not in args.only:
                continue
            try:
                results[name] = fault(env, args)
            finally:
                ensure_postgres()
                ensure_redis()
            print(f"fault {name:<9} lost {results[name]['lost']}: {results[name]}")
        check = manage(env, "verify_audit", check=False)
        results["audit_chain_after_faults"] = check.stdout.strip()
        print(f"fault audit     {check.stdout.strip()}")
        if check.returncode:
            results["audit_chain_broken"] = True
    finally:
        ensure_postgres()
        ensure_redis()
        if not args.keep_database:
            drop_database(DB)
    save("faults-quick" if args.quick else "faults", results)
    total = sum(r.get("lost", 0) for r in results.values() if isinstance(r, dict))
    print(f"faults: {total} lost in all (goal: nothing)")
    return results


if __name__ == "__main__":
    main()
