"""The audit trail's CSV export in a real browser: the button sits in a form of its own, outside
the admin's change-list form (a form nested in another is dropped by the browser, and the button
then posted the list back instead of exporting it)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser import screenshot, sign_in
from tests.factories import make_enquiry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_auditor_downloads_the_searched_view_as_csv(page: Any, aud: Any, alice: Any) -> None:
    wanted = make_enquiry(actor=alice)
    other = make_enquiry(actor=alice)

    sign_in(page, aud, next_url="/admin/audit/auditevent/")
    page.locator("#searchbar").fill(wanted.reference)
    page.locator("#changelist-search input[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#searchbar").input_value() == wanted.reference
    button = page.get_by_role("button", name="Eksporter dette utvalget (CSV)")
    assert button.count() == 1
    screenshot(page, "audit-trail-export")

    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.startswith("logg-")
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["løpenummer", "tidspunkt", "handling"]
    references = {row[8] for row in rows[1:]}
    assert references == {wanted.reference}  # the search was kept: only the searched enquiry
    assert other.reference not in text
    assert page.problems == []
