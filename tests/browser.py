"""Browser tests' shared fixtures: Debian's Chromium, driven by Playwright, headless.

Playwright's own browser downloads are never used (no ``playwright install``): the browser is
``/usr/bin/chromium`` from Debian's packages, which .ci/run installs when it is missing.

Browser tests run against ``live_server``, so they are transactional: the database is emptied
after each. Mark them ``django_db(transaction=True, serialized_rollback=True)``:
``serialized_rollback`` restores what the migrations installed (the team, roles, directory,
instrument, the audit chain's head), and ``_default_data`` re-installs it should another
transactional test have emptied the database without restoring it. Keep them few.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The data migrations (each an idempotent ``install``), in dependency order.
DEFAULT_DATA = [
    "audit.migrations.0002_chain_head",
    "accounts.migrations.0002_roles_and_default_team",
    "routing.migrations.0002_default_directory_and_rules",
    "intake.migrations.0002_default_instrument",
]


def _reinstall_default_data() -> None:
    with connection.schema_editor() as schema_editor:
        for module_name in DEFAULT_DATA:
            importlib.import_module(module_name).install(apps, schema_editor)


@pytest.fixture
def _default_data(transactional_db: Any) -> None:
    from accounts.models import Team
    from audit.models import ChainHead

    if not (
        Team.objects.filter(slug="tonsberg").exists() and ChainHead.objects.filter(pk=1).exists()
    ):
        _reinstall_default_data()


@pytest.fixture
def page(live_server: Any, _default_data: None, settings: Any, monkeypatch: Any) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package.")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    # The live server speaks plain HTTP; Django's secure CSRF cookie would not come back over it.
    settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_SECURE = False
    settings.TRYGGEST_FORM_MIN_SECONDS = 1
    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are
    # still plain synchronous calls (the live server answers from its own thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale="en-GB",  # the browser asks for English; the site must still answer in Norwegian
            permissions=["clipboard-read", "clipboard-write"],
            base_url=live_server.url,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Content-Security-Policy violations and script errors; a 400 answer to a form with
        # mistakes is logged by the browser too, and is not a problem.
        problems: list[str] = []
        page.on(
            "console",
            lambda msg: (
                problems.append(msg.text)
                if msg.type == "error" and "Failed to load resource" not in msg.text
                else None
            ),
        )
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.on(
            "response",
            lambda response: (
                problems.append(f"{response.status}: {response.url}")
                if response.status == 404
                else None
            ),
        )
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.problems = problems  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            # The test's ORM reads ran while Playwright's loop was current, on connections of
            # their own; close them, or PostgreSQL cannot drop the test database at the end.
            connections.close_all()
            context.close()
            browser.close()


def sign_in(page: Any, user: Any, *, next_url: str = "/admin/") -> None:
    """Sign ``user`` (of the test cast, password ``TEST_PASSWORD``) in through the login page, as
    a person would, and wait until ``next_url`` is shown. The one way browser tests sign in."""
    from tests.factories import TEST_PASSWORD

    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
