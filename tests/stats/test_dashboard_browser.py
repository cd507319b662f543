"""The dashboard in a real browser (the `page` fixture is in tests/browser.py)."""

from __future__ import annotations

import pytest

from casework import services as casework_services
from tests.browser import sign_in
from tests.factories import make_enquiry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_dashboard_renders_with_its_charts(page, alice, mona):
    for _ in range(6):
        enquiry = make_enquiry(actor=alice, channel="phone", violence_types=["economic"])
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})

    sign_in(page, mona, next_url="/stats/")

    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("#content h1").inner_text() == "Statistikk over saksflyt"
    charts = page.locator("section[data-chart]")
    assert charts.count() == 11
    phone = page.locator("#chart-by_channel tr", has_text="Telefon")
    assert phone.locator("td.num").inner_text() == "6"
    bar = phone.locator("svg.bar rect")
    assert bar.bounding_box()["width"] > 0  # drawn, not only in the markup
    letter = page.locator("#chart-by_channel tr", has_text="Brev")
    assert letter.locator("td.num").inner_text() == "0"
    assert "<5" in page.locator("#chart-by_state").inner_text()  # 1 assessed: suppressed
