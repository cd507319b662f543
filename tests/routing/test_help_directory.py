"""Coordinators keep the help page current: situations and plain texts are directory data."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEvent
from kernel.languages import resident_languages
from routing.models import HelpService
from tests.html_forms import page_form_data

pytestmark = pytest.mark.django_db


def change_url(service: HelpService) -> str:
    return f"/admin/routing/helpservice/{service.pk}/change/"


def service_form(client: Any, service: HelpService, **overrides: Any) -> dict[str, Any]:
    """The change page's form as a browser would post it back, with ``overrides``."""
    page = client.get(change_url(service)).content.decode()
    return page_form_data(page, form_id="helpservice_form", **overrides)


def test_the_change_page_offers_situations_as_checkboxes_and_a_text_per_language(
    bob: Any, as_user: Any
) -> None:
    service = HelpService.objects.get(slug="vern-for-eldre")
    html = as_user(bob).get(change_url(service)).content.decode()
    assert 'type="checkbox" name="situations" value="elder_economic_abuse"' in html
    assert "checked" in html.split('value="elder_economic_abuse"')[1][:40]
    for code, language in resident_languages().items():
        assert f'name="offers_{code}"' in html and f'name="for_whom_{code}"' in html
        assert f'lang="{code}"' in html and f'dir="{language.direction}"' in html
    assert "62 år eller eldre" in html  # the current bokmål text, ready to edit


def test_bob_changes_what_a_service_offers_and_the_help_page_shows_it(
    bob: Any, as_user: Any
) -> None:
    service = HelpService.objects.get(slug="vern-for-eldre")
    client = as_user(bob)
    form = service_form(
        client,
        service,
        situations=["elder_economic_abuse", "violence_at_home"],
        offers_nb="Råd på telefon om vold mot eldre, også på kveldstid.",
        offers_pl="",
        for_whom_pl="",
    )
    response = client.post(change_url(service), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    service.refresh_from_db()
    assert service.situations == ["elder_economic_abuse", "violence_at_home"]
    assert service.public_texts["nb"]["offers"].startswith("Råd på telefon om vold mot eldre")
    assert "pl" not in service.public_texts  # a language left empty shows the bokmål text
    event = AuditEvent.objects.get(object_type="helpservice", object_id=str(service.pk))
    assert event.actor == "bob" and set(event.fields) == {"situations", "public_texts"}

    page = Client().get("/hjelp/").content.decode()
    home = page.split('id="violence_at_home"')[1].split("</section>")[0]
    assert "Vern for eldre" in home and "også på kveldstid" in home
    polish = Client().get("/pl/hjelp/").content.decode()
    assert 'også på kveldstid.</span> <span class="hint">(po norwesku)</span>' in polish


def test_an_unknown_situation_is_refused(bob: Any, as_user: Any) -> None:
    service = HelpService.objects.get(slug="vern-for-eldre")
    client = as_user(bob)
    response = client.post(
        change_url(service), service_form(client, service, situations=["karate"])
    )
    assert response.status_code == 200  # the form again, with the error
    service.refresh_from_db()
    assert service.situations == ["elder_economic_abuse"]


def test_alice_reads_the_directory_but_cannot_change_it(alice: Any, as_user: Any) -> None:
    service = HelpService.objects.get(slug="vern-for-eldre")
    client = as_user(alice)
    assert client.get(change_url(service)).status_code == 200  # view permission: read-only
    client.post(change_url(service), service_form(client, service, offers_nb="Noe annet."))
    service.refresh_from_db()
    assert service.public_texts["nb"]["offers"] != "Noe annet."
    assert not AuditEvent.objects.filter(object_type="helpservice").exists()
