"""The residents' form in a real browser: Debian's Chromium, driven by Playwright, headless.

Playwright's own browser downloads are never used (no ``playwright install``): the browser is
``/usr/bin/chromium`` from Debian's packages, which .ci/run installs when it is missing.

These tests run against ``live_server``, so they are transactional: the database is emptied
after each. ``serialized_rollback`` restores what the migrations installed (the team, roles,
directory, instrument, the audit chain's head), and ``_default_data`` re-installs it should
another transactional test have emptied the database without restoring it. Keep them few.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# The data migrations (each an idempotent ``install``), in dependency order.
DEFAULT_DATA = [
    "audit.migrations.0002_chain_head",
    "accounts.migrations.0002_roles_and_default_team",
    "routing.migrations.0002_default_directory_and_rules",
    "intake.migrations.0002_default_instrument",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _reinstall_default_data() -> None:
    with connection.schema_editor() as schema_editor:
        for module_name in DEFAULT_DATA:
            importlib.import_module(module_name).install(apps, schema_editor)


@pytest.fixture
def _default_data(transactional_db: Any) -> None:
    from accounts.models import Team
    from audit.models import ChainHead

    if not (Team.objects.filter(slug="tonsberg").exists() and ChainHead.objects.filter(pk=1).exists()):
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
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" and "Failed to load resource" not in msg.text else None)
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.on("response", lambda response: problems.append(f"{response.status}: {response.url}")
                if response.status == 404 else None)
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


def test_a_resident_reports_copies_the_code_and_reads_the_status(page: Any) -> None:
    from intake.models import Enquiry

    page.goto("/meld/")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.get_by_role("heading", level=1).inner_text() == "Si fra om vold mot en voksen"
    # The stylesheet came through the Content-Security-Policy (no inline styles exist).
    send = page.get_by_role("button", name="Send", exact=True)
    assert send.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(0, 112, 60)"
    assert page.locator(".hp").bounding_box()["x"] < 0  # the honeypot is off-screen for people

    page.get_by_label("Hva er du bekymret for?").fill(
        "Naboen min er 84 år. Sønnen hans tar pengene hans og roper til ham om kveldene."
    )
    page.get_by_label("Jeg vil ikke si det (anonym)").check()
    page.get_by_label("Økonomisk vold").check()
    page.wait_for_timeout(1_100)  # the form's minimum fill time, as set above
    send.click()

    page.get_by_role("heading", name="Takk, vi har mottatt meldingen din").wait_for()
    code_box = page.locator("#receipt-code")
    code = code_box.inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)

    # Copy the code as a person would: one click selects it all (user-select: all), then copy.
    code_box.click()
    page.keyboard.press("ControlOrMeta+C")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.strip() == code

    page.get_by_role("link", name="Følg opp henvendelsen din").click()
    page.get_by_label("Kvitteringskoden din").click()
    page.keyboard.press("ControlOrMeta+V")
    assert page.get_by_label("Kvitteringskoden din").input_value().strip() == code
    assert code not in page.url
    page.get_by_role("button", name="Vis henvendelsen min").click()

    page.get_by_role("heading", name="Status: Mottatt").wait_for()
    assert code not in page.url
    page.get_by_label("Svar eller legg til opplysninger").fill("Han er hjemme alene på dagtid.")
    page.get_by_role("button", name="Send meldingen").click()
    page.get_by_text("Meldingen din er sendt til teamet.").wait_for()
    assert "Han er hjemme alene på dagtid." in page.content()

    enquiry = Enquiry.objects.get()
    assert (enquiry.channel, enquiry.reporter_type, enquiry.violence_types) == (
        "web_form", "anonymous", ["economic"])

    # The language button: a POST to Django's set_language from a page with this site's headers.
    page.goto("/meld/status/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Follow up your enquiry").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.problems == []  # type: ignore[attr-defined]


def _focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return {tag: el.tagName, id: el.id || "", name: el.getAttribute("name") || "",
                           text: (el.innerText || el.value || "").trim().slice(0, 60),
                           outline: getComputedStyle(el).outlineStyle}; }"""
    )


def _tab_to(page: Any, predicate: Any, limit: int = 80) -> dict[str, str]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = _focused(page)
        assert here["id"] != "id_website", "the honeypot must not be reachable by keyboard"
        if predicate(here):
            return here
    raise AssertionError("never reached by Tab")


def test_the_form_works_with_the_keyboard_only(page: Any) -> None:
    from intake.models import Enquiry

    page.goto("/meld/")
    # First Tab: the skip link; Enter takes focus to the main content.
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Gå til innholdet"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"

    # Sending the empty form with Enter shows the error summary, focused, with links to fields.
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Send")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = _focused(page)
    assert "Noe må rettes" in summary["text"]
    assert page.locator("#id_description").get_attribute("aria-invalid") == "true"

    # Every field is reached with Tab, in order, and shows where the focus is.
    description = _tab_to(page, lambda f: f["id"] == "id_description")
    assert description["outline"] != "none"
    page.keyboard.type("Jeg er redd for moren min. Kjæresten hennes kontrollerer alt hun gjør.")
    _tab_to(page, lambda f: f["name"] == "reporter_type")
    page.keyboard.press("ArrowDown")  # radios: arrows choose within the group
    assert page.locator("#id_reporter_type_1").is_checked()  # "I am family or a relative"
    _tab_to(page, lambda f: f["id"] == "id_reporter_phone")
    page.keyboard.type("+47 912 34 567")
    _tab_to(page, lambda f: f["name"] == "violence_types")
    page.keyboard.press("Space")  # the first checkbox: physical violence
    page.wait_for_timeout(1_100)
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Send")
    page.keyboard.press("Space")

    page.get_by_role("heading", name="Takk, vi har mottatt meldingen din").wait_for()
    enquiry = Enquiry.objects.get()
    assert (enquiry.reporter_type, enquiry.reporter_phone, enquiry.violence_types) == (
        "relative", "+47 912 34 567", ["physical"])
    assert page.problems == []  # type: ignore[attr-defined]
