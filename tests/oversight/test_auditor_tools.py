"""The auditor's tools (issue 20, item 4): references instead of UUIDs, labels instead of
codes, newest first, a person's events by a POSTed national id, and an audited CSV export of
the filtered view."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from intake import selectors
from tests.audit.helpers import events_after, last_seq
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

TRAIL = "/admin/audit/auditevent/"
EXPORT = "/admin/audit/auditevent/export/"
REPORT = "/admin/audit/auditevent/access-report/"
NATIONAL_ID = "01014010005"


def test_the_trail_is_newest_first_with_references_and_labels(
    aud: Any, alice: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    response = as_user(aud).get(TRAIL)
    rows = list(response.context["cl"].result_list)
    assert [e.seq for e in rows] == sorted((e.seq for e in rows), reverse=True)
    page = response.content.decode()
    assert enquiry.reference in page and str(enquiry.pk) not in page
    assert "Opprettet" in page and "Ansatt" in page  # "create", "user" as labels


def test_the_auditor_filters_by_reference(aud: Any, alice: Any, bob: Any, as_user: Any) -> None:
    first = make_enquiry(actor=alice)
    make_enquiry(actor=alice)
    selectors.enquiry_for_actor(actor=bob, pk=first.pk)
    client = as_user(aud)
    before = last_seq()
    response = client.get(TRAIL, {"enquiry": first.reference.lower()})
    assert response.status_code == 200
    assert {(e.action, e.actor) for e in response.context["cl"].result_list} == {
        ("create", "alice"),
        ("view", "bob"),
    }
    [event] = events_after(before)
    assert event.enquiry_id == first.pk
    assert list(client.get(TRAIL, {"enquiry": "TE-1999-000001"}).context["cl"].result_list) == []


def test_a_reference_or_a_national_id_typed_in_the_search_box(
    aud: Any, alice: Any, as_user: Any
) -> None:
    first = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    second = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    other = make_enquiry(actor=alice)
    client = as_user(aud)
    before = last_seq()
    response = client.post(TRAIL, {"q": NATIONAL_ID})
    shown = {e.enquiry_id for e in response.context["cl"].result_list}
    assert shown == {first.pk, second.pk}
    [event] = events_after(before)
    assert event.filters == {"search": True}
    # Shown back in the search box (the body of a POST's answer), never in a link or address.
    links = re.findall(r'(?:href|action)="([^"]*)"', response.content.decode())
    assert links and not [link for link in links if NATIONAL_ID in link]
    response = client.post(TRAIL, {"q": other.reference})
    assert {e.enquiry_id for e in response.context["cl"].result_list} == {other.pk}


def test_the_filtered_view_exports_as_csv_and_the_export_is_recorded(
    aud: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    first = make_enquiry(actor=alice)
    make_enquiry(actor=bob)
    client = as_user(aud)
    assert client.get(EXPORT).status_code == 405
    before = last_seq()
    response = client.post(f"{EXPORT}?actor=alice&action__exact=create")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["løpenummer", "tidspunkt", "handling"]
    assert [(r[2], r[3], r[5], r[8]) for r in rows[1:]] == [
        ("Opprettet", "create", "alice", first.reference)
    ]
    [event] = events_after(before)
    assert (event.action, event.object_type) == ("export", "auditevent")
    assert event.filters == {"actor": "alice", "action__exact": "create", "rows": 1}


def test_the_export_of_a_persons_events_keeps_the_number_out_of_the_trail(
    aud: Any, alice: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    make_enquiry(actor=alice)
    client = as_user(aud)
    before = last_seq()
    response = client.post(EXPORT, {"q": NATIONAL_ID})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert {r[8] for r in rows} == {enquiry.reference}
    [event] = events_after(before)
    assert event.filters == {"search": True, "rows": len(rows)}


@pytest.mark.parametrize("who", ["alice", "bob", "mona"])
def test_only_auditors_export_the_trail(who: str, request: Any, as_user: Any) -> None:
    client = as_user(request.getfixturevalue(who))
    assert client.post(EXPORT).status_code == 403


def test_the_access_report_takes_a_reference_and_shows_references_and_labels(
    aud: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    selectors.enquiry_for_actor(actor=bob, pk=enquiry.pk)
    client = as_user(aud)
    response = client.post(REPORT, {"enquiry": enquiry.reference})
    assert response.status_code == 200
    assert response.context["report"].enquiries == [enquiry.pk]
    page = response.content.decode()
    assert enquiry.reference in page and str(enquiry.pk) not in page
    assert "Ansatt" in page and "Opprettet" in page and ">create<" not in page
    response = client.post(REPORT, {"enquiry": "TE-1999-000001"})
    assert response.context["report"] is None and response.context["form"].errors["enquiry"]
