"""API latency for ordinary callers while 8 clients guess passwords (issue 15).

Three rounds against gunicorn (3 workers, DEBUG off, the production password hasher):

- ``quiet``: only the ordinary callers (a service key reading ``/api/v1/services/``);
- ``guessing``: the same while 8 clients post wrong passwords to ``/admin/login/`` (half at one
  account, half at made-up names), with the sign-in limits on (django-axes: refused before the
  password is hashed once an account or address is locked);
- ``guessing, no limits``: the same with ``AXES_ENABLED=False``, to show what the limits prevent
  (every guess hashes a password: PBKDF2 fills the workers).

Goal: the ordinary callers' median and 90th percentile while guessing ≤ 1.5× quiet.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tryggest_i15 \\
        .venv/bin/python bench/signin_guessing.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import threading
import time
from typing import Any

from bench.common import bench_env, gunicorn, manage, save

GUESSERS = 8
CALLERS = 2
PASSWORD = "bench-correct-horse-2026"  # noqa: S105 - the benchmark user's


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    finally:
        conn.close()


def csrf(port: int) -> tuple[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/admin/login/")
        response = conn.getresponse()
        html = response.read().decode()
        cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
        cookie = re.search(r"csrftoken=([^;]+)", cookies)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert cookie and token, "no CSRF token on the sign-in page"
        return cookie.group(1), token.group(1)
    finally:
        conn.close()


def guess(port: int, cookie: str, token: str, username: str, n: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = f"csrfmiddlewaretoken={token}&username={username}&password=guess-{n}"
    try:
        conn.request(
            "POST",
            "/admin/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "Referer": f"http://127.0.0.1:{port}/admin/login/",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def round_(port: int, key: str, seconds: float, guessing: bool) -> dict[str, Any]:
    stop = threading.Event()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    guesses: dict[int, int] = {}
    lock = threading.Lock()

    def caller() -> None:
        while not stop.is_set():
            status, elapsed = get(port, "/api/v1/services/", {"Authorization": f"Api-Key {key}"})
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(elapsed)

    def guesser(n: int) -> None:
        cookie, token = csrf(port)
        i = 0
        while not stop.is_set() and i < 10_000:
            username = "bench-alice" if n % 2 == 0 else f"nobody-{n}-{i}"
            try:
                status = guess(port, cookie, token, username, i)
            except OSError:
                status = 0
            with lock:
                guesses[status] = guesses.get(status, 0) + 1
            i += 1

    # The ordinary callers' numbers are what is measured; a guesser that cannot even start
    # would make the comparison meaningless, so it fails loudly (assert in csrf()).
    threads = [threading.Thread(target=caller, daemon=True) for _ in range(CALLERS)]
    if guessing:
        threads += [threading.Thread(target=guesser, args=(n,), daemon=True) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(ordered[int(0.9 * len(ordered))] * 1000, 1),
        "statuses": statuses,
        "guesses": guesses,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    database_url = os.environ["DATABASE_URL"]
    env = bench_env(database_url, API_THROTTLE_SERVICE="100000000/min")
    env.pop("CELERY_BROKER_URL", None)
    manage(env, "migrate", "--no-input")
    manage(
        env,
        "shell",
        "-c",
        "from axes.models import AccessAttempt; AccessAttempt.objects.all().delete()",
    )
    manage(
        {**env, "TRYGGEST_PASSWORD": PASSWORD},
        "shell",
        "-c",
        "from accounts.models import User\n"
        "from accounts.services import user_create\n"
        "User.objects.filter(username='bench-alice').exists() or user_create("
        "username='bench-alice', password='" + PASSWORD + "', roles=['team_member'])",
    )
    key = manage(env, "create_service_key", "nav-tonsberg").stdout.strip().split()[-1]
    results: dict[str, Any] = {}
    for name, extra, guessing in (
        ("quiet", {}, False),
        ("guessing", {}, True),
        ("guessing, no limits", {"AXES_ENABLED": "False"}, True),
    ):
        manage(
            env,
            "shell",
            "-c",
            "from axes.models import AccessAttempt; AccessAttempt.objects.all().delete()",
        )
        with gunicorn({**env, **extra}, workers=3) as port:
            get(port, "/api/v1/services/", {"Authorization": f"Api-Key {key}"})  # warm up
            results[name] = round_(port, key, args.seconds, guessing)
        print(name, results[name])
    quiet = results["quiet"]
    for name in ("guessing", "guessing, no limits"):
        r = results[name]
        r["median_ratio"] = round(r["median_ms"] / quiet["median_ms"], 2)
        r["p90_ratio"] = round(r["p90_ms"] / quiet["p90_ms"], 2)
    results["goal"] = "median and p90 while guessing <= 1.5x quiet"
    results["met"] = (
        results["guessing"]["median_ratio"] <= 1.5 and results["guessing"]["p90_ratio"] <= 1.5
    )
    save("signin_guessing", results)
    print(results)


if __name__ == "__main__":
    main()
