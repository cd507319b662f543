"""The dashboard in a real browser (the `page` fixture is in tests/browser.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from casework import services as casework_services
from stats import rollup
from tests.browser import sign_in
from tests.factories import make_enquiry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def midday():
    """Today at midday in Oslo (the same date in Oslo and UTC), the clock running."""
    noon = dt.datetime.combine(
        timezone.localdate(), dt.time(12, 0), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(noon, tick=True):
        yield


def test_the_dashboard_renders_with_its_charts(midday, page, alice, mona):
    for _ in range(6):
        enquiry = make_enquiry(actor=alice, channel="phone", violence_types=["economic"])
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    rollup.refresh()  # the scheduler's refresh between the changes and the read

    sign_in(page, mona, next_url="/stats/")

    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("#content h1").inner_text() == "Statistikk over saksflyt"
    charts = page.locator("section[data-chart]")
    # the months and every breakdown of the contract, with the team, measures, age, gender and
    # repeats
    assert charts.count() == 17
    phone = page.locator("#chart-by_channel tr", has_text="Telefon")
    assert phone.locator("td.num").first.inner_text() == "6"
    bar = phone.locator("svg.bar rect")
    assert bar.bounding_box()["width"] > 0  # drawn, not only in the markup
    letter = page.locator("#chart-by_channel tr", has_text="Brev")
    assert letter.locator("td.num").first.inner_text() == "0"
    # 1 assessed, 5 received: the 5 would give the 1 away, and nothing else can hide it.
    assert "Vises ikke" in page.locator("section[data-chart=by_state]").inner_text()
    assert "Samme periode i fjor: 0" in page.locator(".headline").inner_text()
