"""The residents' help page (/hjelp/): made from the directory, with what is open now.

Plan 6.1: a page with the local and national helping services and the emergency numbers, kept as
current as the directory. The cast: a resident who needs help on a Tuesday morning, on a Saturday
night and on 17 May, and Bob (coordinator) who keeps the directory.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client

from kernel.calendar import OSLO
from routing.models import HelpService

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(tonsberg: Any, settings: Any) -> Client:
    settings.TRYGGEST_TEAM_PHONE = "33 00 11 22"
    settings.TRYGGEST_TEAM_ADDRESS = "Rådhuset, 3126 Tønsberg"
    return Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")


def service(html: str, name: str) -> str:
    """The help page's entry for one service (its first, when listed under several situations)."""
    for chunk in html.split('<li class="service">')[1:]:
        if f'<bdi lang="nb">{name}</bdi></h3>' in chunk:
            return chunk
    raise AssertionError(f"{name} is not on the page")


def section(html: str, code: str) -> str:
    start = re.search(rf'<section class="situation[^"]*" id="{code}"', html).start()
    return html[start : html.index("</section>", start)]


def team(html: str) -> str:
    return section(html, "tryggest").replace("\n", " ")


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> Any:
    return time_machine.travel(dt.datetime(year, month, day, hour, minute, tzinfo=OSLO), tick=False)


def test_the_emergency_numbers_come_first(resident: Client) -> None:
    response = resident.get("/hjelp/")
    html = response.content.decode()
    assert response.status_code == 200
    numbers = [html.index(f'href="tel:{n}"') for n in ("112", "113", "116117", "02800")]
    assert numbers == sorted(numbers)
    assert numbers[-1] < html.index('<section class="situation"')
    assert "Medisinsk nødtelefon (ambulanse)" in html and "Politiet, når det ikke haster" in html
    assert "<script" not in html


def test_help_is_listed_by_situation_from_the_directory(resident: Client) -> None:
    html = resident.get("/hjelp/").content.decode()
    headings = re.findall(r'<section class="situation[^"]*" id="([a-z_-]+)"', html)
    assert headings == [
        "violence_at_home",
        "sexual_violence",
        "elder_economic_abuse",
        "forced_marriage_honour",
        "children_in_household",
        "using_violence",
        "tryggest",
        "more",
        "safe-online",
    ]
    assert "Vold i familien eller i et forhold" in section(html, "violence_at_home")
    assert "Krisesenteret i Vestfold" in section(html, "violence_at_home")
    assert "SMISO Vestfold" in section(html, "sexual_violence")
    assert "Alternativ til vold (ATV) Vestfold" in section(html, "using_violence")
    elder = service(html, "Vern for eldre – nasjonal kontakttelefon")
    assert 'href="tel:80030196"' in elder and "800 30 196" in elder
    assert "økonomisk utnyttelse av eldre" in elder  # what it offers
    assert "62 år eller eldre" in elder  # whom it is for
    # A service the directory has no phone for says what to do instead.
    child_welfare = service(html, "Barneverntjenesten (Tønsberg kommune)")
    assert "TryggEst-teamet kan sette deg i kontakt" in child_welfare


def test_the_page_is_as_current_as_the_directory(resident: Client) -> None:
    HelpService.objects.filter(slug="atv-vestfold").update(active=False)
    HelpService.objects.create(
        slug="sinnemestring-tonsberg",
        name="Kurs i sinnemestring",
        kind="municipal",
        category="perpetrator_help",
        serves="perpetrators",
        phones=[{"label": "Kurset", "number": "33 44 55 66"}],
        hours=[{"days": "mon-fri", "from": "09:00", "to": "14:00"}],
        situations=["using_violence"],
        public_texts={"nb": {"offers": "Et kurs for deg som blir sint.", "for_whom": "Voksne."}},
    )
    html = resident.get("/hjelp/").content.decode()
    using = section(html, "using_violence")
    assert "Kurs i sinnemestring" in using and "Et kurs for deg som blir sint." in using
    assert "Alternativ til vold" not in html
    # Services without a situation (for the team only) are not listed.
    assert "Distriktspsykiatrisk senter" not in html


def test_a_service_without_a_text_in_the_language_shows_the_norwegian_one_marked_so(
    resident: Client,
) -> None:
    HelpService.objects.filter(slug="vern-for-eldre").update(
        public_texts={"nb": {"offers": "Råd om vold mot eldre.", "for_whom": "Eldre."}}
    )
    html = resident.get("/pl/hjelp/").content.decode()
    elder = service(html, "Vern for eldre – nasjonal kontakttelefon")
    assert (
        '<span lang="nb">Råd om vold mot eldre.</span> <span class="hint">(po norwesku)</span>'
        in elder
    )
    shelter = service(html, "Krisesenteret i Vestfold")
    assert "Bezpieczne miejsce" in shelter and "(po norwesku)" not in shelter


def test_on_a_weekday_morning_office_hours_services_are_open(resident: Client) -> None:
    with at(2026, 12, 1, 10, 0):  # a Tuesday
        html = resident.get("/hjelp/").content.decode()
    assert "Åpent nå." in service(html, "Vern for eldre – nasjonal kontakttelefon")
    assert "Åpent hele døgnet." in service(html, "Krisesenteret i Vestfold")
    assert "Åpent nå." in team(html)
    assert "33 00 11 22" in team(html) and "Rådhuset, 3126 Tønsberg" in team(html)


def test_on_a_saturday_night_only_the_round_the_clock_services_are_open(resident: Client) -> None:
    with at(2026, 12, 5, 23, 30):  # Saturday night
        html = resident.get("/hjelp/").content.decode()
        form = resident.get("/meld/").content.decode()
    elder = service(html, "Vern for eldre – nasjonal kontakttelefon")
    assert "Stengt nå." in elder and "Åpner mandag 7.12. klokka 09:00." in elder
    assert "Åpent hele døgnet." in service(
        html, "SMISO Vestfold – Senter mot incest og seksuelle overgrep"
    )
    assert "Stengt nå." in team(html) and "Åpner mandag 7.12. klokka 08:00." in team(html)
    # The form says it too, before anything else.
    assert "Teamet er ikke på jobb nå. Det leser meldinger igjen mandag 7.12. klokka 08:00." in form


def test_on_17_may_the_office_hours_services_are_closed_for_the_holiday(resident: Client) -> None:
    with at(2027, 5, 17, 11, 0):  # Constitution Day, a Monday
        html = resident.get("/hjelp/").content.decode()
        arabic = resident.get("/ar/hjelp/").content.decode()
    elder = service(html, "Vern for eldre – nasjonal kontakttelefon")
    assert "Stengt i dag fordi det er helligdag." in elder
    assert "Åpner i morgen klokka 09:00." in elder
    assert "Åpent hele døgnet." in service(html, "Krisesenteret i Vestfold")
    assert "Stengt i dag fordi det er helligdag." in team(html)
    assert "Åpner i morgen klokka 08:00." in team(html)
    assert "مغلق اليوم لأنه عطلة رسمية." in service(
        arabic, "Vern for eldre – nasjonal kontakttelefon"
    )
    assert "يفتح: غدًا الساعة 09:00." in service(arabic, "Vern for eldre – nasjonal kontakttelefon")


def test_unknown_hours_are_said_plainly(resident: Client) -> None:
    html = resident.get("/hjelp/").content.decode()
    assert "Åpningstidene står ikke i oversikten vår. Spør når du ringer." in service(
        html, "Mangfoldsrådgiver (negativ sosial kontroll og æresrelatert vold)"
    )


def test_it_is_linked_from_the_form_and_the_site_root_in_their_language(resident: Client) -> None:
    assert 'href="/hjelp/"' in resident.get("/meld/").content.decode()
    assert 'href="/hjelp/"' in resident.get("/").content.decode()
    assert 'href="/ar/hjelp/"' in resident.get("/ar/meld/").content.decode()
    assert 'href="/so/hjelp/"' in resident.get("/so/").content.decode()


def test_it_prints_without_navigation(resident: Client) -> None:
    html = resident.get("/hjelp/").content.decode()
    stylesheet = re.search(r'<link rel="stylesheet" href="/static/([^"]+)"', html).group(1)
    text = Path(finders.find(stylesheet)).read_text(encoding="utf-8")
    printing = text[text.index("@media print") :]
    hidden = re.search(r"\{\s*([^{}]*)\{\s*display:\s*none", printing).group(1)
    for part in (".quick-exit", ".languages", ".contents", "form"):
        assert part in hidden
    assert 'a[href^="http"]::after' in printing  # a service's web address is printed beside it


def test_only_get(resident: Client) -> None:
    assert resident.post("/hjelp/").status_code == 405
