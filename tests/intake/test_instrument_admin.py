"""The risk instrument's admin page: its questions and scoring as readable tables, a preview of the
level a set of answers gives, and a draft's questions edited through the services (audited)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audit.models import AuditEvent
from intake.instrument import instrument_new_draft
from intake.models import AssessmentInstrument, InstrumentItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def published() -> AssessmentInstrument:
    instrument = AssessmentInstrument.current()
    assert instrument is not None
    return instrument


def preview(client: Any, instrument: AssessmentInstrument, **answers: str) -> str:
    response = client.get(
        f"/admin/intake/assessmentinstrument/{instrument.pk}/preview/", answers or {"go": "1"}
    )
    assert response.status_code == 200
    return response.content.decode()


def result(html: str) -> str:
    match = re.search(r'id="preview-result">(.*?)</div>', html, re.S)
    assert match, "no result shown"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.parametrize(
    ("answers", "level", "because"),
    [
        ({}, "Lav", "ingen spørsmål er besvart ja"),
        ({"item_vulnerability_isolated": "on"}, "Moderat", "Sårbarhet"),
        (
            {"item_vulnerability_isolated": "on", "item_danger_weapon": "on"},
            "Høy",
            "Farekartlegging (DA-5)",
        ),
        ({"item_acute_perpetrator_access": "on"}, "Akutt", "Akuttkriterier"),
        ({"immediate_danger": "on"}, "Akutt", "akutt fare er meldt"),
    ],
)
def test_the_preview_shows_the_level_a_set_of_answers_gives(
    bob: Any, as_user: Any, published: AssessmentInstrument, answers: dict, level: str, because: str
) -> None:
    shown = result(preview(as_user(bob), published, **answers))
    assert f"Nivået blir: {level}" in shown
    assert because in shown


def test_the_preview_stores_and_logs_nothing(
    bob: Any, as_user: Any, published: AssessmentInstrument
) -> None:
    client = as_user(bob)
    events = AuditEvent.objects.count()
    preview(client, published, item_danger_weapon="on")
    assert AuditEvent.objects.count() == events
    assert not published.items.filter(code="item_danger_weapon").exists()


def test_the_page_shows_the_scoring_and_the_questions_without_codes(
    bob: Any, as_user: Any, published: AssessmentInstrument
) -> None:
    html = as_user(bob).get(f"/admin/intake/assessmentinstrument/{published.pk}/change/")
    html = html.content.decode()
    scoring = re.search(r'<table class="scoring">(.*?)</table>', html, re.S).group(1)
    rows = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in scoring.split("<tr>")[2:]]
    assert rows == [
        "Akutt fare er meldt i henvendelsen – Akutt",
        "Minst ett ja i «Akuttkriterier» 4 Akutt",
        "Minst ett ja i «Farekartlegging (DA-5)» 5 Høy",
        "Minst ett ja i «Sårbarhet» 6 Moderat",  # with repeated concerns (issue 17),
        "Ingen ja i det hele tatt – Lav",
    ]
    assert "Utøveren har brukt eller truet med våpen" in html
    assert "danger_weapon" not in html  # a published version is read without its codes
    assert f"/admin/intake/assessmentinstrument/{published.pk}/preview/" in html


def draft_items_form(draft: AssessmentInstrument, **changes: str) -> dict[str, str]:
    """The draft's change form as the page posts it: every question as a row."""
    items = list(draft.items.all())
    data = {
        "name": draft.name,
        "version": str(draft.version),
        "items-TOTAL_FORMS": str(len(items) + 1),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        data.update(
            {
                f"items-{index}-id": str(item.pk),
                f"items-{index}-instrument": str(draft.pk),
                f"items-{index}-position": str(item.position),
                f"items-{index}-group": item.group,
                f"items-{index}-text_nb": item.text_nb,
                f"items-{index}-text_en": item.text_en,
                f"items-{index}-code": item.code,
            }
        )
    data.update(changes)
    return data


def test_bob_edits_a_drafts_questions_and_a_new_one_gets_a_code_from_its_text(
    bob: Any, as_user: Any, published: AssessmentInstrument
) -> None:
    draft = instrument_new_draft(source=published, actor=bob)
    count = draft.items.count()
    page = as_user(bob).get(f"/admin/intake/assessmentinstrument/{draft.pk}/change/")
    assert 'aria-label="Tekst (norsk), spørsmål 1"' in page.content.decode()  # a label per field
    data = draft_items_form(
        draft,
        **{
            "items-0-text_nb": "Overgrep har skjedd nylig",
            f"items-{count}-position": "20",
            f"items-{count}-group": "danger",
            f"items-{count}-text_nb": "Utøveren har truet med å ta sitt eget liv",
            f"items-{count}-text_en": "The perpetrator has threatened suicide",
            f"items-{count}-code": "",
        },
    )
    response = as_user(bob).post(f"/admin/intake/assessmentinstrument/{draft.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    first = draft.items.order_by("position", "pk").first()
    assert first.text_nb == "Overgrep har skjedd nylig"
    new = InstrumentItem.objects.get(instrument=draft, position=20)
    assert new.code == "the_perpetrator_has_threatened_suicide"
    # One audit event per question changed (with old and new values) or added (issue 15.6).
    changed = AuditEvent.objects.get(object_type="instrumentitem", object_id=str(first.pk))
    assert changed.actor == "bob" and changed.action == "update"
    assert changed.filters["changes"]["text_nb"][1] == "Overgrep har skjedd nylig"
    added = AuditEvent.objects.get(object_type="instrumentitem", object_id=str(new.pk))
    assert added.actor == "bob" and added.action == "create"
    assert published.items.count() == count  # the published version is untouched


def test_a_published_version_cannot_be_changed_in_the_admin(
    bob: Any, as_user: Any, published: AssessmentInstrument
) -> None:
    before = list(published.items.values_list("text_nb", flat=True))
    data = draft_items_form(published, **{"items-0-text_nb": "Endret"})
    response = as_user(bob).post(f"/admin/intake/assessmentinstrument/{published.pk}/change/", data)
    assert response.status_code == 403
    assert list(published.items.values_list("text_nb", flat=True)) == before


def test_team_members_may_preview_but_not_edit(
    alice: Any, as_user: Any, published: AssessmentInstrument
) -> None:
    client = as_user(alice)
    assert "Nivået blir" in preview(client, published, item_danger_weapon="on")
    draft = AssessmentInstrument.objects.create(version=99, name="Utkast")
    response = client.post(
        f"/admin/intake/assessmentinstrument/{draft.pk}/change/",
        {"name": "Endret", "version": "99"},
    )
    assert response.status_code == 403
    assert AssessmentInstrument.objects.get(pk=draft.pk).name == "Utkast"
