"""The auditor API: only Aud reads the trail, every read of it is itself recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from audit import refusals
from audit.models import AuditEvent, RefusalCount
from intake import selectors, services
from intake.models import Enquiry
from tests.audit.helpers import events_after, last_seq
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events/"
REPORT = "/api/v1/audit/access-report/"
CONTRACT_FIELDS = {
    "seq",
    "at",
    "actor",
    "actor_type",
    "action",
    "object_type",
    "object_id",
    "enquiry",
    "reason",
    "ip",
    "request_id",
}
NATIONAL_ID = "01014010005"  # valid check digits, born 1 January 1940


@pytest.mark.parametrize("who", ["alice", "bob", "mona", "tor"])
def test_staff_who_are_not_auditors_get_403_and_the_refusal_is_recorded(
    who: str, request: Any, as_user: Any
) -> None:
    user = request.getfixturevalue(who)
    client = as_user(user)
    for method, url, body in (
        ("get", EVENTS, None),
        ("get", f"{REPORT}?enquiry=00000000-0000-0000-0000-000000000000", None),
        ("post", REPORT, {"national_id": NATIONAL_ID}),
    ):
        before = last_seq()
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 403
        [event] = events_after(before)
        assert (event.action, event.actor, event.object_type) == (
            "permission_denied",
            who,
            "auditevent",
        )


def test_anonymous_callers_are_refused_with_401_and_the_refusal_is_counted(
    client: Any, db: Any
) -> None:
    # Counted, not chained one event each (issue 15): an unauthenticated caller must not grow the
    # trail; each closed window becomes one chained event with its count (audit.refusals).
    for number, (method, url, body) in enumerate(
        (
            ("get", EVENTS, None),
            ("get", f"{REPORT}?enquiry=00000000-0000-0000-0000-000000000000", None),
            ("post", REPORT, {"national_id": NATIONAL_ID}),
        ),
        start=1,
    ):
        before = last_seq()
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 401  # no credentials: 401, not 403 (API.md)
        assert response["WWW-Authenticate"] == "Api-Key"
        assert events_after(before) == []
        counted = RefusalCount.objects.filter(kind="unauthenticated").aggregate(n=Sum("count"))
        assert counted["n"] == number
    assert refusals.summarise(now=timezone.now() + dt.timedelta(hours=1)) == 1
    [event] = AuditEvent.objects.filter(object_type="refusal_count", object_id="unauthenticated")
    assert (event.action, event.actor_type, event.filters["count"]) == (
        "permission_denied",
        "public",
        3,
    )


def test_the_auditor_lists_events_in_seq_order_with_the_contract_fields(
    aud: Any, alice: Any, enquiry: Any, as_user: Any
) -> None:
    client = as_user(aud)
    body = client.get(EVENTS).json()
    assert set(body) == {"count", "next", "previous", "results"}
    seqs = [e["seq"] for e in body["results"]]
    assert seqs == sorted(seqs) and seqs
    assert set(body["results"][0]) >= CONTRACT_FIELDS
    created = next(e for e in body["results"] if e["action"] == "create")
    assert created["enquiry"] == str(enquiry.pk)
    assert created["actor"] == "alice" and created["actor_type"] == "user"
    assert created["at"].endswith(("+01:00", "+02:00"))  # Europe/Oslo, with offset


def test_the_filters_narrow_the_events(aud: Any, alice: Any, bob: Any, as_user: Any) -> None:
    first = make_enquiry(actor=alice)
    second = make_enquiry(actor=bob)
    selectors.log_enquiries_listed(actor=bob, enquiries=[first, second], filters={})
    client = as_user(aud)

    about_first = client.get(EVENTS, {"enquiry": str(first.pk)}).json()["results"]
    assert [(e["action"], e["actor"]) for e in about_first] == [
        ("create", "alice"),
        ("list", "bob"),
    ]

    by_bob = client.get(EVENTS, {"actor": "bob", "action": "create"}).json()["results"]
    assert [e["enquiry"] for e in by_bob] == [str(second.pk)]


@pytest.mark.parametrize(
    "query", [{"action": "read"}, {"enquiry": "not-a-uuid"}, {"action": "VIEW"}]
)
def test_bad_filters_are_400_naming_the_field(
    aud: Any, as_user: Any, query: dict[str, str]
) -> None:
    response = as_user(aud).get(EVENTS, query)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(query)  # the API's one error shape


def test_reading_the_trail_is_itself_recorded(aud: Any, enquiry: Any, as_user: Any) -> None:
    client = as_user(aud)
    before = last_seq()
    assert client.get(EVENTS, {"enquiry": str(enquiry.pk), "action": "create"}).status_code == 200
    [event] = events_after(before)
    assert (event.action, event.actor, event.object_type) == ("view", "aud", "auditevent")
    assert event.enquiry_id == enquiry.pk
    assert event.filters == {"enquiry": str(enquiry.pk), "action": "create", "page": 1}
    assert event.ip == "127.0.0.1" and event.request_id


def test_the_access_report_names_everyone_who_read_or_changed_the_enquiry(
    aud: Any, alice: Any, bob: Any, tor: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    other = make_enquiry(actor=alice)
    selectors.enquiry_for_actor(actor=bob, pk=enquiry.pk)
    selectors.log_enquiries_listed(actor=alice, enquiries=[other, enquiry], filters={})
    selectors.log_enquiries_listed(actor=alice, enquiries=[other], filters={})
    with pytest.raises(Enquiry.DoesNotExist):
        selectors.enquiry_for_actor(actor=tor, pk=enquiry.pk)
    services.enquiry_update(enquiry=enquiry, actor=bob, changes={"subject_phone": "33 11 22 33"})

    client = as_user(aud)
    before = last_seq()
    response = client.get(REPORT, {"enquiry": str(enquiry.pk)})
    assert response.status_code == 200
    report = response.json()
    assert [(e["actor"], e["action"]) for e in report["events"]] == [
        ("alice", "create"),
        ("bob", "view"),
        ("alice", "list"),
        ("tor", "permission_denied"),
        ("bob", "update"),
    ]
    assert {a["actor"]: a["count"] for a in report["accessed_by"]} == {
        "alice": 2,
        "bob": 2,
        "tor": 1,
    }
    assert all(a["first_at"] <= a["last_at"] for a in report["accessed_by"])
    [event] = events_after(before)
    assert (event.action, event.object_type, event.enquiry_id) == (
        "export",
        "access_report",
        enquiry.pk,
    )

    # The next report includes the auditor's own look.
    again = client.get(REPORT, {"enquiry": str(enquiry.pk)}).json()
    assert again["events"][-1]["actor"] == "aud"


def test_the_access_report_by_national_id_is_posted_and_covers_every_enquiry_about_the_person(
    aud: Any, alice: Any, as_user: Any
) -> None:
    first = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    second = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    make_enquiry(actor=alice)  # someone else
    client = as_user(aud)
    before = last_seq()
    response = client.post(REPORT, {"national_id": NATIONAL_ID}, content_type="application/json")
    assert response.status_code == 200
    report = response.json()
    assert {"count", "next", "previous", "results"} <= set(report)  # paginated (API.md)
    assert report["enquiries"] == [str(first.pk), str(second.pk)]
    assert report["count"] == 2 and report["next"] is None
    assert [(e["actor"], e["action"], e["enquiry"]) for e in report["results"]] == [
        ("alice", "create", str(first.pk)),
        ("alice", "create", str(second.pk)),
    ]
    assert {a["actor"]: a["count"] for a in report["accessed_by"]} == {"alice": 2}
    [event] = events_after(before)
    assert (event.action, event.object_type, event.filters) == (
        "export",
        "access_report",
        {"by": "national_id"},
    )
    assert event.enquiry_ids == [str(first.pk), str(second.pk)]
    assert NATIONAL_ID not in str(AuditEvent.objects.filter(seq=event.seq).values().get())


def test_the_access_report_by_national_id_pages_without_the_number_in_its_links(
    aud: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    for _ in range(55):  # 56 events with the create: two pages of 50
        selectors.enquiry_for_actor(actor=bob, pk=enquiry.pk)
    client = as_user(aud)
    first = client.post(REPORT, {"national_id": NATIONAL_ID}, content_type="application/json")
    page = first.json()
    assert page["count"] == 56 and len(page["results"]) == 50
    assert page["next"].endswith("/api/v1/audit/access-report/?page=2")
    second = client.post(
        page["next"], {"national_id": NATIONAL_ID}, content_type="application/json"
    ).json()
    assert [e["seq"] for e in page["results"] + second["results"]] == sorted(
        e["seq"] for e in page["results"] + second["results"]
    )
    # The first page's own export shows the auditor's look at the end of the report.
    assert second["count"] == 57 and len(second["results"]) == 7 and second["next"] is None
    assert (second["results"][-1]["actor"], second["results"][-1]["action"]) == ("aud", "export")
    assert NATIONAL_ID not in f"{page['next']}{second['previous']}"


def test_a_national_id_is_never_taken_from_the_url(
    aud: Any, alice: Any, as_user: Any, caplog: Any
) -> None:
    make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    client = as_user(aud)
    before = last_seq()
    response = client.get(REPORT, {"national_id": NATIONAL_ID})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"national_id"}
    assert NATIONAL_ID not in response.content.decode()
    assert events_after(before) == []  # no report was made
    assert NATIONAL_ID not in caplog.text


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"enquiry": "x"},
        {"national_id": "12345678901"},
        {"enquiry": "00000000-0000-0000-0000-000000000000", "national_id": NATIONAL_ID},
    ],
)
def test_a_bad_access_report_query_is_400(aud: Any, as_user: Any, query: dict[str, str]) -> None:
    client = as_user(aud)
    before = last_seq()
    assert client.get(REPORT, query).status_code == 400
    assert events_after(before) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"national_id": "12345678901"},
        {"national_id": "0101401000"},
        {"national_id": 1014010005},
        {"national_id": NATIONAL_ID, "enquiry": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_a_bad_access_report_body_is_400_naming_the_field(
    aud: Any, as_user: Any, body: dict[str, Any]
) -> None:
    client = as_user(aud)
    before = last_seq()
    response = client.post(REPORT, body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == (set(body) - {"national_id"} or {"national_id"})
    assert events_after(before) == []


def test_the_auditor_cannot_read_enquiries(aud: Any, enquiry: Any, as_user: Any) -> None:
    client = as_user(aud)
    assert client.get("/admin/intake/enquiry/").status_code == 403
    before = last_seq()
    response = client.get(f"/admin/intake/enquiry/{enquiry.pk}/change/")
    assert response.status_code == 302  # "not found", like any enquiry one may not see
    assert enquiry.subject_name not in client.get(response.url).content.decode()
    assert [e.action for e in events_after(before)] == ["permission_denied"]
    with pytest.raises(Enquiry.DoesNotExist), transaction.atomic():
        selectors.enquiry_for_actor(actor=aud, pk=enquiry.pk)
    assert not selectors.enquiries_visible_to(aud).exists()
