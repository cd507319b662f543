"""The same adult across enquiries (issue 17): recognised by national id, D-number, or name and
birth date; shown on the enquiry page, the create form and the risk form, scoped to the team;
linked, merged and unlinked with their audit events; searched by person, always POSTed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import journal, links, persons_api
from casework import services as casework_services
from casework.models import Duplicate, EnquiryLink, JournalEntry
from intake import persons
from intake import services as intake_services
from intake.models import AssessmentInstrument, Enquiry, ReporterMessage
from kernel.national_id import _WEIGHTS_1, _WEIGHTS_2, _check_digit
from kernel.person_keys import name_key, national_id_key
from tests.api.conftest import staff_client
from tests.audit.helpers import events_after, last_seq
from tests.factories import make_enquiry


def with_check_digits(first_nine: str) -> str:
    """An 11-digit id with valid check digits for ``first_nine`` (individual numbers chosen by
    the test so that both check digits exist)."""
    for individual in range(int(first_nine[6:9]), 1000):
        nine = first_nine[:6] + f"{individual:03d}"
        digits = [int(c) for c in nine]
        k1 = _check_digit(digits, _WEIGHTS_1)
        if k1 is None:
            continue
        k2 = _check_digit([*digits, k1], _WEIGHTS_2)
        if k2 is not None:
            return f"{nine}{k1}{k2}"
    raise AssertionError("no id")


NATIONAL_ID = "01014010005"  # born 1 January 1940
OTHER_ID = with_check_digits("020140100")  # born 2 January 1940
D_NUMBER = with_check_digits("410140200")  # a D-number: day + 40, born 1 January 1940


def test_the_name_key_folds_case_spaces_and_accents_but_keeps_ae_oe_aa() -> None:
    assert name_key("  Ola   NORDMANN ") == name_key("ola nordmann") == "ola nordmann"
    assert name_key("José Müller-Lüdenscheid") == name_key("jose muller ludenscheid")
    assert name_key("Åse Bø") == "åse bø"
    assert name_key("Åse Bø") != name_key("Ase Bo")
    assert name_key("Ærlig") != name_key("Aerlig") != name_key("Arlig")
    assert name_key("ÅSE BØ") == name_key("åse bø")


def test_the_national_id_is_kept_only_as_a_keyed_hash(settings: Any) -> None:
    key = national_id_key(NATIONAL_ID)
    assert len(key) == 64 and NATIONAL_ID not in key
    settings.PERSON_HMAC_KEY = "another key"
    assert national_id_key(NATIONAL_ID) != key  # without the key, the hash cannot be recomputed


def _matches(alice: Any, enquiry: Enquiry) -> dict[str, str]:
    found = persons.related_to(actor=alice, enquiry=enquiry, where="test")
    return {e.reference: e.match for e in found.enquiries}


@pytest.mark.django_db
def test_it_finds_an_earlier_enquiry_by_national_id(alice: Any) -> None:
    first = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID, subject_name="Ola Hansen")
    second = make_enquiry(
        actor=alice, subject_national_id=NATIONAL_ID, subject_name="O. Hansen-Berg"
    )
    make_enquiry(actor=alice, subject_national_id=OTHER_ID, subject_birth_date=None)
    assert _matches(alice, second) == {first.reference: "national_id"}
    assert _matches(alice, first) == {second.reference: "national_id"}
    assert Enquiry.objects.get(pk=second.pk).subject_national_id_key == national_id_key(NATIONAL_ID)


@pytest.mark.django_db
def test_it_finds_an_earlier_enquiry_by_d_number(alice: Any) -> None:
    first = make_enquiry(actor=alice, subject_national_id=D_NUMBER, subject_name="Ali Nur")
    second = make_enquiry(actor=alice, subject_national_id=D_NUMBER, subject_name="")
    assert _matches(alice, second) == {first.reference: "national_id"}


@pytest.mark.django_db
def test_it_finds_by_name_and_birth_date_whatever_the_case_spaces_and_accents(alice: Any) -> None:
    born = dt.date(1940, 1, 1)
    first = make_enquiry(actor=alice, subject_name="Émile  Østby", subject_birth_date=born)
    by_year = make_enquiry(
        actor=alice, subject_name="ÉMILE ØSTBY", subject_birth_date=None, subject_birth_year=1940
    )
    second = make_enquiry(actor=alice, subject_name="emile østby", subject_birth_date=born)
    other_day = make_enquiry(
        actor=alice, subject_name="Emile Østby", subject_birth_date=dt.date(1940, 1, 2)
    )
    not_oe = make_enquiry(actor=alice, subject_name="Emile Ostby", subject_birth_date=born)
    found = _matches(alice, second)
    assert found == {first.reference: "name_and_birth", by_year.reference: "name_and_birth"}
    assert other_day.reference not in found and not_oe.reference not in found
    assert _matches(alice, not_oe) == {}  # not across ø/o


@pytest.mark.django_db
def test_not_across_ae_and_a(alice: Any) -> None:
    born = dt.date(1950, 5, 5)
    make_enquiry(actor=alice, subject_name="Kåre Bæk", subject_birth_date=born)
    other = make_enquiry(actor=alice, subject_name="Kare Bak", subject_birth_date=born)
    assert _matches(alice, other) == {}


@pytest.mark.django_db
def test_a_different_national_id_is_another_person_whatever_the_name(alice: Any) -> None:
    make_enquiry(actor=alice, subject_national_id=NATIONAL_ID, subject_name="Ola Hansen")
    other = make_enquiry(
        actor=alice,
        subject_national_id=OTHER_ID,
        subject_name="Ola Hansen",
        subject_birth_date=None,
    )
    assert _matches(alice, other) == {}


@pytest.mark.django_db
def test_changing_the_adults_identity_computes_the_keys_again(alice: Any) -> None:
    first = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    second = make_enquiry(actor=alice, subject_name="", subject_birth_date=None)
    assert _matches(alice, second) == {}
    intake_services.enquiry_update(
        enquiry=second, actor=alice, changes={"subject_national_id": NATIONAL_ID}
    )
    assert _matches(alice, second) == {first.reference: "national_id"}
    assert Enquiry.objects.get(pk=second.pk).repeat_within_year is True


@pytest.mark.django_db
def test_another_teams_enquiries_are_counted_never_shown(alice: Any, tor: Any) -> None:
    theirs = make_enquiry(actor=tor, subject_national_id=NATIONAL_ID)
    ours = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    before = last_seq()
    found = persons.related_to(actor=alice, enquiry=ours, where="enquiry_page")
    assert found.enquiries == [] and found.other_teams == 1
    [event] = events_after(before)
    assert event.action == "list" and event.enquiry_ids == []
    assert event.filters == {"same_adult": "enquiry_page", "other_teams": 1}
    assert str(theirs.pk) not in str(event.filters)

    client = staff_client(alice)
    body = client.get(f"/api/v1/enquiries/{ours.pk}/related/").json()
    assert body == {"count": 0, "results": [], "other_teams": 1}
    page = client.get(f"/admin/intake/enquiry/{ours.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert theirs.reference not in html
    assert "Et annet team har 1 henvendelse om denne personen" in html


@pytest.mark.django_db
def test_the_enquiry_page_lists_the_teams_earlier_and_later_enquiries(
    alice: Any, as_user: Any
) -> None:
    first = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    casework_services.enquiry_close(
        enquiry=first,
        actor=alice,
        outcome="risk_reduced",
        outcome_asked="not_asked",
        measures=["conversation"],
    )
    this = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    later = make_enquiry(actor=alice, subject_name="OLA  HANSEN")
    before = last_seq()
    html = as_user(alice).get(f"/admin/intake/enquiry/{this.pk}/change/").content.decode()
    panel = html[html.index('id="same-adult"') :]
    for other in (first, later):
        assert other.reference in panel
    assert "fødselsnummer" in panel and "navn og fødselsdato" in panel
    looked_up = [e for e in events_after(before) if e.filters.get("same_adult")]
    assert [set(e.enquiry_ids) for e in looked_up] == [{str(first.pk), str(later.pk)}]


@pytest.mark.django_db
def test_the_enquiry_page_makes_a_fixed_number_of_queries_for_its_related_list(
    alice: Any, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    this = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    client = as_user(alice)
    client.get(f"/admin/intake/enquiry/{this.pk}/change/")  # warm caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"/admin/intake/enquiry/{this.pk}/change/")
    for _ in range(8):
        make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/admin/intake/enquiry/{this.pk}/change/")


@pytest.mark.django_db
def test_the_risk_form_shows_the_count_of_the_last_12_months_and_asks_about_it(
    alice: Any, tor: Any, as_user: Any
) -> None:
    make_enquiry(actor=tor, subject_national_id=NATIONAL_ID)
    make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    this = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    html = as_user(alice).get(f"/admin/intake/enquiry/{this.pk}/transition/assess/").content
    html = html.decode()
    assert "2 andre henvendelser om denne personen har kommet inn de siste 12 månedene" in html
    instrument = AssessmentInstrument.current()
    assert instrument.items.filter(code="vulnerability_repeated_concerns").exists()
    assert "Det har kommet flere henvendelser om den utsatte de siste 12 månedene" in html


# --- Linking and merging ---


@pytest.mark.django_db
def test_link_and_undo_with_their_audit_events(alice: Any) -> None:
    first = make_enquiry(actor=alice)
    second = make_enquiry(actor=alice)
    before = last_seq()
    link = links.enquiry_link(enquiry=first, other=second, kind="same_event", actor=alice)
    [created] = events_after(before)
    assert (created.action, created.object_type, created.filters) == (
        "create",
        "enquirylink",
        {"kind": "same_event"},
    )
    assert set(created.enquiry_ids) == {str(first.pk), str(second.pk)}
    with pytest.raises(ValidationError):
        links.enquiry_link(enquiry=second, other=first, kind="same_event", actor=alice)
    assert [lk.pk for lk in links.active_links(second)] == [link.pk]

    before = last_seq()
    links.enquiry_unlink(link=link, actor=alice)
    [undone] = events_after(before)
    assert (undone.action, undone.object_type, undone.fields) == (
        "update",
        "enquirylink",
        ["removed_at", "removed_by"],
    )
    assert links.active_links(first) == []
    assert EnquiryLink.objects.get(pk=link.pk).removed_by == alice  # the history stays


@pytest.mark.django_db
def test_linking_checks_both_enquiries_teams(alice: Any, tor: Any) -> None:
    ours = make_enquiry(actor=alice)
    theirs = make_enquiry(actor=tor)
    with pytest.raises(PermissionDenied):
        links.enquiry_link(enquiry=ours, other=theirs, kind="same_adult", actor=alice)
    with pytest.raises(PermissionDenied):
        links.enquiry_close_as_duplicate(enquiry=ours, kept=theirs, actor=alice)
    response = staff_client(alice).post(
        f"/api/v1/enquiries/{ours.pk}/links/",
        {"other": str(theirs.pk), "kind": "same_adult"},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()["errors"]) == {"other"}
    assert not EnquiryLink.objects.exists()


@pytest.mark.django_db
def test_close_as_duplicate_points_at_the_kept_one_and_shows_its_messages_there(
    alice: Any,
) -> None:
    kept = make_enquiry(actor=alice)
    duplicate = make_enquiry(actor=alice)
    message = ReporterMessage.objects.create(
        enquiry=duplicate, direction="from_reporter", text="Hei", at=duplicate.received_at
    )
    before = last_seq()
    links.enquiry_close_as_duplicate(enquiry=duplicate, kept=kept, actor=alice, note="Samme")
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.outcome, duplicate.duplicate_record.kept) == (
        "closed",
        "duplicate",
        kept,
    )
    kinds = [(e.action, e.object_type) for e in events_after(before)]
    assert kinds == [("transition", "enquiry"), ("update", "enquiry")]
    merged = events_after(before)[-1]
    assert merged.filters == {
        "merged_into": str(kept.pk),
        "reporter_messages": 1,
        "journal_entries": 0,
    }
    assert list(links.reporter_messages_in_timeline(kept)) == [message]
    # The duplicate's reporter keeps their own conversation; the kept one's reporter never
    # reads it (the status page shows a receipt's own enquiry's messages).
    assert list(kept.reporter_messages.all()) == []
    with pytest.raises(ValidationError):
        links.enquiry_close_as_duplicate(enquiry=kept, kept=kept, actor=alice)


@pytest.mark.django_db
def test_the_api_links_undoes_and_closes_as_duplicate(alice: Any) -> None:
    kept = make_enquiry(actor=alice)
    duplicate = make_enquiry(actor=alice)
    client = staff_client(alice)
    created = client.post(
        f"/api/v1/enquiries/{duplicate.pk}/links/",
        {"other": str(kept.pk), "kind": "same_event"},
        format="json",
    )
    assert created.status_code == 201, created.content
    link_id = created.json()["id"]
    assert [lk["id"] for lk in client.get(f"/api/v1/enquiries/{kept.pk}/links/").json()] == [
        link_id
    ]
    assert client.delete(f"/api/v1/enquiries/{kept.pk}/links/{link_id}/").status_code == 204
    assert client.delete(f"/api/v1/enquiries/{kept.pk}/links/{link_id}/").status_code == 404
    refused = client.post(
        f"/api/v1/enquiries/{duplicate.pk}/close/",
        {"outcome": "risk_reduced", "duplicate_of": str(kept.pk)},
        format="json",
    )
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"duplicate_of"}
    closed = client.post(
        f"/api/v1/enquiries/{duplicate.pk}/close/",
        {"outcome": "duplicate", "duplicate_of": str(kept.pk), "outcome_asked": "not_asked"},
        format="json",
    )
    assert closed.status_code == 200, closed.content
    assert Duplicate.objects.get(enquiry=duplicate).kept == kept


# --- Search by person ---


@pytest.mark.django_db
def test_the_posted_person_search_is_scoped_logged_and_paged(
    alice: Any, tor: Any, aud: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(persons_api.PersonPage, "page_size", 2)
    ours = [make_enquiry(actor=alice, subject_national_id=NATIONAL_ID) for _ in range(3)]
    theirs = make_enquiry(actor=tor, subject_national_id=NATIONAL_ID)
    make_enquiry(actor=alice, subject_national_id=OTHER_ID, subject_birth_date=None)
    client = staff_client(alice)
    before = last_seq()
    first = client.post("/api/v1/persons/search/", {"national_id": NATIONAL_ID}, format="json")
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert "national_id" not in body["next"] and NATIONAL_ID not in body["next"]
    second = client.post(body["next"], {"national_id": NATIONAL_ID}, format="json").json()
    found = {r["id"] for r in body["results"] + second["results"]}
    assert found == {str(e.pk) for e in ours}
    assert {r["match"] for r in body["results"]} == {"national_id"}
    searched = events_after(before)
    assert [e.filters["page"] for e in searched] == [1, 2]
    assert all(NATIONAL_ID not in str(e.filters) for e in searched)
    assert {pk for e in searched for pk in e.enquiry_ids} == {str(e.pk) for e in ours}

    by_name = client.post(
        "/api/v1/persons/search/", {"name": "OLA hansen", "birth_year": 1940}, format="json"
    )
    # By name and year: the three, and the other id's Ola Hansen born in 1940 (no id was given).
    assert by_name.json()["count"] == 4
    # The auditor finds every team's, to make an access report.
    audited = staff_client(aud).post(
        "/api/v1/persons/search/", {"national_id": NATIONAL_ID}, format="json"
    )
    assert audited.json()["count"] == 4
    assert str(theirs.pk) not in str(first.json()) + str(second)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"national_id": "01014010006"}, {"national_id"}),
        ({"name": "Ola Hansen"}, {"birth_date"}),
        ({"birth_year": 1940}, {"name"}),
        ({"national_id": NATIONAL_ID, "name": "Ola"}, {"name"}),
        ({"name": "Ola", "birth_date": "1940-13-01"}, {"birth_date"}),
        ({"ssn": NATIONAL_ID}, {"ssn"}),
    ],
)
def test_a_bad_person_search_is_a_400_naming_the_field(
    alice: Any, body: dict[str, Any], fields: set[str]
) -> None:
    client = staff_client(alice)
    before = last_seq()
    response = client.post("/api/v1/persons/search/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields
    assert NATIONAL_ID not in response.content.decode()
    assert events_after(before) == []


@pytest.mark.django_db
@pytest.mark.not_in_schema  # the search has no GET operation: these answers are refusals
def test_a_person_is_never_searched_by_a_url(alice: Any, mona: Any) -> None:
    client = staff_client(alice)
    assert client.get(f"/api/v1/persons/search/?national_id={NATIONAL_ID}").status_code == 400
    assert client.get("/api/v1/persons/search/").status_code == 405
    assert (
        staff_client(mona)
        .post("/api/v1/persons/search/", {"national_id": NATIONAL_ID}, format="json")
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_the_admin_person_search_is_posted_and_paged(alice: Any, as_user: Any) -> None:
    found = [make_enquiry(actor=alice, subject_national_id=NATIONAL_ID) for _ in range(3)]
    client = as_user(alice)
    page = client.get("/admin/intake/enquiry/person-search/").content.decode()
    assert 'id="person-search"' in page and 'method="post"' in page
    response = client.post("/admin/intake/enquiry/person-search/", {"national_id": NATIONAL_ID})
    html = response.content.decode()
    assert all(e.reference in html for e in found)
    assert NATIONAL_ID not in "".join(
        part.split('"')[0] for part in html.split('href="')[1:]
    )  # never in a link


@pytest.mark.django_db
def test_the_create_forms_hint_answers_a_posted_identity(
    alice: Any, tor: Any, as_user: Any
) -> None:
    earlier = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    make_enquiry(actor=tor, subject_national_id=NATIONAL_ID)
    client = as_user(alice)
    before = last_seq()
    html = client.post(
        "/admin/intake/enquiry/same-adult-hint/", {"subject_national_id": NATIONAL_ID}
    ).content.decode()
    assert earlier.reference in html and "Et annet team har 1 henvendelse" in html
    [event] = events_after(before)
    assert event.filters["same_adult"] == "create_form" and event.enquiry_ids == [str(earlier.pk)]
    nothing = client.post("/admin/intake/enquiry/same-adult-hint/", {"subject_name": "x"})
    assert nothing.content.strip() == b""


@pytest.mark.django_db
def test_the_auditors_report_for_a_person_is_posted_and_paged(
    alice: Any, aud: Any, as_user: Any, monkeypatch: Any
) -> None:
    from oversight import admin as oversight_admin

    monkeypatch.setattr(oversight_admin, "ACCESS_REPORT_PAGE_SIZE", 2)
    for _ in range(3):
        make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)  # 3 create events
    client = as_user(aud)
    url = "/admin/audit/auditevent/access-report/"
    first = client.post(url, {"national_id": NATIONAL_ID}).content.decode()
    assert "Side 1 av 2" in first and first.count("<td>alice</td>") >= 2
    second = client.post(url, {"national_id": NATIONAL_ID, "page": "2"}).content.decode()
    assert "Side 2 av 2" in second
    assert NATIONAL_ID not in "".join(re.findall(r'(?:href|action)="([^"]*)"', first + second))
    # The same by the URL: refused, nothing personal logged.
    before = last_seq()
    assert client.get(f"{url}?national_id={NATIONAL_ID}").status_code == 400
    assert events_after(before) == []


@pytest.mark.django_db
def test_closing_as_duplicate_moves_its_journal_into_the_kept_ones_timeline(alice: Any) -> None:
    """Issue 17 item 3 with issue 16's journal: the duplicate's entries (and their corrections)
    move to the enquiry kept, unchanged but for their enquiry, and the merge counts them."""
    kept = make_enquiry(actor=alice)
    duplicate = make_enquiry(actor=alice)
    entry = journal.journal_add(
        enquiry=duplicate,
        actor=alice,
        kind="phone_call",
        text="Ringte datteren",
        occurred_at=timezone.now(),
    )
    journal.journal_add(
        enquiry=duplicate,
        actor=alice,
        kind="note",
        text="Rettelse",
        corrects=entry,
        occurred_at=timezone.now(),
    )
    before = last_seq()
    links.enquiry_close_as_duplicate(enquiry=duplicate, kept=kept, actor=alice)
    moved = list(JournalEntry.objects.filter(enquiry=kept).order_by("pk"))
    assert [e.text for e in moved] == ["Ringte datteren", "Rettelse"]
    assert moved[1].corrects_id == entry.pk
    assert not JournalEntry.objects.filter(enquiry=duplicate).exists()
    merged = events_after(before)[-1]
    assert merged.filters["journal_entries"] == 2
    duplicate.refresh_from_db()
    assert duplicate.state == "closed"


@pytest.mark.django_db
def test_closing_as_duplicate_of_a_closed_enquiry_with_a_journal_is_a_400_naming_the_field(
    alice: Any,
) -> None:
    """Found by using the service: a 403 "you may not" where the kept enquiry was closed."""
    kept = make_enquiry(actor=alice)
    casework_services.enquiry_close(enquiry=kept, actor=alice, outcome="duplicate")
    duplicate = make_enquiry(actor=alice)
    journal.journal_add(
        enquiry=duplicate, actor=alice, kind="note", text="Notat", occurred_at=timezone.now()
    )
    response = staff_client(alice).post(
        f"/api/v1/enquiries/{duplicate.pk}/close/",
        {"outcome": "duplicate", "outcome_asked": "not_asked", "duplicate_of": str(kept.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"duplicate_of"}
    duplicate.refresh_from_db()
    assert duplicate.state != "closed"
    assert JournalEntry.objects.filter(enquiry=duplicate).count() == 1
