"""The statistics as the council reads them: names instead of codes, Norwegian month names, the
same period last year beside this one, the municipality and the period on the yearly report, and
a CSV file that Excel in a Norwegian locale opens (``;``, a byte-order mark, Norwegian headers)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from casework import services as casework_services
from kernel.calendar import OSLO
from stats import rollup
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


def received_on(alice: Any, day: dt.date, **values: Any) -> Any:
    with time_machine.travel(dt.datetime.combine(day, dt.time(10, 0), tzinfo=OSLO), tick=False):
        return make_enquiry(actor=alice, **values)


@pytest.fixture
def two_years(alice: Any) -> Any:
    """12 enquiries in March 2026 (7 by phone, 5 by e-mail; 6 forwarded to NAV), 6 in March 2025;
    today is 15 June 2026, midday in Oslo."""
    for index in range(12):
        enquiry = received_on(
            alice, dt.date(2026, 3, 2 + index), channel="phone" if index < 7 else "email"
        )
        if index < 6:
            with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=OSLO), tick=False):
                casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
                casework_services.enquiry_forward(
                    enquiry=enquiry,
                    actor=alice,
                    service_slugs=["nav-tonsberg"],
                    legal_basis="consent",
                )
    for index in range(6):
        received_on(alice, dt.date(2025, 3, 3 + index), channel="phone")
    rollup.refresh()  # the scheduler's refresh between the changes and the read
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, 0, tzinfo=OSLO), tick=False) as now:
        yield now


def excel_rows(response: Any) -> list[list[str]]:
    """The download as Excel in a Norwegian locale reads it: UTF-8 with a BOM, ``;`` between."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for æøå
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_dashboard_names_services_and_months_and_shows_last_year(
    two_years: Any, mona: Any, as_user: Any
) -> None:
    html = as_user(mona).get(reverse("stats:dashboard")).content.decode()
    assert "NAV Tønsberg" in html and "nav-tonsberg" not in html
    assert "Mars 2026" in html and "2026-03" not in html
    assert 'id="total-received">12<' in html
    assert "Samme periode i fjor: 6" in html
    assert "1. januar 2025 – 15. juni 2025" in html  # the same days last year
    assert "Tønsberg" in html  # the municipality


def test_the_excel_csv_opens_with_a_semicolon_reader_in_norwegian(
    two_years: Any, mona: Any, as_user: Any
) -> None:
    response = as_user(mona).get(
        reverse("stats:dashboard"),
        {"date_from": "2026-01-01", "date_to": "2026-06-15", "format": "excel"},
    )
    rows = excel_rows(response)
    assert rows[0] == [
        "Område",
        "Kategori",
        "Antall, 1. januar 2026 – 15. juni 2026",
        "Antall, 1. januar 2025 – 15. juni 2025",
    ]
    table = {(row[0], row[1]): row[2:] for row in rows[1:] if len(row) == 4}
    assert table["Kort oppsummert", "Mottatte henvendelser"] == ["12", "6"]
    assert table["Kanal", "Telefon"] == ["7", "6"]
    assert table["Kanal", "E-post"] == ["5", "0"]
    assert table["Henvendelser per måned", "Mars 2026"] == ["12", "6"]
    assert table["Henvisninger: sendt", "NAV Tønsberg"] == ["6", "0"]
    assert table["Status", "Videreformidlet"] == ["6", "0"]
    hours = table["Tid brukt, i timer", "Til første risikovurdering, median"][0]
    assert "," in hours or hours == "–"  # a decimal comma for Excel's Norwegian locale
    assert not any("by_" in cell or "nav-tonsberg" in cell for row in rows for cell in row)
    notes = [row[0] for row in rows if len(row) == 1]
    assert any("Tønsberg kommune" in note for note in notes)
    assert any(note.startswith("<5:") for note in notes)


def test_suppressed_counts_read_as_less_than_5_or_hidden_in_the_excel_csv(
    two_years: Any, alice: Any, mona: Any, as_user: Any
) -> None:
    for day in (7, 8):
        received_on(alice, dt.date(2026, 4, day), channel="letter")
    rollup.refresh()  # the scheduler's refresh between the changes and the read
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, 0, tzinfo=OSLO), tick=False):
        response = as_user(mona).get(
            reverse("stats:dashboard"),
            {"date_from": "2026-01-01", "date_to": "2026-06-15", "format": "excel"},
        )
    table = {(row[0], row[1]): row[2] for row in excel_rows(response)[1:] if len(row) == 4}
    assert table["Kanal", "Brev"] == "<5"
    assert table["Kanal", "E-post"] == "skjult"  # 5: hidden so that the letter cannot be computed
    assert table["Kanal", "Telefon"] == "7"


def test_the_machine_csv_is_plain_utf8_with_the_apis_paths(
    two_years: Any, mona: Any, as_user: Any
) -> None:
    response = as_user(mona).get(reverse("stats:yearly"), {"year": 2026, "format": "csv"})
    assert not response.content.startswith(b"\xef\xbb\xbf")
    rows = dict(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows["path"] == "value"
    assert rows["by_channel.phone"] == "5"  # 7, rounded for publication
    assert rows["referrals_by_service.nav-tonsberg.sent"] == "5"  # 6 rounded


def test_the_yearly_report_names_the_municipality_and_the_period(
    two_years: Any, mona: Any, as_user: Any
) -> None:
    page = as_user(mona).get(reverse("stats:yearly"), {"year": 2026})
    assert page.status_code == 200
    html = page.content.decode()
    assert "TryggEst i Tønsberg kommune: årsrapport 2026" in html
    assert "1. januar 2026 – 31. mai 2026" in html  # whole months so far
    assert "1. januar 2025 – 31. mai 2025" in html  # beside the same months last year
    assert "avrundet til nærmeste 5" in html
    assert 'id="total-received">10<' in html  # 12 rounded to the nearest 5
    assert "Mars 2026" in html and "NAV Tønsberg" in html


def test_the_yearly_report_refuses_a_year_without_a_whole_month(
    two_years: Any, mona: Any, as_user: Any
) -> None:
    client = as_user(mona)
    assert client.get(reverse("stats:yearly"), {"year": 2027}).status_code == 400
    assert client.get(reverse("stats:yearly"), {"year": "abc"}).status_code == 400
    last_year = client.get(reverse("stats:yearly"), {"year": 2025})
    assert "1. januar 2025 – 31. desember 2025" in last_year.content.decode()


def test_downloads_are_audited_as_exports(two_years: Any, mona: Any, as_user: Any) -> None:
    as_user(mona).get(reverse("stats:yearly"), {"year": 2026, "format": "excel"})
    event = AuditEvent.objects.filter(action="export", object_type="statistics").get()
    assert event.filters["from"] == "2026-01-01" and event.filters["to"] == "2026-05-31"
    assert event.filters["compared_with"] == ["2025-01-01/2025-05-31"]
