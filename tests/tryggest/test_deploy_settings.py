"""The production setup as documented: `check --deploy` with .env.example's values, the compose
file, and /readyz with Redis unreachable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _sep, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_check_deploy_with_the_production_example_values_reports_nothing() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(env_example())
    env["DJANGO_SETTINGS_MODULE"] = "tryggest.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_example_documents_every_setting_the_settings_read() -> None:
    documented = set(env_example())
    commented = {
        line.lstrip("# ").split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.startswith("# ") and "=" in line.split(" ", 2)[1]
    }
    source = (ROOT / "tryggest" / "settings.py").read_text()
    import re

    read = set(re.findall(r'env_(?:str|bool|int|list|cache)\(\s*"([A-Z0-9_]+)"', source))
    read -= {"BENCH_BASELINE", "DB_CONN_MAX_AGE", "DB_CONNECT_TIMEOUT", "AXES_ENABLED"}
    missing = read - documented - commented
    assert not missing, f"not in .env.example: {sorted(missing)}"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_needs_no_hand_made_env_file(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for entry in service.get("env_file", []):
            assert isinstance(entry, dict) and entry.get("required") is False, name
    # The keys the settings require come from the entrypoint when they are not given.
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert "SECRET_KEY" in entrypoint and "AUDIT_HMAC_KEY" in entrypoint
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert "collectstatic" in dockerfile
    assert os.access(ROOT / "docker" / "entrypoint.sh", os.X_OK)


def test_every_long_running_container_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name == "migrate":
            assert service.get("restart") == "no"  # a one-off job: it exits
            continue
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name


def test_compose_uses_redis_for_the_cache_and_waits_for_healthy_dependencies(
    compose: dict[str, Any],
) -> None:
    web = compose["services"]["web"]
    assert web["environment"]["CACHE_URL"].endswith("redis://redis:6379/1}")
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    migrate = compose["services"]["migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["depends_on"]["redis"]["condition"] == "service_healthy"


def test_the_entrypoint_generates_keys_once_and_keeps_them(tmp_path: Path) -> None:
    script = (ROOT / "docker" / "entrypoint.sh").read_text().replace("/app/var/keys", str(tmp_path))
    runner = tmp_path / "entrypoint.sh"
    runner.write_text(script)
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "AUDIT_HMAC_KEY"}}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    show = ["sh", str(runner), "sh", "-c", 'echo "$SECRET_KEY $AUDIT_HMAC_KEY"']
    first = subprocess.run(show, env=env, capture_output=True, text=True, timeout=30, check=True)
    second = subprocess.run(show, env=env, capture_output=True, text=True, timeout=30, check=True)
    secret, audit = first.stdout.split()
    assert len(secret) >= 50 and secret != audit
    assert first.stdout == second.stdout
    given = subprocess.run(
        show, env={**env, "SECRET_KEY": "given"}, capture_output=True, text=True, timeout=30
    )
    assert given.stdout.split()[0] == "given"


@pytest.fixture
def silent_port() -> Any:
    """A port on loopback that accepts connections and never answers (a hung Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.mark.django_db
@pytest.mark.parametrize("redis", ["closed", "hung"])
def test_readyz_answers_within_a_second_with_redis_down(
    redis: str, silent_port: int, settings: Any, client: Any, monkeypatch: Any
) -> None:
    from django.core.cache import caches

    from kernel.env import env_cache
    from tryggest.celery import app

    port = silent_port if redis == "hung" else _closed_port()
    url = f"redis://127.0.0.1:{port}/0"
    monkeypatch.setenv("TEST_CACHE_URL", url)
    settings.CACHES = {**settings.CACHES, "default": env_cache("TEST_CACHE_URL", url)}
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", url)
    # Celery reads CELERY_BROKER_URL from the environment before its own settings (the
    # PostgreSQL pass of .ci/run sets it to the real Redis).
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        caches["default"].close()
    assert response.status_code == 200  # the database answers; intake works without Redis
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("unavailable"), body
    assert body["cache"].startswith("unavailable"), body
    assert elapsed < 1.0, f"/readyz took {elapsed:.2f} s with Redis {redis}"
