"""The codes of the domain, with their Norwegian and English labels.

The single source is ``kernel/data/vocabulary.yaml`` (a copy of the shared domain vocabulary, never
read from ``../shared`` at run time). Labels are lazy: they render in the active language, Norwegian
bokmål by default and English when the user has chosen it.

Residents read some groups too (``RESIDENT_GROUPS``: what is happening, what makes a person
vulnerable, who causes the harm, where, the help page's situations). Their codes may carry a
plain-language label (``plain_nb``/``plain_en``) shown beside the professional one, and in the
residents' other languages (``kernel.languages``) both labels come from the gettext catalogues:
message context ``vocabulary:<group>``, message id the English label, extracted from the YAML by
the project's ``makemessages`` (``website.catalogues``). An untranslated label falls back to
bokmål, like every other string of those pages.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from django.utils.functional import lazy
from django.utils.translation import get_language, pgettext

_PATH = Path(__file__).resolve().parent / "data" / "vocabulary.yaml"


@cache
def vocabulary() -> dict[str, dict[str, dict[str, str]]]:
    with _PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


# The groups residents read; only these are translated beyond bokmål and English.
RESIDENT_GROUPS = (
    "violence_types",
    "risk_factors",
    "perpetrator_relations",
    "locations",
    "genders",
    "help_situations",
)


def message_context(group: str) -> str:
    """The gettext message context of a group's labels in the catalogues."""
    return f"vocabulary:{group}"


def _text(group: str, code: str, key: str) -> str:
    labels = vocabulary()[group][code]
    bokmal, english = labels.get(f"{key}nb", ""), labels.get(f"{key}en", "")
    language = (get_language() or "nb").lower()
    if language.startswith("en"):
        return english
    if language == "nb" or group not in RESIDENT_GROUPS or not english:
        return bokmal
    translated = pgettext(message_context(group), english)
    # gettext answers with the message id when the catalogue has no translation.
    return bokmal if translated == english else translated


def _label(group: str, code: str) -> str:
    return _text(group, code, "")


def _plain_label(group: str, code: str) -> str:
    return _text(group, code, "plain_")


label = lazy(_label, str)
# The plain-language label of a code ("" when it has none), in the active language.
plain_label = lazy(_plain_label, str)


def has_plain_label(group: str, code: str) -> bool:
    return bool(vocabulary()[group][code].get("plain_nb"))


class ResidentLabel:
    """A code's label for a residents' page: the professional label, and the plain one beside it.

    Renders as the professional label; ``plain`` is "" when the code has none. Used as a form
    choice's label (``resident_choices``), so templates can show both.
    """

    def __init__(self, group: str, code: str) -> None:
        self.group = group
        self.code = code

    def __str__(self) -> str:
        return str(label(self.group, self.code))

    @property
    def plain(self) -> str:
        return (
            str(plain_label(self.group, self.code))
            if has_plain_label(self.group, self.code)
            else ""
        )

    @property
    def with_plain(self) -> str:
        """Both in one line, for places that take text only (a select's options)."""
        plain = self.plain
        return f"{self} – {plain}" if plain else str(self)


def codes(group: str) -> list[str]:
    return list(vocabulary()[group])


def choices(group: str) -> list[tuple[str, str]]:
    return [(code, label(group, code)) for code in vocabulary()[group]]


def resident_choices(group: str) -> list[tuple[str, ResidentLabel]]:
    """A group's choices for a residents' form: each label carries its plain label."""
    return [(code, ResidentLabel(group, code)) for code in vocabulary()[group]]


def catalogue_messages() -> list[tuple[str, str]]:
    """(message context, message id) of every label residents read: what ``makemessages`` puts
    in the catalogues from the YAML, and what the tests require a translation of."""
    messages: list[tuple[str, str]] = []
    for group in RESIDENT_GROUPS:
        for labels in vocabulary()[group].values():
            for key in ("en", "plain_en"):
                if labels.get(key) and (message_context(group), labels[key]) not in messages:
                    messages.append((message_context(group), labels[key]))
    return messages


# Risk levels in order of seriousness; comparisons use this order.
RISK_LEVEL_ORDER = ["low", "moderate", "high", "acute"]


def risk_level_rank(level: str | None) -> int:
    return RISK_LEVEL_ORDER.index(level) if level in RISK_LEVEL_ORDER else -1


# Channels a staff member may choose when logging an enquiry by hand; `web_form` and `api` are set
# by the residents' form and by service keys.
STAFF_CHANNELS = ["phone", "in_person", "email", "letter"]
