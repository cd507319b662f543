"""The accessibility statement (/tilgjengelighet/) and the privacy statement (/personvern/).

A Norwegian public website must publish both (likestillings- og diskrimineringsloven § 18 with
the WAD regulation; GDPR Art. 13); they must be reachable from every public page and true to
what the code does.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from kernel import languages as kernel_languages
from kernel.languages import ResidentLanguage, resident_languages
from website import views as website_views

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/meld/", "/meld/status/", "/hjelp/", "/tilgjengelighet/", "/personvern/"]


@pytest.fixture
def resident(tonsberg: Any, settings: Any) -> Client:
    settings.TRYGGEST_TEAM_PHONE = "33 00 11 22"
    settings.TRYGGEST_TEAM_ADDRESS = "Rådhuset, 3126 Tønsberg"
    settings.TRYGGEST_DATA_PROTECTION_OFFICER = "personvernombud@tonsberg.example"
    return Client()


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_every_public_page_links_to_both_statements_and_the_quick_exit(
    resident: Client, page: str
) -> None:
    html = resident.get(page).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert 'href="/tilgjengelighet/">Tilgjengelighetserklæring</a>' in footer
    assert 'href="/personvern/">Personvernerklæring</a>' in footer
    assert (
        '<a class="quick-exit" href="https://www.yr.no/" rel="noreferrer">Forlat siden</a>' in html
    )
    # The quick exit is the first thing after the skip link.
    assert html.index('class="quick-exit"') < html.index("<main")


def test_the_quick_exit_goes_where_the_municipality_chooses(
    resident: Client, settings: Any
) -> None:
    settings.TRYGGEST_QUICK_EXIT_URL = "https://www.nrk.no/"
    assert 'href="https://www.nrk.no/" rel="noreferrer"' in resident.get("/meld/").content.decode()


def test_the_accessibility_statement_names_the_standard_the_gaps_and_whom_to_tell(
    resident: Client,
) -> None:
    html = resident.get("/tilgjengelighet/").content.decode()
    assert "WCAG 2.1 på nivå AA" in html
    assert "likestillings- og diskrimineringsloven § 18" in html
    assert 'href="https://www.uutilsynet.no/"' in html
    assert 'href="tel:33001122"' in html and "Rådhuset, 3126 Tønsberg" in html
    # The unchecked translations are named from locale/languages.yaml, in their own names.
    for code in ("nn", "en", "pl", "uk", "ar", "so", "ti"):
        language = resident_languages()[code]
        assert f'<bdi lang="{code}">{language.name}</bdi>' in html


def test_the_accessibility_statement_stops_naming_a_translation_once_it_is_reviewed(
    resident: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    reviewed = {
        code: ResidentLanguage(lang.code, lang.name, lang.direction, "reviewed")
        if code == "uk"
        else lang
        for code, lang in resident_languages().items()
    }
    monkeypatch.setattr(kernel_languages, "resident_languages", lambda: reviewed)
    monkeypatch.setattr(website_views, "resident_languages", lambda: reviewed)
    html = resident.get("/tilgjengelighet/").content.decode()
    assert '<bdi lang="uk">' not in html and '<bdi lang="pl">Polski</bdi>' in html


def test_the_privacy_statement_says_what_the_code_does(resident: Client) -> None:
    html = resident.get("/personvern/").content.decode()
    assert "Tønsberg kommune har ansvaret for opplysningene" in html
    assert "personvernombud@tonsberg.example" in html
    assert "IP-adressen din eller hvilken nettleser du bruker" in html
    assert "Kvitteringskoden din blir ikke lagret" in html
    assert "Etter en time er tellingen glemt" in html  # intake.throttle: in memory, an hour
    assert "helse- og omsorgstjenesteloven § 3-3 a" in html
    assert "reglene kommunen setter for slike saker" in html  # no invented retention period
    assert not re.search(r"\d+\s*(år|måneder|dager)\b", html.split("<main")[1].split("</main>")[0])
    assert 'href="https://www.datatilsynet.no/"' in html


def test_without_a_data_protection_officer_the_statement_says_how_to_reach_one(
    resident: Client, settings: Any
) -> None:
    settings.TRYGGEST_DATA_PROTECTION_OFFICER = ""
    html = resident.get("/personvern/").content.decode()
    assert "Be TryggEst-teamet om å sette deg i kontakt med kommunens personvernombud." in html


def test_the_one_cookie_the_privacy_statement_promises(resident: Client) -> None:
    for page in PUBLIC_PAGES:
        response = resident.get(page)
        assert set(response.cookies) <= {"csrftoken"}, page
    assert not resident.get("/hjelp/").cookies  # no form, no cookie


@pytest.mark.parametrize("code", ["nn", "en", "pl", "uk", "ar", "so", "ti"])
def test_both_statements_exist_in_every_residents_language(resident: Client, code: str) -> None:
    for page, title in (
        ("tilgjengelighet/", "Accessibility statement"),
        ("personvern/", "Privacy statement"),
    ):
        html = resident.get(f"/{code}/{page}").content.decode()
        with translation.override(code):
            expected = translation.gettext(title)
        assert re.search(r"<h1>(.*?)</h1>", html).group(1) == expected
        assert f'<html lang="{code}"' in html
        assert html.count("<h2>") >= 5
