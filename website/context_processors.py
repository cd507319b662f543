"""The frame of every residents' page: language list, the team's contact, the links.

The frame itself is ``intake/templates/intake/public/base.html`` (the residents' form is the lowest
app with public pages); what it shows of the site above it comes from here, so the form's
templates name no page of a higher app. Everything is computed only when a template reads it:
staff pages pay nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from kernel.languages import ResidentLanguage, address_in, resident_language, resident_languages
from website.contact import TeamContact, team_contact


@dataclass(frozen=True)
class LanguageLink:
    language: ResidentLanguage
    url: str
    current: bool


class PublicSite:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def language(self) -> ResidentLanguage:
        return resident_language()

    @cached_property
    def languages(self) -> list[LanguageLink]:
        path = self.request.path
        return [
            LanguageLink(
                language=language, url=address_in(path, code), current=code == self.language.code
            )
            for code, language in resident_languages().items()
        ]

    @cached_property
    def source_url(self) -> str:
        """This page in the language whose text applies (bokmål)."""
        return address_in(self.request.path, settings.LANGUAGE_CODE)

    @cached_property
    def source_language(self) -> ResidentLanguage:
        return resident_languages()[settings.LANGUAGE_CODE]

    @cached_property
    def team(self) -> TeamContact:
        return team_contact()

    @cached_property
    def links(self) -> dict[str, str]:
        # Reversed in the page's language, so each link stays in it.
        return {
            "home": reverse("website:start"),
            "help": reverse("website:help"),
            "form": reverse("intake:public_form"),
            "status": reverse("intake:public_status"),
            "accessibility": reverse("website:accessibility"),
            "privacy": reverse("website:privacy"),
        }

    @property
    def municipality(self) -> str:
        return settings.TRYGGEST_MUNICIPALITY

    @property
    def quick_exit_url(self) -> str:
        return settings.TRYGGEST_QUICK_EXIT_URL


def public_site(request: HttpRequest) -> dict[str, Any]:
    return {"public_site": PublicSite(request)}
