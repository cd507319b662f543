"""Every read of personal data through the API is an audit event naming what it showed: lists
with the enquiries on the page, one object with its enquiry, whoever the caller (a service key
or staff). A list's event holds the ids shown, not those that exist, so an enquiry's access
report names every list that showed it."""

from __future__ import annotations

from typing import Any

import pytest

from intake.models import Enquiry
from tests.api.conftest import staff_client, submission
from tests.audit.helpers import events_after, last_seq
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


def _submitted(client: Any) -> Enquiry:
    created = client.post("/api/v1/enquiries/", submission(), format="json")
    assert created.status_code == 201
    return Enquiry.objects.get(pk=created.json()["id"])


def test_a_service_listing_its_submissions_is_recorded_with_those_shown(
    nav: Any, krisesenteret: Any, alice: Any
) -> None:
    first, second = _submitted(nav), _submitted(nav)
    _submitted(krisesenteret)  # another organisation's: not shown to NAV
    make_enquiry(actor=alice)  # the team's own: not shown to NAV
    before = last_seq()
    response = nav.get("/api/v1/enquiries/")
    assert response.json()["count"] == 2
    [event] = events_after(before)
    assert (event.action, event.actor_type, event.actor, event.object_type) == (
        "list",
        "service",
        "nav-tonsberg",
        "enquiry",
    )
    assert sorted(event.enquiry_ids) == sorted([str(first.pk), str(second.pk)])


def test_a_service_reading_one_submission_is_recorded(nav: Any) -> None:
    enquiry = _submitted(nav)
    before = last_seq()
    assert nav.get(f"/api/v1/enquiries/{enquiry.pk}/").status_code == 200
    [event] = events_after(before)
    assert (event.action, event.actor, event.enquiry_id) == ("view", "nav-tonsberg", enquiry.pk)


def test_staff_listing_enquiries_is_recorded_with_the_page_shown_and_the_filters(
    alice: Any, tor: Any
) -> None:
    received = make_enquiry(actor=alice)
    make_enquiry(actor=tor)  # another team's
    closed = make_enquiry(actor=alice)
    from casework import services as casework_services

    casework_services.enquiry_close(
        enquiry=closed, actor=alice, outcome="duplicate", outcome_asked="not_asked"
    )
    client = staff_client(alice)
    before = last_seq()
    response = client.get("/api/v1/enquiries/", {"state": "received"})
    assert [e["id"] for e in response.json()["results"]] == [str(received.pk)]
    [event] = events_after(before)
    assert (event.action, event.actor, event.object_type) == ("list", "alice", "enquiry")
    assert event.enquiry_ids == [str(received.pk)]
    assert event.filters == {"state": "received"}


def test_a_service_listing_its_referrals_is_recorded_with_the_enquiries_shown(
    nav: Any, forwarded: Any, alice: Any
) -> None:
    make_enquiry(actor=alice)  # not forwarded: not shown
    before = last_seq()
    response = nav.get("/api/v1/referrals/")
    assert response.json()["count"] == 1
    [event] = events_after(before)
    assert (event.action, event.actor_type, event.actor, event.object_type) == (
        "list",
        "service",
        "nav-tonsberg",
        "referral",
    )
    assert event.enquiry_ids == [str(forwarded.pk)]


def test_staff_listing_referrals_is_recorded_with_the_enquiries_shown(
    forwarded: Any, alice: Any
) -> None:
    client = staff_client(alice)
    before = last_seq()
    response = client.get("/api/v1/referrals/")
    assert response.json()["count"] == 1
    [event] = events_after(before)
    assert (event.action, event.actor, event.object_type) == ("list", "alice", "referral")
    assert event.enquiry_ids == [str(forwarded.pk)]


def test_a_service_reading_one_referral_is_recorded(nav: Any, forwarded: Any) -> None:
    [referral] = forwarded.referrals.all()
    before = last_seq()
    assert nav.get(f"/api/v1/referrals/{referral.pk}/").status_code == 200
    [event] = events_after(before)
    assert (event.action, event.actor, event.object_type, event.enquiry_id) == (
        "view",
        "nav-tonsberg",
        "referral",
        forwarded.pk,
    )


def test_the_list_shown_is_in_the_enquirys_access_report(
    nav: Any, forwarded: Any, aud: Any, as_user: Any
) -> None:
    nav.get("/api/v1/referrals/")
    report = as_user(aud).get("/api/v1/audit/access-report/", {"enquiry": str(forwarded.pk)})
    assert ("nav-tonsberg", "list") in {(e["actor"], e["action"]) for e in report.json()["events"]}
