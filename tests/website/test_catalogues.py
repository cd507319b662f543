"""Every string of the residents' pages is translated in every residents' language.

Three checks, each failing on a missing translation:

- the catalogues: every residents' language has one, complete, not fuzzy, compiled, holding the
  same strings as the bokmål catalogue's residents' part (so ``makemessages`` ran for all);
- the vocabulary residents read (``kernel.vocabulary.catalogue_messages``): every label and plain
  label has a translation in every residents' language;
- the pages themselves: every residents' page, in each of its states (errors, receipts, statuses,
  throttling, every opening-hours case), is rendered in every language while every message id
  looked up is recorded; each must be translated in that language's catalogue.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import time_machine
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.utils import translation

from intake import public
from intake.models import Enquiry
from intake.public_forms import form_started_token
from kernel.calendar import OSLO
from kernel.languages import REVIEW_STATES, resident_languages
from kernel.vocabulary import catalogue_messages
from tests.intake.test_public_form import form_data, receipt_code
from website.catalogues import RESIDENT_SOURCES, VOCABULARY_FILE, vocabulary_source

LOCALE = Path(settings.LOCALE_PATHS[0])
# The residents' languages with a catalogue of their own (English is the message ids).
CATALOGUED = [code for code in resident_languages() if code != "en"]
RESIDENTS_ONLY = [code for code in CATALOGUED if code not in dict(settings.LANGUAGES)]
# Message ids Django looks up that never reach a residents' page: the label suffix of forms
# (the residents' templates write their own labels).
NOT_SHOWN = {(None, ":")}


def catalogue(code: str) -> Catalog:
    with (LOCALE / code / "LC_MESSAGES" / "django.po").open("rb") as fh:
        return read_po(fh, locale=code)


def translated(found: Catalog, context: str | None, message: str) -> bool:
    entry = found.get(message, context=context)
    return bool(entry and entry.string and not entry.fuzzy)


def from_residents_sources(locations: list[tuple[str, Any]]) -> bool:
    return any(
        fnmatch.fnmatch(path, pattern) for path, _line in locations for pattern in RESIDENT_SOURCES
    )


# --- The catalogues ---


def test_the_review_status_file_lists_each_language_with_a_status() -> None:
    languages = resident_languages()
    assert set(languages) == {"nb", "nn", "en", "pl", "uk", "ar", "so", "ti"}
    assert languages[settings.LANGUAGE_CODE].review == "source"
    assert all(language.review in REVIEW_STATES for language in languages.values())
    on_disk = {path.parent.parent.name for path in LOCALE.glob("*/LC_MESSAGES/django.po")}
    assert on_disk == set(CATALOGUED)


@pytest.mark.parametrize("code", CATALOGUED)
def test_each_catalogue_is_complete_and_compiled(code: str) -> None:
    found = catalogue(code)
    assert not found.fuzzy, "a fuzzy header makes Babel skip the whole catalogue"
    assert found.num_plurals >= 1 and "INTEGER" not in (found.plural_forms or "")
    missing = [m.id for m in found if m.id and not (m.string and not m.fuzzy)]
    assert missing == []
    po = LOCALE / code / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, "run make messages"


@pytest.mark.parametrize("code", RESIDENTS_ONLY)
def test_each_residents_catalogue_holds_exactly_the_residents_strings(code: str) -> None:
    bokmal = catalogue("nb")
    expected = {
        (m.context, m.id) for m in bokmal if m.id and from_residents_sources(m.locations)
    } | set(catalogue_messages())
    assert {(m.context, m.id) for m in catalogue(code) if m.id} == expected


@pytest.mark.parametrize("code", [c for c in CATALOGUED if c != "nb"])
def test_every_vocabulary_label_residents_read_is_translated(code: str) -> None:
    found = catalogue(code)
    missing = [pair for pair in catalogue_messages() if not translated(found, *pair)]
    assert missing == []


def test_the_vocabulary_is_given_to_xgettext_as_python() -> None:
    source = vocabulary_source()
    compile(source, VOCABULARY_FILE, "exec")  # valid Python for xgettext
    assert "pgettext('vocabulary:violence_types', 'Economic abuse')" in source
    assert len(source.splitlines()) == len(catalogue_messages()) + 1


# --- The pages, rendered in every language ---


@contextmanager
def recorded_messages() -> Iterator[set[tuple[str | None, str]]]:
    """Every (context, message id) Django's translation functions are asked for meanwhile."""
    seen: set[tuple[str | None, str]] = set()
    trans: Any = translation._trans
    originals = {name: getattr(trans, name) for name in ("gettext", "pgettext", "ngettext")}

    def gettext(message: str) -> str:
        seen.add((None, str(message)))
        return originals["gettext"](message)

    def pgettext(context: str, message: str) -> str:
        seen.add((context, str(message)))
        return originals["pgettext"](context, message)

    def ngettext(singular: str, plural: str, number: int) -> str:
        seen.add((None, str(singular)))
        return originals["ngettext"](singular, plural, number)

    trans.gettext, trans.pgettext, trans.ngettext = gettext, pgettext, ngettext
    try:
        yield seen
    finally:
        for name, function in originals.items():
            setattr(trans, name, function)


def _address(code: str, page: str) -> str:
    return f"/{page}" if code == "nb" else f"/{code}/{page}"


def _visit_every_state(code: str, alice: Any, settings: Any) -> None:
    """Every residents' page in every state a resident can meet, in one language."""
    caches["public_throttle"].clear()
    client = Client(REMOTE_ADDR=f"203.0.113.{CATALOGUED.index(code) + 10}")
    form, status = _address(code, "meld/"), _address(code, "meld/status/")
    for page in ("", "hjelp/", "tilgjengelighet/", "personvern/", "meld/", "meld/status/"):
        assert client.get(_address(code, page)).status_code == 200
    settings.TRYGGEST_DATA_PROTECTION_OFFICER = ""
    client.get(_address(code, "personvern/"))

    # Opening hours: open, closed till today / tomorrow / Monday, a holiday.
    for moment in (
        dt.datetime(2026, 12, 1, 10, 0, tzinfo=OSLO),
        dt.datetime(2026, 12, 1, 6, 0, tzinfo=OSLO),
        dt.datetime(2026, 12, 1, 20, 0, tzinfo=OSLO),
        dt.datetime(2026, 12, 5, 23, 30, tzinfo=OSLO),
        dt.datetime(2027, 5, 17, 11, 0, tzinfo=OSLO),
    ):
        with time_machine.travel(moment, tick=False):
            client.get(_address(code, "hjelp/"))
            client.get(form)

    # The form: every mistake at once, then the abuse checks, then a receipt.
    client.post(form, {"started": form_started_token(time.time() - 60)})
    client.post(
        form,
        form_data(
            description="x" * 10_001,
            reporter_type="anonymous",
            reporter_name="Kari",
            reporter_email="not-an-address",
            subject_birth_year="nineteen fifty",
            subject_national_id="01017012346",
        ),
    )
    client.post(form, form_data(reporter_type="relative", subject_birth_year="1700"))
    client.post(form, form_data(reporter_type="relative", reporter_email="kari@"))
    client.post(form, form_data(website="http://spam.example"))
    client.post(form, form_data(started="forged"))
    client.post(form, form_data(started=form_started_token(time.time())))
    received = client.post(form, form_data(immediate_danger="yes", violence_types=["economic"]))
    assert received.status_code == 200
    code_text = receipt_code(received)

    # The status page: wrong and malformed codes, every state, messages, replies.
    client.post(status, {"action": "check", "code": ""})
    client.post(status, {"action": "check", "code": "X" * 41})
    client.post(status, {"action": "check", "code": "ABCD-1234-EFGH-5678"})
    enquiry = Enquiry.objects.latest("received_at")
    public.reporter_message_send(enquiry=enquiry, actor=alice, text="Kan du ringe oss?")
    for state in ("received", "risk_assessed", "forwarded", "closed"):
        Enquiry.objects.filter(pk=enquiry.pk).update(state=state)
        client.post(status, {"action": "check", "code": code_text})
    client.post(status, {"action": "reply", "code": code_text, "text": ""})
    client.post(status, {"action": "reply", "code": code_text, "text": "y" * 5_001})
    client.post(status, {"action": "reply", "code": code_text, "text": "Han er hjemme nå."})

    # Throttled, and a lost form cookie.
    settings.TRYGGEST_FORM_SUBMISSIONS_PER_HOUR = 0
    settings.TRYGGEST_RECEIPT_GUESSES_PER_HOUR = 0
    client.post(form, form_data())
    client.post(status, {"action": "check", "code": code_text})
    strict = Client(enforce_csrf_checks=True)
    strict.post(form, form_data())
    strict.post(status, {"action": "check", "code": code_text})
    settings.TRYGGEST_FORM_SUBMISSIONS_PER_HOUR = 10
    settings.TRYGGEST_RECEIPT_GUESSES_PER_HOUR = 10
    settings.TRYGGEST_DATA_PROTECTION_OFFICER = "personvernombud@example.invalid"


@pytest.mark.parametrize("code", CATALOGUED)
def test_every_string_of_the_residents_pages_is_translated(
    code: str, alice: Any, settings: Any
) -> None:
    settings.TRYGGEST_TEAM_PHONE = "33 00 11 22"
    settings.TRYGGEST_TEAM_ADDRESS = "Rådhuset, 3126 Tønsberg"
    settings.TRYGGEST_DATA_PROTECTION_OFFICER = "personvernombud@example.invalid"
    settings.TRYGGEST_FORM_MIN_SECONDS = 5
    with recorded_messages() as seen:
        _visit_every_state(code, alice, settings)
    found = catalogue(code)
    ours = {(m.context, m.id) for m in catalogue("nb") if m.id} | set(catalogue_messages())
    assert len(seen) > 200, "the pages were rendered"
    untranslated = sorted(
        (context or "", message)
        for context, message in seen - NOT_SHOWN
        # Django asks for its own ids too; those the residents' pages could show must be ours.
        if not translated(found, context, message)
        and ((context, message) in ours or code in RESIDENTS_ONLY)
    )
    assert untranslated == []
