"""The documented production setup, for real: `collectstatic` (hashed, compressed files) and
gunicorn with DEBUG off. The admin's and the residents' form's style sheets answer 200 with a
year's cache (they were 404s: nothing served /static/ in production), and each kind of answer
carries its headers."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "tryggest.test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("gunicorn is a dependency of the project and must be installed")
    workdir = tmp_path_factory.mktemp("production")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        {
            "DEBUG": "False",
            "SECRET_KEY": "production-test-" + "k" * 50,
            "AUDIT_HMAC_KEY": "production-test-audit-key",
            "ALLOWED_HOSTS": HOST,
            "STATIC_ROOT": str(workdir / "static"),
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "BEHIND_TLS_PROXY": "True",  # the TLS proxy's X-Forwarded-Proto is trusted
            # Production has the reception's number (website.E001 refuses to start without it).
            "TRYGGEST_TEAM_PHONE": "+47 00 00 00 00",
            "TRYGGEST_DATA_PROTECTION_OFFICER": "personvernombud@example.kommune.no",
            "DJANGO_SETTINGS_MODULE": "tryggest.settings",
        }
    )
    env.pop("CELERY_BROKER_URL", None)
    python = sys.executable
    for command in (["collectstatic", "--no-input"], ["migrate", "--no-input"]):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
            capture_output=True,
        )
    port = _free_port()
    gunicorn = Path(python).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "tryggest.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get(base, "/healthz")
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


def get(base: str, path: str, **headers: str) -> Answer:
    request = urllib.request.Request(  # noqa: S310 - our own gunicorn on loopback
        base + path,
        headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return Answer(
                answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
            )
    except urllib.error.HTTPError as error:
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def stylesheets(html: bytes) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+\.css)"', html.decode())


def assert_served_for_a_year(base: str, path: str) -> None:
    assert re.search(r"\.[0-9a-f]{12}\.css$", path), f"not a hashed name: {path}"
    answer = get(base, path, **{"Accept-Encoding": "br, gzip"})
    assert answer.status == 200, path
    assert answer.headers["content-type"].startswith("text/css")
    cache = answer.headers["cache-control"]
    assert "max-age=315360000" in cache and "immutable" in cache, cache
    assert "no-store" not in cache
    assert answer.headers.get("content-encoding") in {"br", "gzip"}, "served compressed"


def test_the_admins_style_sheets_are_served_for_a_year(server: str) -> None:
    page = get(server, "/admin/login/")
    assert page.status == 200
    sheets = stylesheets(page.body)
    assert any("/static/admin/css/base." in s for s in sheets), sheets
    for sheet in sheets:
        assert_served_for_a_year(server, sheet)


def test_the_residents_style_sheet_is_served_for_a_year(server: str) -> None:
    page = get(server, "/meld/")
    assert page.status == 200
    sheets = stylesheets(page.body)
    assert sheets, "the form links its style sheet"
    for sheet in sheets:
        assert_served_for_a_year(server, sheet)


def test_the_favicon(server: str) -> None:
    answer = get(server, "/favicon.ico")
    assert answer.status == 200
    assert answer.body[:4] == b"\x00\x00\x01\x00"


def test_headers_per_page_kind(server: str) -> None:
    hsts = "max-age=31536000; includeSubDomains; preload"
    for path, policy in (
        ("/admin/login/", "default-src 'self'"),
        ("/meld/", "default-src 'none'"),
        ("/api/v1/docs/", "default-src 'self'"),
    ):
        answer = get(server, path)
        assert answer.status == 200, path
        assert answer.headers["strict-transport-security"] == hsts, path
        assert policy in answer.headers["content-security-policy"], path
        assert "no-store" in answer.headers["cache-control"], path
    refused = get(server, "/api/v1/enquiries/")
    assert refused.status == 401
    assert "no-store" in refused.headers["cache-control"]
    assert refused.headers["strict-transport-security"] == hsts
    # Plain HTTP (no TLS proxy header) is sent to HTTPS; the health check is not.
    plain = urllib.request.Request(  # noqa: S310
        server + "/admin/login/", headers={"Host": HOST}
    )
    opener = urllib.request.build_opener(NoRedirect())
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(plain, timeout=10)
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"] == f"https://{HOST}/admin/login/"
    health = urllib.request.Request(server + "/healthz", headers={"Host": HOST})  # noqa: S310
    with opener.open(health, timeout=10) as answer:
        assert answer.status == 200


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
