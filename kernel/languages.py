"""The languages of the residents' pages, and how a page's address carries its language.

Which languages, each one's own name, its writing direction and whether its translation has been
reviewed are recorded in ``locale/languages.yaml`` (read once, by ``resident_languages``).

Staff pages and residents' pages choose their language differently, so that neither changes the
other:

- **Staff** (the admin, the statistics, the API) use Django's ``LANGUAGES`` (bokmål and English)
  and the language cookie that Django's ``set_language`` view writes (``ChosenLanguageMiddleware``).
- **Residents** choose from a plain list of links: the language is in the address, ``/meld/`` in
  bokmål and ``/<code>/meld/`` in the others (``resident_patterns``). These pages never read or
  write the cookie, so a resident's Arabic never reaches the admin in the same browser, a link can
  be handed out in a language (a leaflet, an interpreter), and the browser's Accept-Language never
  decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.urls import URLResolver, translate_url
from django.urls.resolvers import LocalePrefixPattern
from django.utils.translation import get_language

REVIEW_STATES = ("source", "reviewed", "unreviewed")


@dataclass(frozen=True)
class ResidentLanguage:
    code: str
    name: str  # in the language itself
    direction: str  # "ltr" or "rtl"
    review: str  # one of REVIEW_STATES

    @property
    def applies(self) -> bool:
        """Whether this text is the one that applies (the source, or a reviewed translation)."""
        return self.review in ("source", "reviewed")


def _languages_file() -> Path:
    return Path(settings.LOCALE_PATHS[0]) / "languages.yaml"


@cache
def resident_languages() -> dict[str, ResidentLanguage]:
    """The residents' languages in the order of the language list, by code.

    Raises ValueError when ``locale/languages.yaml`` names an unknown direction or review state,
    so that a typo fails at start-up and in the tests, not on a resident's page.
    """
    with _languages_file().open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)["languages"]
    languages: dict[str, ResidentLanguage] = {}
    for code, entry in data.items():
        language = ResidentLanguage(
            code=code,
            name=entry["name"],
            direction=entry["direction"],
            review=entry["review"],
        )
        if language.direction not in ("ltr", "rtl") or language.review not in REVIEW_STATES:
            raise ValueError(f"locale/languages.yaml: bad direction or review for {code!r}")
        languages[code] = language
    if settings.LANGUAGE_CODE not in languages:
        raise ValueError("locale/languages.yaml must list the default language")
    return languages


def resident_language(code: str | None = None) -> ResidentLanguage:
    """One residents' language (the active one by default; bokmål for any other code)."""
    languages = resident_languages()
    return languages.get(code or get_language() or "", languages[settings.LANGUAGE_CODE])


@cache
def _prefix() -> re.Pattern[str]:
    codes = [code for code in resident_languages() if code != settings.LANGUAGE_CODE]
    alternatives = "|".join(re.escape(code) for code in codes)
    return re.compile(rf"^({alternatives})/")


def language_from_path(path: str) -> str:
    """The residents' language of an address: its prefix (``/ar/meld/`` → ``ar``), else bokmål."""
    match = _prefix().match(path.lstrip("/"))
    return match.group(1) if match else settings.LANGUAGE_CODE


class ResidentLanguagePrefix(LocalePrefixPattern):
    """Like Django's ``i18n_patterns`` prefix, but the address decides, never the active language.

    Django's pattern matches only the active language's prefix, which it takes from the cookie or
    Accept-Language (LocaleMiddleware); here every residents' language's prefix matches, and no
    prefix means bokmål. Reversing gives the active language's prefix, so links on a page stay in
    its language (``{% url %}`` needs nothing more).
    """

    def __init__(self) -> None:
        super().__init__(prefix_default_language=False)

    @property
    def language_prefix(self) -> str:
        language = get_language() or settings.LANGUAGE_CODE
        if language == settings.LANGUAGE_CODE or language not in resident_languages():
            return ""
        return f"{language}/"

    def match(self, path: str) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        found = _prefix().match(path)
        return (path[found.end() :] if found else path), (), {}


def resident_patterns(*urls: Any) -> list[URLResolver]:
    """URL patterns served in every residents' language (use once, in the root URLconf)."""
    return [URLResolver(ResidentLanguagePrefix(), list(urls))]


def address_in(path: str, code: str) -> str:
    """The same residents' page in another language (the path alone; no query string)."""
    return translate_url(path, code)
