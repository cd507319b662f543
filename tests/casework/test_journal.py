"""The journal (kontaktlogg) and the enquiry's timeline (issue 16, item 1): through the admin and
the API. The cast: Alice (team member) writes and corrects, Bob (coordinator), Tor (another
team), Aud (auditor)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from casework import journal, timeline
from casework.models import JournalEntry
from intake import clock
from kernel.errors import EnquiryClosed
from tests.conftest import sign_in_client
from tests.factories import make_enquiry
from tests.html_forms import page_form_data

pytestmark = pytest.mark.django_db


def change_url(enquiry: Any) -> str:
    return f"/admin/intake/enquiry/{enquiry.pk}/change/"


def journal_url(enquiry: Any) -> str:
    return f"/admin/intake/enquiry/{enquiry.pk}/journal/"


def api(user: Any) -> APIClient:
    return sign_in_client(APIClient(), user)


def write(enquiry: Any, actor: Any, text: str, *, hours_ago: float = 0, **kwargs: Any) -> Any:
    return journal.journal_add(
        enquiry=enquiry,
        actor=actor,
        kind=kwargs.pop("kind", "phone_call"),
        occurred_at=timezone.now() - dt.timedelta(hours=hours_ago),
        text=text,
        **kwargs,
    )


# --- The admin ---


def test_a_text_over_the_limit_is_refused_with_the_whole_text_kept_never_cut(
    enquiry: Any, alice: Any, as_user: Any
) -> None:
    """Found by using the service: the textarea's maxlength let the browser cut a pasted note
    at 10,000 characters and the page said it was saved. The limit is stated, not enforced by
    the browser; a longer text is refused on the field and shown again whole."""
    client = as_user(alice)
    page = client.get(journal_url(enquiry)).content.decode()
    assert "maxlength" not in page
    assert f"{journal.JOURNAL_TEXT_MAX_LENGTH}" in page.replace("\xa0", "").replace(" ", "")
    form = page_form_data(page)
    long_text = "Ringte datteren. " * 700  # 11,900 characters
    form.update(kind="phone_call", occurred_at="2026-11-02 09:30", text=long_text)
    response = client.post(journal_url(enquiry), form)
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    assert long_text.strip() in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_a_team_member_writes_an_entry_and_its_correction_on_the_page(
    enquiry: Any, alice: Any, as_user: Any
) -> None:
    client = as_user(alice)
    page = client.get(change_url(enquiry)).content.decode()
    assert f'href="{journal_url(enquiry)}"' in page
    form = page_form_data(client.get(journal_url(enquiry)).content.decode())
    form.update(
        kind="phone_call",
        occurred_at="2026-11-02 09:30",
        text="Ringte datteren. Hun bekrefter at broren tar pensjonen.",
    )
    response = client.post(journal_url(enquiry), form)
    assert response.status_code == 302
    entry = JournalEntry.objects.get(enquiry=enquiry)
    assert (entry.kind, entry.author, entry.corrects) == ("phone_call", alice, None)
    # When it happened (earlier), not when it was written.
    assert timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M") == "2026-11-02 09:30"
    assert entry.created_at > entry.occurred_at
    assert AuditEvent.objects.filter(
        action="create", object_type="journalentry", object_id=str(entry.pk)
    ).exists()

    # The correction: a new entry pointing at the first; the first is kept as it was.
    correct_url = f"{journal_url(enquiry)}?corrects={entry.pk}"
    page = client.get(change_url(enquiry)).content.decode()
    assert correct_url.replace("?", "?") in page.replace("&amp;", "&")
    form = page_form_data(client.get(correct_url).content.decode())
    assert form["corrects"] == [str(entry.pk)] or form["corrects"] == str(entry.pk)
    form["text"] = "Rettelse: det var sønnen, ikke broren, som tar pensjonen."
    response = client.post(correct_url, form)
    assert response.status_code == 302
    correction = JournalEntry.objects.exclude(pk=entry.pk).get()
    assert correction.corrects == entry
    entry.refresh_from_db()
    assert entry.text.startswith("Ringte datteren")

    # Shown together: the correction inside the corrected entry's item on the timeline.
    page = client.get(change_url(enquiry)).content.decode()
    item = re.search(rf'<li[^>]*id="journal-{entry.pk}".*?</ul>', page, re.S)
    assert item, "the corrected entry is not on the timeline"
    assert f'id="journal-{correction.pk}"' in item.group(0)
    assert "det var sønnen" in item.group(0)


def test_a_forged_correction_of_another_enquirys_entry_is_refused(
    enquiry: Any, alice: Any, as_user: Any
) -> None:
    other = make_enquiry(actor=alice)
    foreign = write(other, alice, "Notat på en annen sak.")
    client = as_user(alice)
    form = page_form_data(client.get(journal_url(enquiry)).content.decode())
    form.update(kind="note", occurred_at="2026-11-02 09:30", text="x", corrects=str(foreign.pk))
    response = client.post(journal_url(enquiry), form)
    assert response.status_code == 302  # back to the enquiry with the refusal
    assert not JournalEntry.objects.filter(enquiry=enquiry).exists()


def test_entries_in_the_future_and_empty_entries_are_refused_on_the_form(
    enquiry: Any, alice: Any, as_user: Any
) -> None:
    client = as_user(alice)
    form = page_form_data(client.get(journal_url(enquiry)).content.decode())
    future = timezone.localtime() + dt.timedelta(days=2)
    form.update(kind="note", occurred_at=future.strftime("%Y-%m-%d %H:%M"), text="  ")
    response = client.post(journal_url(enquiry), form)
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    form["text"] = "Skal ringe i overmorgen."
    response = client.post(journal_url(enquiry), form)
    assert response.status_code == 200
    assert "occurred_at" in response.context["form"].errors
    assert not JournalEntry.objects.exists()


def test_other_teams_and_auditors_cannot_write_and_a_closed_enquiry_is_read_only(
    closed: Any, alice: Any, tor: Any, aud: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    occurred = timezone.now()
    for outsider in (tor, aud):
        with pytest.raises(PermissionDenied) as refused:
            journal.journal_add(
                enquiry=enquiry, actor=outsider, kind="note", occurred_at=occurred, text="x"
            )
        assert type(refused.value) is PermissionDenied
    with pytest.raises(EnquiryClosed):
        journal.journal_add(
            enquiry=closed, actor=alice, kind="note", occurred_at=occurred, text="x"
        )
    assert not JournalEntry.objects.exists()


# --- The API ---


def test_the_api_lists_newest_first_and_takes_an_entry_and_a_correction(
    enquiry: Any, alice: Any
) -> None:
    older = write(enquiry, alice, "Hjemmebesøk.", hours_ago=30, kind="home_visit")
    newer = write(enquiry, alice, "Møte med fastlegen.", hours_ago=2, kind="meeting")
    client = api(alice)
    url = f"/api/v1/enquiries/{enquiry.pk}/journal/"
    listed = client.get(url).json()
    assert [e["id"] for e in listed["results"]] == [newer.pk, older.pk]
    assert listed["results"][0]["author"] == "alice"
    assert listed["results"][0]["corrects"] is None

    occurred = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        url,
        {"kind": "phone_call", "occurred_at": occurred, "text": "Ringte NAV.", "corrects": None},
        format="json",
    )
    assert response.status_code == 201
    created = response.json()
    assert created["kind"] == "phone_call" and created["author"] == "alice"
    response = client.post(
        url,
        {"kind": "note", "occurred_at": occurred, "text": "Rettelse.", "corrects": created["id"]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["corrects"] == created["id"]


def test_the_api_refuses_bad_entries_naming_the_field_and_never_changes_one(
    enquiry: Any, alice: Any
) -> None:
    entry = write(enquiry, alice, "Notat.")
    other = write(make_enquiry(actor=alice), alice, "Annen sak.")
    client = api(alice)
    url = f"/api/v1/enquiries/{enquiry.pk}/journal/"
    now = timezone.now().isoformat()
    cases = [
        ({"kind": "letter", "occurred_at": now, "text": "x"}, "kind"),
        ({"kind": "note", "occurred_at": "yesterday", "text": "x"}, "occurred_at"),
        ({"kind": "note", "occurred_at": now, "text": ""}, "text"),
        ({"kind": "note", "occurred_at": now, "text": "x", "corrects": other.pk}, "corrects"),
        ({"kind": "note", "occurred_at": now, "text": "x", "author": "bob"}, "author"),
        (
            {
                "kind": "note",
                "occurred_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
                "text": "x",
            },
            "occurred_at",
        ),
    ]
    for body, field in cases:
        response = client.post(url, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["errors"], body
    for method in (client.put, client.patch, client.delete):
        assert method(url, {"text": "endret"}, format="json").status_code == 405
    assert JournalEntry.objects.filter(enquiry=enquiry).count() == 1
    entry.refresh_from_db()
    assert entry.text == "Notat."


def test_the_api_journal_of_another_team_is_not_found_and_a_closed_enquiry_answers_409(
    enquiry: Any, closed: Any, alice: Any, tor: Any
) -> None:
    assert api(tor).get(f"/api/v1/enquiries/{enquiry.pk}/journal/").status_code == 404
    body = {"kind": "note", "occurred_at": timezone.now().isoformat(), "text": "x"}
    response = api(alice).post(f"/api/v1/enquiries/{closed.pk}/journal/", body, format="json")
    assert response.status_code == 409


# --- The timeline ---


def test_the_timeline_merges_every_kind_newest_first_and_filters_by_kind(
    forwarded: Any, alice: Any, as_user: Any
) -> None:
    write(forwarded, alice, "Samtale med den eldre.", hours_ago=50, kind="meeting")
    write(forwarded, alice, "Notat skrevet nå.")
    clock.enquiry_clock_pause(
        enquiry=forwarded,
        actor=alice,
        until=timezone.now() + dt.timedelta(days=3),
        reason="Venter på samtykke",
    )
    items = timeline.timeline(forwarded)
    kinds = {item.kind for item in items}
    assert {"journal", "state", "assessment", "referral", "pause"} <= kinds
    times = [item.at for item in items]
    assert times == sorted(times, reverse=True)
    assert items[-1].text == "Samtale med den eldre."  # happened first, written last but one

    client = as_user(alice)
    page = client.get(change_url(forwarded)).content.decode()
    shown = re.findall(r'class="timeline-item timeline-(\w+)"', page)
    assert set(shown) == kinds
    page = client.get(change_url(forwarded) + "?timeline=journal").content.decode()
    shown = re.findall(r'class="timeline-item timeline-(\w+)"', page)
    assert shown == ["journal", "journal"]
    assert re.search(r'<strong aria-current="true">[^<]+</strong>', page)


def test_the_timeline_takes_the_same_number_of_queries_for_5_and_60_items(
    forwarded: Any, alice: Any
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            timeline.timeline(forwarded)
        return len(queries)

    write(forwarded, alice, "Første.")
    few = count()
    for n in range(30):
        entry = write(forwarded, alice, f"Notat {n}.", hours_ago=n)
        write(forwarded, alice, f"Rettelse {n}.", corrects=entry)
    items = timeline.timeline(forwarded)
    assert len(items) + sum(len(item.corrections) for item in items) > 60
    assert count() == few


def test_the_enquiry_page_takes_the_same_number_of_queries_for_few_and_many_timeline_items(
    forwarded: Any, alice: Any, as_user: Any
) -> None:
    client = as_user(alice)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(change_url(forwarded))
        assert response.status_code == 200
        return len(queries)

    write(forwarded, alice, "Første.")
    client.get(change_url(forwarded))  # the session and caches warm
    few = page_queries()
    for n in range(40):
        entry = write(forwarded, alice, f"Notat {n}.", hours_ago=n, kind="home_visit")
        if n % 4 == 0:
            write(forwarded, alice, f"Rettelse {n}.", corrects=entry)
    many = page_queries()
    assert many == few, f"{few} queries with 1 journal entry, {many} with 50"
