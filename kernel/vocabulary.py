"""The codes of the domain, with their Norwegian and English labels.

The single source is ``kernel/data/vocabulary.yaml`` (a copy of the shared domain vocabulary, never
read from ``../shared`` at run time). Labels are lazy: they render in the active language, Norwegian
bokmål by default and English when the user has chosen it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from django.utils.functional import lazy
from django.utils.translation import get_language

_PATH = Path(__file__).resolve().parent / "data" / "vocabulary.yaml"


@cache
def vocabulary() -> dict[str, dict[str, dict[str, str]]]:
    with _PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _label(group: str, code: str) -> str:
    labels = vocabulary()[group][code]
    language = (get_language() or "nb").lower()
    return labels["en"] if language.startswith("en") else labels["nb"]


label = lazy(_label, str)


def codes(group: str) -> list[str]:
    return list(vocabulary()[group])


def choices(group: str) -> list[tuple[str, str]]:
    return [(code, label(group, code)) for code in vocabulary()[group]]


# Risk levels in order of seriousness; comparisons use this order.
RISK_LEVEL_ORDER = ["low", "moderate", "high", "acute"]


def risk_level_rank(level: str | None) -> int:
    return RISK_LEVEL_ORDER.index(level) if level in RISK_LEVEL_ORDER else -1


# Channels a staff member may choose when logging an enquiry by hand; `web_form` and `api` are set
# by the residents' form and by service keys.
STAFF_CHANNELS = ["phone", "in_person", "email", "letter"]
