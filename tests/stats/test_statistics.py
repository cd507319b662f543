"""Case-flow statistics: counts that match a hand-built data set, with small counts suppressed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from casework import services as casework_services
from kernel.calendar import OSLO
from stats import rollup
from stats.disclosure import suppress
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _midday() -> Iterator[None]:
    """Midday in Oslo on a day in June: the same date in Oslo and in UTC, whatever the hour the
    suite runs at."""
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, 0, tzinfo=OSLO), tick=False):
        yield


@pytest.fixture
def data_set(alice):
    """Seven enquiries: 5 by phone about economic abuse, 2 by letter (one also physical)."""
    made = []
    for _ in range(5):
        made.append(make_enquiry(actor=alice, channel="phone", violence_types=["economic"]))
    made.append(
        make_enquiry(
            actor=alice,
            channel="letter",
            violence_types=["economic", "physical"],
            reporter_type="relative",
        )
    )
    made.append(
        make_enquiry(
            actor=alice, channel="letter", violence_types=["physical"], reporter_type="relative"
        )
    )
    for enquiry in made[:6]:
        casework_services.enquiry_assess(
            enquiry=enquiry, actor=alice, answers={"danger_weapon": True}
        )
    casework_services.enquiry_forward(
        enquiry=made[0], actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
    )
    casework_services.enquiry_close(
        enquiry=made[6], actor=alice, outcome="duplicate", outcome_asked="not_asked"
    )
    return made


def stats(client, **params):
    rollup.refresh()  # the scheduler's refresh between the changes and the read
    # Oslo's today, read when the request is made: a module-level date goes stale at midnight.
    today = timezone.localdate()
    params.setdefault("from", today.replace(month=1, day=1).isoformat())
    params.setdefault("to", today.isoformat())
    return client.get(reverse("stats_api:api"), params)


def test_counts_match_the_data_set_and_small_counts_are_suppressed(data_set, mona, as_user):
    response = stats(as_user(mona))
    assert response.status_code == 200
    body = response.json()
    assert body["total_received"] == 7
    assert body["by_channel"]["letter"] is None  # 2: suppressed
    # 5 by phone would give the letters away (7 − 5 = 2): hidden to protect them.
    assert body["by_channel"]["phone"] is None
    assert "by_channel.phone" in body["hidden_to_protect"]
    assert body["by_channel"]["email"] == 0  # zeros stay
    assert body["by_violence_type"]["economic"] == 6
    assert body["by_violence_type"]["physical"] is None  # a list: no sum to protect against
    assert body["by_risk_level"]["high"] == 6
    assert body["by_state"] == {
        "received": 0,
        "risk_assessed": None,  # two hidden 1s would both be 1 (7 − 5 = 2)
        "forwarded": None,
        "closed": None,
    }
    assert body["referrals_by_service"]["nav-tonsberg"]["sent"] is None
    for path in (
        "by_channel.letter",
        "by_channel.phone",
        "by_violence_type.physical",
        "by_state.forwarded",
        "referrals_by_service.nav-tonsberg.sent",
    ):
        assert path in body["suppressed"]
    assert "by_channel.letter" not in body["hidden_to_protect"]
    assert "by_risk_level.high" not in body["suppressed"]
    # Every breakdown lists every code of its vocabulary.
    assert set(body["by_relation"]) >= {"partner", "adult_child", "not_known"}
    assert body["median_hours_to_assessment"] is not None


def test_csv_has_the_same_numbers(data_set, mona, as_user):
    response = stats(as_user(mona), format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = dict(csv.reader(io.StringIO(response.content.decode())))
    assert rows["by_risk_level.high"] == "6"
    assert rows["by_channel.letter"] == ""
    assert "by_channel.letter" in rows["suppressed"]
    assert AuditEvent.objects.filter(action="export", object_type="statistics").count() == 1


@pytest.mark.parametrize("role", ["alice", "aud", "tor"])
def test_only_managers_and_coordinators_get_statistics(request, role, as_user):
    assert stats(as_user(request.getfixturevalue(role))).status_code == 403


def test_coordinators_see_the_statistics_too(bob, as_user):
    client = as_user(bob)
    assert stats(client).status_code == 200
    assert client.get(reverse("stats:dashboard")).status_code == 200


def test_bad_dates_are_a_clear_400(mona, as_user):
    client = as_user(mona)
    assert stats(client, **{"from": "2026-13-01"}).status_code == 400
    assert stats(client, **{"from": "2026-05-01", "to": "2026-04-01"}).status_code == 400


def test_viewing_statistics_is_an_audit_event(mona, as_user):
    stats(as_user(mona))
    event = AuditEvent.objects.filter(action="view", object_type="statistics").get()
    assert event.actor == "mona"


def test_the_dashboard_shows_numbers_and_hides_small_ones(data_set, mona, as_user):
    rollup.refresh()  # the scheduler's refresh between the changes and the read
    response = as_user(mona).get(reverse("stats:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="chart-by_channel"' in html and "<svg" in html
    assert "&lt;5" in html
    for enquiry in data_set:  # no person and no enquiry reference on the manager's page
        assert enquiry.reference not in html
    assert "Ola Hansen" not in html


def test_the_dashboard_is_for_managers_only(alice, as_user):
    assert as_user(alice).get(reverse("stats:dashboard")).status_code == 403


def test_four_is_suppressed_and_five_is_shown_zero_stays(alice, mona, as_user):
    # At the threshold, through the manager's door: 4 by letter and 1 in person (hidden; two small
    # counts protect each other, so nothing else need be hidden), 5 by phone (shown), 0 by e-mail.
    for _ in range(4):
        make_enquiry(actor=alice, channel="letter")
    make_enquiry(actor=alice, channel="in_person")
    for _ in range(5):
        make_enquiry(actor=alice, channel="phone")
    body = stats(as_user(mona)).json()
    channels = body["by_channel"]
    assert (channels["letter"], channels["in_person"], channels["phone"]) == (None, None, 5)
    assert (channels["email"], body["total_received"]) == (0, 10)
    assert {"by_channel.letter", "by_channel.in_person"} <= set(body["suppressed"])
    assert "by_channel.phone" not in body["suppressed"]
    assert "by_channel.email" not in body["suppressed"]


def test_disclosure_control_is_one_rule():
    data, suppressed = suppress({"a": 0, "b": 1, "c": 4, "d": 5, "e": {"f": 3, "g": 12}, "h": 2.5})
    assert data == {"a": 0, "b": None, "c": None, "d": 5, "e": {"f": None, "g": 12}, "h": 2.5}
    assert suppressed == ["b", "c", "e.f"]
    rounded, _ = suppress({"x": 12, "y": 13, "z": 3}, round_to_5=True)
    assert rounded == {"x": 10, "y": 15, "z": None}


def test_the_yearly_report_prints_and_exports_rounded(alice, mona, as_user):
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=OSLO), tick=False):
        for _ in range(6):
            make_enquiry(actor=alice, channel="phone", violence_types=["economic"])
        make_enquiry(actor=alice, channel="letter", violence_types=["physical"])
    client = as_user(mona)
    rollup.refresh()
    page = client.get(reverse("stats:yearly"), {"year": 2026})
    assert page.status_code == 200
    html = page.content.decode()
    assert "2026" in html and 'id="chart-by_violence_type"' in html
    assert "Ola Hansen" not in html
    response = client.get(reverse("stats:yearly"), {"year": 2026, "format": "csv"})
    rows = dict(csv.reader(io.StringIO(response.content.decode())))
    assert rows["total_received"] == "5"  # 7 rounded to the nearest 5
    assert rows["by_violence_type.economic"] == "5"  # 6 → 5
    assert rows["by_channel.letter"] == ""  # still suppressed, not rounded to 0 or 5
    assert client.get(reverse("stats:yearly"), {"year": "abc"}).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"from": "9999-12-01", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "2026-01-01"},
        {"from": "1999-12-31", "to": "2000-01-31"},
    ],
)
def test_dates_outside_the_years_covered_are_a_400_not_a_500(params, mona, as_user):
    client = as_user(mona)
    response = stats(client, **params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"from"} | ({"to"} if params["to"] > "2100" else set())
    dashboard = client.get(
        reverse("stats:dashboard"), {"date_from": params["from"], "date_to": params["to"]}
    )
    assert dashboard.status_code == 400


def test_the_schema_lists_every_breakdown(mona, as_user):
    schema = as_user(mona).get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    properties = schema.json()["components"]["schemas"]["Statistics"]["properties"]
    for key in (
        "by_state",
        "by_month",
        "by_channel",
        "by_violence_type",
        "by_team",
        "overdue",
        "referrals_by_service",
    ):
        assert key in properties
