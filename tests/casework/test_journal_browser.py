"""The journal, its correction, the timeline's filter and "Ta saken" in a real browser (issue 16;
the `page` fixture is in tests/browser.py)."""

from __future__ import annotations

from typing import Any

import pytest

from casework import services as casework_services
from casework.models import JournalEntry
from intake.models import Enquiry
from tests.browser import axe_violations, sign_in
from tests.factories import make_enquiry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_team_member_takes_the_case_writes_in_the_journal_and_corrects_it(
    page: Any, alice: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    change = f"/admin/intake/enquiry/{enquiry.pk}/change/"
    sign_in(page, alice, next_url=change)

    page.click("#take-case")
    page.wait_for_url(f"**{change}")
    assert Enquiry.objects.get(pk=enquiry.pk).assigned_to_id == alice.pk
    assert page.locator("#take-case").count() == 0

    page.click("#write-journal")
    page.wait_for_url("**/journal/")
    page.select_option("#id_kind", "home_visit")
    page.fill("#id_occurred_at", "2026-11-02 14:00")
    page.fill("#id_text", "Hjemmebesøk. Han var redd og ville ikke snakke mens sønnen var der.")
    page.click("input[type=submit].default")
    page.wait_for_url(f"**{change}*")
    entry = JournalEntry.objects.get()
    item = page.locator(f"#journal-{entry.pk}")
    assert "Hjemmebesøk" in item.inner_text()
    assert "ville ikke snakke" in item.inner_text()

    item.locator("a.correct-link").first.click()
    page.wait_for_url("**/journal/?corrects=*")
    assert "ville ikke snakke" in page.locator("#corrected-entry").inner_text()
    page.fill("#id_text", "Rettelse: datteren var der, ikke sønnen.")
    page.click("input[type=submit].default")
    page.wait_for_url(f"**{change}*")
    correction = JournalEntry.objects.exclude(pk=entry.pk).get()
    assert correction.corrects_id == entry.pk
    shown = page.locator(f"#journal-{entry.pk}")
    assert "datteren var der" in shown.locator(f"#journal-{correction.pk}").inner_text()

    # The filter: only the journal, then everything again (newest first).
    page.click("a[data-kind=journal]")
    page.wait_for_url("**timeline=journal*")
    kinds = page.locator("li.timeline-item").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["journal"]
    page.click("a[data-kind=state]")
    page.wait_for_url("**timeline=state*")
    kinds = page.locator("li.timeline-item").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["state"]
    page.click(".timeline-kinds a >> nth=0")
    page.wait_for_url(lambda url: "timeline=" not in url)
    kinds = page.locator("li.timeline-item").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert {"journal", "state", "assessment"} <= set(kinds)
    violations = [v for v in axe_violations(page) if "timeline" in str(v.get("nodes", ""))]
    assert violations == []
