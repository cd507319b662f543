"""A body sent without Content-Length (chunked) is read whole, or refused with 411: never read as
empty.

Issue 14, fault 14: a chunked ``POST /api/v1/enquiries/`` was answered "reporter/description
required": Django reads ``Content-Length`` bytes of a body, and a chunked request has none. The
same went for every other door that takes a body, the residents' form (/meld/) among them.
Django's test client cannot send a chunked body, so these run gunicorn, as production does, on a
free loopback port against the test's data (PostgreSQL: the test database; SQLite: a copy of it),
and speak HTTP to it. A server that does not decode chunked bodies for the application (Django's
development server) must answer 411; that is what the test client shows.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from intake.models import Enquiry
from intake.public_forms import form_started_token
from routing.services import service_key_create
from tests.api.conftest import submission

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESCRIPTION = "Sønnen styrer økonomien og truer ham. " * 40  # a body of several chunks


def _server_database(tmp_path: Path) -> str:
    """A database URL the server process can open with what this test committed."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db["USER"] or "")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # SQLite's test database lives in this process's memory: the server gets a copy of it.
    copy = tmp_path / "served.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{copy}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """gunicorn serving the project on a free loopback port; stopped at the end of the test."""
    key = service_key_create(slug="nav-tonsberg", name="NAV Tønsberg")[1]
    database = _server_database(tmp_path)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DB_CONN_MAX_AGE": "0",
        "DEBUG": "False",
        "SECRET_KEY": settings.SECRET_KEY,
        "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "False",
        # Plain HTTP on loopback: no redirect to HTTPS (the TLS proxy's job in production).
        "SECURE_SSL_REDIRECT": "False",
        # Static files straight from the apps (no collectstatic manifest in a test).
        "STATIC_HASHED": "False",
        "CELERY_BROKER_URL": "",
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [GUNICORN, "tryggest.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if send(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail((tmp_path / "gunicorn.log").read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield {"port": port, "key": key, "database": database}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def send(
    port: int,
    method: str,
    path: str,
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request. A body given as an iterable of parts goes chunked, without Content-Length."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def in_chunks(data: bytes, size: int = 100) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def stored_description(served: dict[str, Any], pk: str) -> str:
    """What the server stored, read from its database."""
    if served["database"].startswith("sqlite:///"):
        with sqlite3.connect(served["database"].removeprefix("sqlite:///")) as db:
            (description,) = db.execute(
                "SELECT description FROM intake_enquiry WHERE id = ?", [pk.replace("-", "")]
            ).fetchone()
        return description
    return Enquiry.objects.get(pk=pk).description


def test_a_chunked_submission_is_read_whole(served: dict[str, Any]) -> None:
    body = json.dumps(submission(description=DESCRIPTION)).encode()
    status, _headers, answer = send(
        served["port"],
        "POST",
        "/api/v1/enquiries/",
        in_chunks(body),
        {"Authorization": f"Api-Key {served['key']}", "Content-Type": "application/json"},
    )
    assert status == 201, answer
    assert stored_description(served, json.loads(answer)["id"]) == DESCRIPTION


def test_a_chunked_body_over_the_limit_is_413(served: dict[str, Any]) -> None:
    body = json.dumps(submission(description="x" * (settings.API_MAX_BODY_BYTES + 10))).encode()
    status, _headers, answer = send(
        served["port"],
        "POST",
        "/api/v1/enquiries/",
        in_chunks(body, 8192),
        {"Authorization": f"Api-Key {served['key']}", "Content-Type": "application/json"},
    )
    assert status == 413, answer
    assert "detail" in json.loads(answer)


def test_the_residents_form_sent_chunked_is_received(served: dict[str, Any]) -> None:
    port = served["port"]
    status, headers, page = send(port, "GET", "/meld/")
    assert status == 200
    cookie = SimpleCookie(headers["Set-Cookie"])
    csrf_cookie = cookie[settings.CSRF_COOKIE_NAME].value
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "started": form_started_token(time.time() - 120),
            "website": "",
            "description": DESCRIPTION,
            "reporter_type": "anonymous",
        }
    ).encode()
    status, _headers, page = send(
        port,
        "POST",
        "/meld/",
        in_chunks(form),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{settings.CSRF_COOKIE_NAME}={csrf_cookie}",
        },
    )
    assert status == 200, page[:2000]
    assert b'id="receipt-code"' in page


def test_a_body_of_unknown_length_is_refused_with_411_where_it_cannot_be_read() -> None:
    """A server that hands the application a chunked body undecoded (no wsgi.input_terminated,
    as Django's development server and the test client do): 411, in the API's error shape."""
    client = Client()
    response = client.generic(
        "POST",
        "/api/v1/enquiries/",
        b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]
    page = client.generic("POST", "/meld/", b"", HTTP_TRANSFER_ENCODING="chunked")
    assert page.status_code == 411


# The request itself is malformed on purpose: the schema validator cannot read its body's length.
@pytest.mark.not_in_schema
def test_a_content_length_that_is_no_length_is_400() -> None:
    response = Client().generic(
        "POST", "/api/v1/enquiries/", b"{}", content_type="application/json", CONTENT_LENGTH="zwei"
    )
    assert response.status_code == 400
    assert "Content-Length" in response.json()["detail"]
