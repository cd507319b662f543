"""The residents' form in a real browser (the `page` fixture is in tests/browser.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


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

    page.locator("main").get_by_role("link", name="Følg opp henvendelsen din").click()
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
        "web_form",
        "anonymous",
        ["economic"],
    )

    # The language list: a plain link to the same page in English.
    page.goto("/meld/status/")
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", name="Follow up your enquiry").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/en/meld/status/")
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
        "relative",
        "+47 912 34 567",
        ["physical"],
    )
    assert page.problems == []  # type: ignore[attr-defined]
