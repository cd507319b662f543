"""Each action leaves exactly the expected event, and never a personal value."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from audit import refusals
from audit.models import AuditEvent, RefusalCount
from casework import services as casework_services
from intake import selectors, services
from tests.audit.helpers import events_after, last_seq
from tests.factories import TEST_PASSWORD, second_factor_code

pytestmark = pytest.mark.django_db


def change_url(enquiry: Any) -> str:
    return f"/admin/intake/enquiry/{enquiry.pk}/change/"


def test_viewing_an_enquiry_in_the_admin_leaves_one_view_event(
    alice: Any, enquiry: Any, as_user: Any
) -> None:
    client = as_user(alice)
    before = last_seq()
    response = client.get(change_url(enquiry), HTTP_X_REQUEST_ID="req-123")
    assert response.status_code == 200
    assert "Ola Hansen" in response.content.decode()
    assert 'name="seen_version"' in response.content.decode()  # the optimistic lock travels along
    [event] = [
        e for e in events_after(before) if "same_adult" not in e.filters
    ]  # issue 17: its own look-up
    assert (event.action, event.actor, event.actor_type) == ("view", "alice", "user")
    assert (event.object_type, event.object_id, event.enquiry_id) == (
        "enquiry",
        str(enquiry.pk),
        enquiry.pk,
    )
    assert (event.ip, event.request_id) == ("127.0.0.1", "req-123")


def test_listing_enquiries_in_the_admin_records_the_ids_shown(
    alice: Any, enquiry: Any, as_user: Any
) -> None:
    from tests.factories import make_enquiry

    other = make_enquiry(actor=alice)
    client = as_user(alice)
    before = last_seq()
    response = client.post("/admin/intake/enquiry/?state__exact=received", {"q": enquiry.reference})
    assert response.status_code == 200
    [event] = events_after(before)
    assert (event.action, event.actor, event.object_type) == ("list", "alice", "enquiry")
    assert event.enquiry_ids == [str(enquiry.pk)]  # the row shown, not every team enquiry
    assert event.filters == {"state__exact": "received", "search": True}  # not the search text
    before = last_seq()
    client.get("/admin/intake/enquiry/")
    [event] = events_after(before)
    assert sorted(event.enquiry_ids) == sorted([str(enquiry.pk), str(other.pk)])


def test_creating_an_enquiry_leaves_one_create_event(alice: Any) -> None:
    from tests.factories import make_enquiry

    before = last_seq()
    enquiry = make_enquiry(actor=alice)
    [event] = events_after(before)
    assert (event.action, event.actor, event.enquiry_id) == ("create", "alice", enquiry.pk)


def test_updating_names_the_fields_and_never_the_values(alice: Any, enquiry: Any) -> None:
    before = last_seq()
    services.enquiry_update(
        enquiry=enquiry,
        actor=alice,
        changes={"subject_name": "Per Olsen", "subject_address": "Kirkegata 5, 3126 Tønsberg"},
    )
    [event] = events_after(before)
    assert (event.action, event.enquiry_id) == ("update", enquiry.pk)
    assert event.fields == ["subject_address", "subject_name"]
    everything = str(list(AuditEvent.objects.values()))
    for personal in ("Per Olsen", "Ola Hansen", "Kirkegata", "Storgata", "Kari Nordmann", "Sønnen"):
        assert personal not in everything


def test_a_transition_leaves_one_transition_event(alice: Any, enquiry: Any) -> None:
    before = last_seq()
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    [event] = events_after(before)
    assert (event.action, event.enquiry_id) == ("transition", enquiry.pk)
    assert event.filters == {"transition": "assess"}
    assert "state" in event.fields


def test_signing_in_and_out_leave_login_and_logout_events(alice: Any, client: Any) -> None:
    # Signing in is what this test is about: both steps by hand.
    before = last_seq()
    response = client.post("/admin/login/", {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 302
    [event] = events_after(before)
    assert (event.action, event.actor, event.actor_id) == ("login", "alice", str(alice.pk))
    assert event.reason == "password"  # the second step is still to come

    before = last_seq()
    response = client.post("/admin/login/verify/", {"code": second_factor_code(alice)})
    assert response.status_code == 302
    [event] = events_after(before)
    assert (event.action, event.actor, event.reason) == ("login", "alice", "totp")

    before = last_seq()
    client.post("/admin/logout/")
    [event] = events_after(before)
    assert (event.action, event.actor) == ("logout", "alice")


def test_a_failed_login_is_counted_not_chained_and_never_names_the_account(
    alice: Any, client: Any
) -> None:
    before = last_seq()
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "alice", "password": "hunter2-wrong"})
        assert response.status_code == 200
    # Anonymous: an unknown caller must not be able to grow the trail one event per attempt.
    assert events_after(before) == []
    assert RefusalCount.objects.get(kind="login_failed").count == 3
    # When the window has closed, the count is one chained event.
    assert refusals.summarise(now=timezone.now() + refusals.WINDOW) == 1
    [event] = events_after(before)
    assert (event.action, event.actor_type, event.object_type) == (
        "login_failed",
        "public",
        "refusal_count",
    )
    assert event.filters["count"] == 3
    assert "alice" not in str(AuditEvent.objects.filter(seq=event.seq).values().get())
    assert not RefusalCount.objects.exists()


def test_another_teams_member_is_refused_and_it_is_recorded(
    tor: Any, enquiry: Any, as_user: Any
) -> None:
    client = as_user(tor)
    before = last_seq()
    response = client.get(change_url(enquiry))
    assert response.status_code == 302  # "not found"
    assert "Ola Hansen" not in client.get(response.url).content.decode()
    [event] = events_after(before)
    assert (event.action, event.actor, event.enquiry_id) == ("permission_denied", "tor", enquiry.pk)

    # A reason does not help someone who may not break the glass.
    before = last_seq()
    response = client.post(
        change_url(enquiry), {"_break_glass": "1", "reason": "I am curious about it"}
    )
    assert response.status_code == 302
    assert [e.action for e in events_after(before)] == ["permission_denied"]
    assert "Ola Hansen" not in as_user(tor).get(change_url(enquiry)).content.decode()


def test_reading_the_audit_api_is_recorded(aud: Any, as_user: Any) -> None:
    client = as_user(aud)
    before = last_seq()
    client.get("/api/v1/audit/access-report/", {"enquiry": "00000000-0000-0000-0000-000000000001"})
    [event] = events_after(before)
    assert (event.action, event.actor, event.object_type) == ("export", "aud", "access_report")


def test_a_selector_read_is_recorded(alice: Any, enquiry: Any) -> None:
    before = last_seq()
    assert selectors.enquiry_for_actor(actor=alice, pk=enquiry.pk) == enquiry
    assert [e.action for e in events_after(before)] == ["view"]
