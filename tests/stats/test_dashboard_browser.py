"""The dashboard in a real browser: Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import shutil

import pytest

from intake import services
from tests.factories import TEST_PASSWORD, make_enquiry

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own database calls are
    # still synchronous, so Django's async-safety check would refuse them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser.new_page()
        browser.close()


def test_the_dashboard_renders_with_its_charts(live_server, page, alice, mona):
    for _ in range(6):
        enquiry = make_enquiry(actor=alice, channel="phone", violence_types=["economic"])
    services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})

    page.goto(f"{live_server.url}/admin/login/?next=/stats/")
    page.fill("#id_username", mona.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/stats/")

    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("h1").inner_text() == "Statistikk over saksflyt"
    charts = page.locator("section[data-chart]")
    assert charts.count() == 11
    phone = page.locator("#chart-by_channel tr", has_text="Telefon")
    assert phone.locator("td.num").inner_text() == "6"
    bar = phone.locator("svg.bar rect")
    assert bar.bounding_box()["width"] > 0  # drawn, not only in the markup
    letter = page.locator("#chart-by_channel tr", has_text="Brev")
    assert letter.locator("td.num").inner_text() == "0"
    assert "<5" in page.locator("#chart-by_state").inner_text()  # 1 assessed: suppressed
