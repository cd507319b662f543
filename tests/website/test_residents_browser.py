"""The residents' pages in a real browser, in every language (the `page` fixture: tests/browser.py).

The cast: a resident in each language who reports and follows up with the code; an Arabic-speaking
resident on a small phone; and axe-core, which reads every page for WCAG 2.1 A and AA.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from intake.models import Enquiry
from kernel.languages import resident_languages
from tests.browser import axe_violations, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LANGUAGES = list(resident_languages())
PAGES = ["", "meld/", "meld/status/", "hjelp/", "tilgjengelighet/", "personvern/"]


def address(code: str, page: str) -> str:
    return f"/{page}" if code == "nb" else f"/{code}/{page}"


def words(code: str, message: str) -> str:
    with translation.override(code):
        return translation.gettext(message)


@pytest.fixture
def contact(settings: Any) -> None:
    settings.TRYGGEST_TEAM_PHONE = "33 00 11 22"
    settings.TRYGGEST_TEAM_ADDRESS = "Rådhuset, 3126 Tønsberg"
    settings.TRYGGEST_DATA_PROTECTION_OFFICER = "personvernombud@tonsberg.example"


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_resident_reports_and_follows_up_in_their_language(
    page: Any, contact: None, code: str
) -> None:
    language = resident_languages()[code]
    page.goto(address(code, "meld/"))
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (code, language.direction)
    assert page.get_by_role("heading", level=1).inner_text() == words(
        code, "Tell us about violence against an adult"
    )
    description = f"Test in {code}: naboen blir slått av sønnen sin, og han tar pengene hans."
    page.locator("#id_description").fill(description)
    page.locator("input[name=reporter_type][value=anonymous]").check()
    page.locator("input[name=violence_types][value=economic]").check()
    page.wait_for_timeout(1_100)  # the form's minimum fill time (tests/browser.py)
    page.locator("form button[type=submit]").click()

    page.get_by_role(
        "heading", name=words(code, "Thank you, we have received your message")
    ).wait_for()
    assert page.locator("html").get_attribute("lang") == code
    receipt = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", receipt)
    assert Enquiry.objects.get().description == description

    page.locator(f'main a[href="{address(code, "meld/status/")}"]').click()
    page.locator("#id_code").fill(receipt.lower())
    page.locator("form button[type=submit]").click()
    status = words(code, "Status: %(state_title)s") % {"state_title": words(code, "Received")}
    page.get_by_role("heading", name=status).wait_for()
    assert (
        page.locator("html").get_attribute("lang"),
        page.locator("html").get_attribute("dir"),
    ) == (
        code,
        language.direction,
    )
    assert receipt not in page.url and receipt.lower() not in page.url
    assert page.problems == []  # type: ignore[attr-defined]


def test_the_arabic_form_reads_from_right_to_left(page: Any, contact: None) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/ar/meld/")
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert width - (heading["x"] + heading["width"]) < 24, "the heading starts at the right"
    # The red line of the emergency box is on the right, where Arabic reading starts.
    safety = page.locator(".safety").evaluate(
        "el => [getComputedStyle(el).borderRightWidth, getComputedStyle(el).borderLeftWidth]"
    )
    assert safety == ["6px", "0px"]
    # The site name on the right, the quick exit on the left of the same row; the language list
    # starts on the right.
    exit_box = page.locator(".quick-exit").bounding_box()
    name_box = page.locator(".site-name").bounding_box()
    assert exit_box["x"] + exit_box["width"] < name_box["x"]
    assert abs(exit_box["y"] - name_box["y"]) < name_box["height"]
    first_language = page.locator(".languages li").first.bounding_box()
    assert first_language["x"] > width / 2
    # Radio buttons and checkboxes come before (right of) their labels.
    option = page.locator("input[name=reporter_type][value=anonymous]").bounding_box()
    option_label = page.locator("label[for=id_reporter_type_7]").bounding_box()
    assert option["x"] > option_label["x"]
    # Phone numbers and the code keep their digit order.
    assert page.locator('.safety a[href="tel:33001122"]').inner_text() == "33 00 11 22"
    shot = screenshot(page, "ar-form-390px")
    assert shot.stat().st_size > 10_000
    assert page.problems == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", ["nb", "ar"])
def test_axe_finds_no_wcag_21_violation_on_the_residents_pages(
    page: Any, contact: None, code: str
) -> None:
    found: dict[str, Any] = {}
    for path in PAGES:
        page.goto(address(code, path))
        found[path or "/"] = axe_violations(page)
    # The form with mistakes, and the receipt and the status page with a message.
    page.goto(address(code, "meld/"))
    page.locator("form button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    found["meld/ (errors)"] = axe_violations(page)
    page.locator("#id_description").fill("Han truer henne hver kveld.")
    page.locator("input[name=reporter_type][value=relative]").check()
    page.wait_for_timeout(1_100)
    page.locator("form button[type=submit]").click()
    page.locator("#receipt-code").wait_for()
    found["meld/ (receipt)"] = axe_violations(page)
    receipt = page.locator("#receipt-code").inner_text().strip()
    page.goto(address(code, "meld/status/"))
    page.locator("#id_code").fill(receipt)
    page.locator("form button[type=submit]").click()
    page.locator("#status-title").wait_for()
    found["meld/status/ (status)"] = axe_violations(page)
    assert {path: violations for path, violations in found.items() if violations} == {}
    assert page.problems == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", ["nb", "ar"])
def test_every_page_reflows_at_320_px_and_at_200_percent_text(
    page: Any, contact: None, code: str
) -> None:
    overflowing: list[str] = []
    for width, text_size in ((320, "100%"), (640, "200%")):
        page.set_viewport_size({"width": width, "height": 800})
        for path in PAGES:
            page.goto(address(code, path))
            # Zoom the text as a browser's text-size setting does (CSSOM; no inline style).
            page.evaluate(f"() => {{ document.documentElement.style.fontSize = '{text_size}'; }}")
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll > width:
                overflowing.append(f"{path or '/'} at {width}px, text {text_size}: {scroll}px")
    assert overflowing == []


def test_what_a_resident_sees_is_kept_for_a_person_to_look_at(page: Any, contact: None) -> None:
    """Screenshots in var/screenshots/: Norwegian on a desktop, Arabic and a 320 px phone."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/meld/")
    screenshot(page, "nb-form-desktop")
    page.goto("/hjelp/")
    screenshot(page, "nb-help-desktop")
    page.goto("/ar/hjelp/")
    screenshot(page, "ar-help-desktop")
    page.set_viewport_size({"width": 320, "height": 640})
    for path, name in (
        ("/", "nb-start-320px"),
        ("/hjelp/", "nb-help-320px"),
        ("/meld/", "nb-form-320px"),
    ):
        page.goto(path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        screenshot(page, name)
    page.goto("/ti/meld/")
    screenshot(page, "ti-form-320px")
    assert page.problems == []  # type: ignore[attr-defined]
