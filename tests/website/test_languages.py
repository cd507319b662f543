"""Residents choose their language from a plain list; the address carries it; staff never see it.

The cast: a Polish-speaking neighbour, an Arabic-speaking woman who writes about herself, and
Alice (team member), who works in Norwegian in the same browser.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from intake import public
from intake.models import Enquiry
from kernel import languages as kernel_languages
from kernel.languages import ResidentLanguage, resident_languages
from kernel.vocabulary import label, plain_label
from tests.conftest import logged_in
from tests.intake.test_public_form import form_data, receipt_code

pytestmark = pytest.mark.django_db

LANGUAGES = list(resident_languages())
PAGES = ["/", "meld/", "meld/status/", "hjelp/", "tilgjengelighet/", "personvern/"]
NOTICE = (
    "This page is translated from Norwegian, and the translation has not been checked yet. "
    "If anything is unclear or different, the Norwegian text applies."
)


def address(code: str, page: str) -> str:
    page = page.lstrip("/")
    return f"/{page}" if code == "nb" else f"/{code}/{page}"


@pytest.fixture
def resident(tonsberg: Any) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="nb,no;q=0.9")  # the browser's wish decides nothing


def test_every_language_is_listed_with_its_own_name() -> None:
    names = {code: language.name for code, language in resident_languages().items()}
    assert names == {
        "nb": "Norsk bokmål",
        "nn": "Norsk nynorsk",
        "en": "English",
        "pl": "Polski",
        "uk": "Українська",
        "ar": "العربية",
        "so": "Soomaali",
        "ti": "ትግርኛ",
    }
    assert [code for code, lang in resident_languages().items() if lang.direction == "rtl"] == [
        "ar"
    ]


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_each_page_in_each_language_says_its_language_and_direction(
    resident: Client, code: str, page: str
) -> None:
    language = resident_languages()[code]
    response = resident.get(address(code, page))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{code}" dir="{language.direction}">' in html
    assert response["Content-Language"] == code
    # The language list: a plain link per language, in the language itself; no flags, no script.
    nav = re.search(r'<nav class="languages".*?</nav>', html, re.S).group(0)
    for other, each in resident_languages().items():
        if other == code:
            assert (
                f'<span aria-current="page" lang="{other}" dir="{each.direction}">{each.name}</span>'
                in nav
            )
        else:
            link = f'<a href="{address(other, page)}" hreflang="{other}" lang="{other}" dir="{each.direction}">{each.name}</a>'
            assert link in nav
    assert "<img" not in nav and "<script" not in html
    assert not re.search("[\U0001f1e6-\U0001f1ff]", html), "no flags"
    # Links to the other pages stay in the language.
    assert f'href="{address(code, "hjelp/")}"' in html
    assert f'href="{address(code, "personvern/")}"' in html


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "nb"])
def test_an_unreviewed_translation_says_in_its_language_that_the_norwegian_text_applies(
    resident: Client, code: str
) -> None:
    assert not resident_languages()[code].applies
    html = resident.get(address(code, "meld/")).content.decode()
    with translation.override(code):
        notice = translation.gettext(NOTICE)
    if code != "en":
        assert notice != NOTICE, "the notice itself is translated"
    assert notice in html
    assert '<a href="/meld/" hreflang="nb" lang="nb" dir="ltr">' in html  # to the text that applies


def test_bokmal_and_a_reviewed_translation_carry_no_notice(
    resident: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = resident.get("/meld/").content.decode()
    assert 'class="translation-notice"' not in html
    reviewed = {
        code: ResidentLanguage(
            lang.code, lang.name, lang.direction, "reviewed" if code == "pl" else lang.review
        )
        for code, lang in resident_languages().items()
    }
    monkeypatch.setattr(kernel_languages, "resident_languages", lambda: reviewed)
    assert 'class="translation-notice"' not in resident.get("/pl/meld/").content.decode()
    assert 'class="translation-notice"' in resident.get("/uk/meld/").content.decode()


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_vocabulary_has_plain_words_beside_the_professional_ones(
    resident: Client, code: str
) -> None:
    html = resident.get(address(code, "meld/")).content.decode()
    with translation.override(code):
        professional = str(label("violence_types", "economic"))
        plain = str(plain_label("violence_types", "economic"))
        vulnerable = str(plain_label("risk_factors", "physical_illness"))
    assert re.search(
        re.escape(f'>{professional}<span class="plain-label">{plain}</span></label>').replace(
            "'", "(?:'|&#x27;)"
        ),
        html.replace("&#x27;", "'"),
    )
    assert vulnerable.replace("'", "&#x27;") in html or vulnerable in html
    if code not in ("nb",):
        with translation.override("nb"):
            assert plain != str(plain_label("violence_types", "economic"))


def test_a_form_sent_in_arabic_answers_in_arabic_and_the_team_reads_it_as_written(
    resident: Client, alice: Any
) -> None:
    description = "زوج أختي يضربها ويأخذ راتبها."
    response = resident.post("/ar/meld/", form_data(description=description))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "شكرًا، لقد استلمنا رسالتك" in html
    code = receipt_code(response)
    # The code is shown once: nothing here leads to another language and loses it.
    assert '<nav class="languages"' not in html and 'hreflang="nb"' not in html
    assert "هذه الصفحة مترجمة من النرويجية" in html  # the notice itself stays
    enquiry = Enquiry.objects.get()
    assert enquiry.description == description

    # Alice answers in Norwegian; the page in Arabic shows her words as she wrote them.
    public.reporter_message_send(
        enquiry=enquiry, actor=alice, text="Kan du ringe oss? Vi snakker med tolk."
    )
    status = resident.post("/ar/meld/status/", {"action": "check", "code": code})
    page = status.content.decode()
    assert status.status_code == 200 and '<html lang="ar" dir="rtl">' in page
    assert '<p dir="auto">Kan du ringe oss? Vi snakker med tolk.</p>' in page
    assert "الحالة: تم الاستلام" in page
    assert '<form method="post" action="/ar/meld/status/"' in page


def test_a_residents_language_never_reaches_the_staff(resident: Client, alice: Any) -> None:
    response = resident.get("/ar/meld/")
    # The address carries the language; the one cookie protects the form (the privacy statement).
    assert set(response.cookies) == {"csrftoken"}
    staff = logged_in(alice)
    staff.get("/ar/hjelp/")
    assert '<html lang="nb"' in staff.get("/admin/").content.decode()
    # Django's language switch takes only the staff's languages.
    staff.post("/i18n/setlang/", {"language": "ar", "next": "/admin/"})
    assert '<html lang="nb"' in staff.get("/admin/").content.decode()
    # And a staff member's English does not change the residents' Norwegian address.
    staff.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert '<html lang="en"' in staff.get("/admin/").content.decode()
    assert '<html lang="nb" dir="ltr">' in staff.get("/meld/").content.decode()


def test_an_unknown_language_prefix_is_not_a_page(resident: Client) -> None:
    assert resident.get("/de/meld/").status_code == 404
    assert resident.get("/nb/meld/").status_code == 404  # bokmål has no prefix
