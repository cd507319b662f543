"""The same adult in a real browser (issue 17): the create form's hint about earlier enquiries,
and every person look-up the pages and the API offer, with the server's access log on: no
national id in it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import screenshot, sign_in
from tests.casework.test_same_adult import NATIONAL_ID
from tests.factories import make_enquiry
from tests.kernel.test_personal_values_not_in_urls import _api_post, access_log

__all__ = ["access_log"]  # the fixture, used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_create_form_hints_at_earlier_enquiries_about_the_adult(
    page: Any, access_log: list[str], alice: Any, tor: Any, aud: Any
) -> None:
    earlier = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    make_enquiry(actor=tor, subject_national_id=NATIONAL_ID)

    sign_in(page, alice, next_url="/admin/intake/enquiry/add/")
    hint = page.locator("#same-adult-hint")
    assert hint.inner_text().strip() == ""
    page.locator("#id_subject_national_id").fill(NATIONAL_ID)
    page.locator("#id_subject_national_id").press("Tab")  # the change event
    hint.get_by_text("Teamet ditt har 1 tidligere henvendelse om denne personen.").wait_for()
    assert earlier.reference in hint.inner_text()
    assert "Et annet team har 1 henvendelse om denne personen" in hint.inner_text()

    # A name with another case and spacing, and the birth date: found by name and birth date.
    page.locator("#id_subject_national_id").fill("")
    page.locator("#id_subject_name").fill("OLA   hansen")
    page.locator("#id_subject_birth_date").fill("01.01.1940")
    page.locator("#id_subject_birth_date").press("Tab")
    hint.get_by_text("navn og fødselsdato").wait_for()

    # Every other look-up of this issue, as the pages and the API offer them.
    page.goto("/admin/intake/enquiry/person-search/")
    page.locator("#id_national_id").fill(NATIONAL_ID)
    page.locator("#person-search input[type=submit]").click()
    page.locator("#person-search-results").get_by_text(earlier.reference).wait_for()
    found = _api_post(page, "/api/v1/persons/search/", {"national_id": NATIONAL_ID})
    assert found.status == 200 and found.json()["count"] == 1
    related = page.request.get(f"/api/v1/enquiries/{earlier.pk}/related/")
    assert related.json()["other_teams"] == 1

    page.context.clear_cookies()
    sign_in(page, aud, next_url="/admin/intake/enquiry/person-search/")
    page.locator("#id_national_id").fill(NATIONAL_ID)
    page.locator("#person-search input[type=submit]").click()
    page.locator("#person-search-results").wait_for()
    audited = _api_post(page, "/api/v1/persons/search/", {"national_id": NATIONAL_ID})
    assert audited.json()["count"] == 2

    requests = [line for line in access_log if re.match(r'"(GET|POST) ', line)]
    assert any("/api/v1/persons/search/" in line for line in requests)  # the log is on
    assert any("same-adult-hint" in line for line in requests)
    assert [line for line in access_log if NATIONAL_ID in line] == []


def test_the_same_adult_panel_spans_the_enquiry_page(page: Any, alice: Any) -> None:
    """The panel and its forms sit below the page's own form at its full width: before, they came
    after the floated ``#content-main`` and were squeezed into a narrow column at its right edge,
    one word a line, and the page scrolled sideways."""
    make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    this = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    page.set_viewport_size({"width": 1300, "height": 900})
    sign_in(page, alice, next_url=f"/admin/intake/enquiry/{this.pk}/change/")

    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1300
    heading = page.locator("#same-adult h2")
    assert heading.inner_text() == "Andre henvendelser om denne personen"
    assert heading.bounding_box()["width"] > 300
    for form in ("#link-form", "#duplicate-form"):
        assert page.locator(f"{form} h2").bounding_box()["width"] > 300
    # Below the page's own form, not beside it.
    own_form = page.locator("#enquiry_form").bounding_box()
    assert heading.bounding_box()["y"] > own_form["y"] + own_form["height"] - 1
    page.locator("#same-adult").scroll_into_view_if_needed()
    screenshot(page, "enquiry-same-adult-panel", full_page=False)
    assert page.problems == []
