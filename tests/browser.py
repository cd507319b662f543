"""Browser tests' shared fixtures: Debian's Chromium, driven by Playwright, headless.

Playwright's own browser downloads are never used (no ``playwright install``): the browser is
``/usr/bin/chromium`` from Debian's packages, which .ci/run installs when it is missing.

Browser tests run against ``live_server``, so they are transactional: the database is emptied
after each. Mark them ``django_db(transaction=True, serialized_rollback=True)``:
``serialized_rollback`` restores what the migrations installed (the team, roles, directory,
instrument, the audit chain's head), and ``_default_data`` re-installs it should another
transactional test have emptied the database without restoring it. Keep them few.

Accessibility: ``axe_violations(page)`` runs axe-core (from the npm registry, installed by
``make test`` into ``tests/axe/node_modules``; never a CDN) in the page and returns what it finds
against WCAG 2.1 A and AA. ``screenshot(page, name)`` keeps a picture in ``var/screenshots/`` for
a person to look at.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import caches
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
    "audit.migrations.0005_chain_pool",
    "accounts.migrations.0002_roles_and_default_team",
    "routing.migrations.0002_default_directory_and_rules",
    "routing.migrations.0009_help_page",
    "intake.migrations.0002_default_instrument",
]

ROOT = Path(__file__).resolve().parent.parent
AXE_SCRIPT = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
# What the residents' pages promise (their accessibility statement): WCAG 2.1 A and AA.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


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
    # Every browser comes from 127.0.0.1: start each test with the residents' throttle empty.
    caches["public_throttle"].clear()
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
        # A request cut short by the next navigation (the icon of a page just left) is no fault.
        page.on(
            "requestfailed",
            lambda request: (
                problems.append(f"failed: {request.url} ({request.failure})")
                if request.failure != "net::ERR_ABORTED"
                else None
            ),
        )
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
    """Sign ``user`` (of the test cast, password ``TEST_PASSWORD``) in through the sign-in pages,
    as a person would: username and password, then the code of their authenticator app (enrolled
    for them if missing); wait until ``next_url`` is shown. The one way browser tests sign in."""
    from tests.factories import TEST_PASSWORD, second_factor_code

    # Enrolled before the password step, so the service asks for the code (not for enrolment).
    second_factor_code(user)
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-form input[type=submit]")
    page.wait_for_url("**/admin/login/verify/**")
    page.fill("#id_code", second_factor_code(user))
    page.click("#code-form input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def axe_violations(page: Any, *, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations of ``tags`` (WCAG 2.1 A and AA) on the page as it is now.

    The script is evaluated through the DevTools protocol, so the page's Content-Security-Policy
    (no scripts at all) stays as it is. Each violation: its rule id, impact, help text and the
    selectors of the offending nodes.
    """
    if not AXE_SCRIPT.exists():
        message = f"{AXE_SCRIPT} is missing: run `make axe` (npm ci in tests/axe)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async (tags) => {
            const found = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return found.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")),
            }));
        }""",
        tags or WCAG_21_AA,
    )
    return list(result)


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save the page as ``var/screenshots/<name>.png`` (for a person to look at) and return it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
