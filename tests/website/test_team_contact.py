"""The team's own contact on the residents' pages, and the refusal to start without a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from tryggest.startup import refuse_to_serve_when_misconfigured

pytestmark = pytest.mark.django_db


def test_every_residents_page_gives_the_teams_phone(tonsberg: Any, settings: Any) -> None:
    settings.TRYGGEST_TEAM_PHONE = "33 00 11 22"
    for page in ("/", "/meld/", "/meld/status/", "/ar/meld/", "/tilgjengelighet/"):
        html = Client().get(page).content.decode()
        assert '<a class="phone" href="tel:33001122" dir="ltr">33 00 11 22</a>' in html, page


def test_without_a_phone_in_production_the_service_refuses_to_start(settings: Any) -> None:
    settings.DEBUG = False
    settings.TRYGGEST_TEAM_PHONE = ""
    with pytest.raises(SystemCheckError, match=r"website\.E001.*TRYGGEST_TEAM_PHONE"):
        call_command("check")
    # gunicorn runs no management command: the WSGI module refuses itself.
    with pytest.raises(ImproperlyConfigured, match="TRYGGEST_TEAM_PHONE"):
        refuse_to_serve_when_misconfigured()


def test_with_a_phone_it_starts(settings: Any) -> None:
    settings.DEBUG = False
    settings.TRYGGEST_TEAM_PHONE = "33 00 11 22"
    settings.TRYGGEST_DATA_PROTECTION_OFFICER = "personvernombud@tonsberg.example"
    call_command("check")
    refuse_to_serve_when_misconfigured()


def test_in_development_the_check_stays_quiet(settings: Any) -> None:
    settings.DEBUG = True
    settings.TRYGGEST_TEAM_PHONE = ""
    call_command("check")


def test_a_missing_data_protection_officer_is_a_warning(settings: Any, capsys: Any) -> None:
    settings.DEBUG = False
    settings.TRYGGEST_TEAM_PHONE = "33 00 11 22"
    settings.TRYGGEST_DATA_PROTECTION_OFFICER = ""
    call_command("check")
    assert "website.W001" in capsys.readouterr().err
