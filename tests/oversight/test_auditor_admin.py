"""The auditor's admin screens: the trail read-only with filters, and the access report."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audit.models import AuditEvent
from intake import selectors
from tests.audit.helpers import events_after, last_seq
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

TRAIL = "/admin/audit/auditevent/"
REPORT = "/admin/audit/auditevent/access-report/"
NATIONAL_ID = "01014010005"  # valid check digits, born 1 January 1940


def test_the_auditor_filters_the_trail_by_enquiry_actor_action_and_time(
    aud: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    first = make_enquiry(actor=alice)
    second = make_enquiry(actor=bob)
    selectors.log_enquiries_listed(actor=bob, enquiries=[first], filters={})
    client = as_user(aud)

    before = last_seq()
    response = client.get(TRAIL, {"enquiry": str(first.pk)})
    assert response.status_code == 200
    shown = {row.seq for row in response.context["cl"].result_list}
    assert {(e.action, e.actor) for e in response.context["cl"].result_list} == {
        ("create", "alice"),
        ("list", "bob"),
    }
    [event] = events_after(before)
    assert (event.action, event.object_type, event.enquiry_id) == ("view", "auditevent", first.pk)
    assert event.filters == {"enquiry": str(first.pk)}

    response = client.get(TRAIL, {"actor": "bob", "action__exact": "create"})
    assert [e.enquiry_id for e in response.context["cl"].result_list] == [second.pk]
    response = client.get(
        TRAIL, {"at__gte": "2000-01-01 00:00:00+00:00", "at__lt": "2000-01-02 00:00:00+00:00"}
    )
    assert list(response.context["cl"].result_list) == []
    assert shown


def test_the_trail_cannot_be_changed_in_the_admin(aud: Any, alice: Any, as_user: Any) -> None:
    client = as_user(aud)
    seq = last_seq()
    assert client.get(f"{TRAIL}add/").status_code == 403
    assert client.post(f"{TRAIL}{seq}/delete/").status_code == 403
    response = client.post(f"{TRAIL}{seq}/change/", {"actor": "mallory"})
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["alice", "bob", "mona"])
def test_others_cannot_open_the_trail_in_the_admin(who: str, request: Any, as_user: Any) -> None:
    client = as_user(request.getfixturevalue(who))
    assert client.get(TRAIL).status_code == 403
    assert client.get(REPORT).status_code == 403


def test_the_access_report_page_for_one_enquiry(
    aud: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    selectors.enquiry_for_actor(actor=bob, pk=enquiry.pk)
    client = as_user(aud)
    assert client.get(REPORT).status_code == 200  # the empty form
    before = last_seq()
    response = client.get(REPORT, {"enquiry": str(enquiry.pk)})
    assert response.status_code == 200
    report = response.context["report"]
    assert [(a.actor, a.count) for a in report.accessed_by] == [("alice", 1), ("bob", 1)]
    page = response.content.decode()
    assert "alice" in page and "bob" in page and enquiry.subject_name not in page
    [event] = events_after(before)
    assert (event.action, event.object_type, event.enquiry_id) == (
        "export",
        "access_report",
        enquiry.pk,
    )


def test_the_access_report_page_posts_a_national_id_and_covers_the_persons_enquiries(
    aud: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    first = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    second = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    make_enquiry(actor=alice)  # someone else
    selectors.enquiry_for_actor(actor=bob, pk=second.pk)
    client = as_user(aud)
    form = client.get(REPORT).content.decode()
    assert re.search(r'<form method="post"[^>]*>', form) and "csrfmiddlewaretoken" in form
    before = last_seq()
    response = client.post(REPORT, {"national_id": NATIONAL_ID})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.enquiries == [first.pk, second.pk]
    assert [(a.actor, a.count) for a in report.accessed_by] == [("alice", 2), ("bob", 1)]
    [event] = events_after(before)
    assert (event.action, event.object_type, event.filters) == (
        "export",
        "access_report",
        {"by": "national_id"},
    )
    assert NATIONAL_ID not in str(AuditEvent.objects.filter(seq=event.seq).values().get())


def test_the_access_report_page_never_takes_a_national_id_from_the_url(
    aud: Any, alice: Any, as_user: Any
) -> None:
    make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    client = as_user(aud)
    before = last_seq()
    response = client.get(REPORT, {"national_id": NATIONAL_ID})
    assert response.status_code == 400
    assert NATIONAL_ID not in response.content.decode()
    assert events_after(before) == []


def test_the_access_report_page_refuses_a_bad_national_id(aud: Any, as_user: Any) -> None:
    client = as_user(aud)
    before = last_seq()
    response = client.post(REPORT, {"national_id": "12345678901"})
    assert response.status_code == 200 and response.context["report"] is None
    assert response.context["form"].errors["national_id"]
    assert events_after(before) == []


def test_searching_the_trail_with_any_text_does_not_fail(
    aud: Any, alice: Any, as_user: Any
) -> None:
    client = as_user(aud)
    for text in ("alice", "not-a-uuid", "00000000-0000-0000-0000-000000000000", NATIONAL_ID):
        assert client.post(TRAIL, {"q": text}).status_code == 200
    assert client.get(TRAIL, {"enquiry": "not-a-uuid"}).status_code == 200


def test_opening_one_event_is_recorded(aud: Any, alice: Any, as_user: Any) -> None:
    client = as_user(aud)
    seq = last_seq()
    response = client.get(f"{TRAIL}{seq}/change/")
    assert response.status_code == 200
    [event] = events_after(seq)
    assert (event.action, event.object_type, event.filters) == (
        "view",
        "auditevent",
        {"seq": str(seq)},
    )
