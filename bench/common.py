"""What the benchmark and fault scripts share: the environment, a gunicorn server, a bounded
HTTP load loop, and the summary of repeated rounds (median and spread)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
RESULTS = ROOT / "bench" / "results"

SUBMISSION: dict[str, Any] = {
    "reporter": {
        "type": "municipal_service",
        "name": "Kari Nordmann",
        "phone": "+47 912 34 567",
        "organisation": "Hjemmesykepleien Øst",
    },
    "subject": {
        "name": "Ola Hansen",
        "birth_year": 1940,
        "gender": "male",
        "consents_to_forwarding": True,
    },
    "risk_factors": ["old_age"],
    "violence_types": ["economic", "psychological"],
    "perpetrator_relation": "adult_child",
    "location": "own_home",
    "description": "Sønnen styrer økonomien og truer ham.",
    "immediate_danger": False,
    "children_in_household": False,
}
# The same row for the baseline's flat serializer.
BASELINE_BODY: dict[str, Any] = {
    "reporter_type": "municipal_service",
    "reporter_name": "Kari Nordmann",
    "reporter_phone": "+47 912 34 567",
    "reporter_organisation": "Hjemmesykepleien Øst",
    "subject_name": "Ola Hansen",
    "subject_birth_year": 1940,
    "subject_gender": "male",
    "subject_consents_to_forwarding": True,
    "risk_factors": ["old_age"],
    "violence_types": ["economic", "psychological"],
    "perpetrator_relation": "adult_child",
    "location": "own_home",
    "description": "Sønnen styrer økonomien og truer ham.",
    "immediate_danger": False,
    "children_in_household": False,
}


def bench_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "False",
            "SECRET_KEY": env.get("SECRET_KEY", "bench-secret-key"),
            "AUDIT_HMAC_KEY": env.get("AUDIT_HMAC_KEY", "bench-audit-key"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            # The residents' pages need the team's phone, or the server refuses to start
            # (website.checks); the benchmarks never show it to anyone.
            "TRYGGEST_TEAM_PHONE": env.get("TRYGGEST_TEAM_PHONE", "12 34 56 78"),
            # One service sends the whole load: its per-key throttle is not what is measured.
            "API_THROTTLE_SERVICE": "100000000/min",
            "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14"),
            "PYTHONUNBUFFERED": "1",
            # The benchmark speaks plain HTTP to gunicorn on loopback (production redirects it).
            "SECURE_SSL_REDIRECT": "False",
            # Pages render without collectstatic's manifest (which takes minutes to build).
            "STATIC_HASHED": "False",
            # The team's notices of new enquiries go nowhere: an SMTP relay's latency is not
            # what is measured (without one, every intake would log a refused connection).
            "EMAIL_BACKEND": env.get(
                "EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend"
            ),
        }
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=check,
        capture_output=True,
        text=True,
        timeout=600,
    )


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-qAtX", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout


def create_database(name: str) -> str:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


# Run by `manage.py shell`: a staff session signed in with both steps, as the sign-in leaves it
# (django-otp marks the session verified with a device), for requests over HTTP.
_STAFF_SESSION = """
import os
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from accounts.models import User
user = User.objects.get(username=os.environ["BENCH_STAFF"])
device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "accounts.signin.StaffPasswordBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.create()
print(settings.SESSION_COOKIE_NAME, session.session_key)
"""


def staff_session_cookie(env: dict[str, str], username: str) -> str:
    """A ``Cookie`` header value for ``username`` signed in with both steps."""
    out = manage({**env, "BENCH_STAFF": username}, "shell", "-c", _STAFF_SESSION).stdout
    name, key = out.strip().splitlines()[-1].split()
    return f"{name}={key}"


def drop_database(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 5, timeout: int = 30) -> Iterator[int]:
    """A gunicorn serving the project on a free loopback port; stopped (by its pid) at the end."""
    port = free_port()
    log = open(RESULTS / "gunicorn.log", "a")  # noqa: SIM115 - held by gunicorn until it stops
    proc = subprocess.Popen(
        [
            GUNICORN,
            "tryggest.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            str(timeout),
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine imports Django slowly
        while time.monotonic() < deadline:
            try:
                status, _ = request(port, "GET", "/healthz", None, timeout=2)
                if status in (200, 503):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start; see bench/results/gunicorn.log")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def request(
    port: int,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(
            method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of 2xx answers
    statuses: dict[str, int] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # ids from 201 bodies

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def load(
    port: int,
    path: str,
    body_for: Any,
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    headers_for: Any = None,
    timeout: float = 10,
    stop: threading.Event | None = None,
    method: str = "POST",
) -> LoadResult:
    """``clients`` threads send ``method`` (a body from ``body_for(i)``; ``None`` for none)
    until ``seconds`` pass or ``max_requests`` are sent in all."""
    lock = threading.Lock()
    result = LoadResult(seconds=0.0)
    sent = [0]
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            with lock:
                if sent[0] >= max_requests:
                    return
                sent[0] += 1
                i = sent[0]
            headers = headers_for(i) if headers_for else {}
            start = time.perf_counter()
            try:
                status, payload = request(port, method, path, body_for(i), headers, timeout=timeout)
                key = str(status)
            except (OSError, http.client.HTTPException) as exc:
                status, payload, key = 0, b"", type(exc).__name__
            elapsed = time.perf_counter() - start
            with lock:
                result.statuses[key] = result.statuses.get(key, 0) + 1
                if 200 <= status < 300:
                    result.latencies.append(elapsed)
                    if status == 201:
                        with contextlib.suppress(ValueError, KeyError):
                            result.created.append(json.loads(payload).get("id", ""))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + timeout + 5)
    result.seconds = time.monotonic() - started
    return result


def summary(values: list[float]) -> dict[str, float]:
    """Median and spread (min and max) of repeated rounds."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "rounds": len(values),
    }


def fmt(s: dict[str, float], unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
    return (
        f"{s['median'] * scale:.{digits}f}{unit} (range {s['min'] * scale:.{digits}f}–"
        f"{s['max'] * scale:.{digits}f}, {s['rounds']} rounds)"
    )


def save(name: str, data: Any) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path
