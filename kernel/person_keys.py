"""Keys that recognise the same adult across enquiries without searching personal values in clear.

- ``national_id_key``: HMAC-SHA256 of a national id or D-number, keyed with ``PERSON_HMAC_KEY``
  (settings, from the environment, never in the database). The index holds only this key: a copy
  of the database alone does not give the numbers back by trying all 11-digit candidates, since
  that needs the key too.
- ``name_key``: a name folded for comparison: case, spaces, punctuation and accents are folded
  (``Østby-Hansen`` and ``østby hansen`` and ``ÖSTBY HANSEN``... see below), but the Norwegian
  letters æ, ø and å are kept as letters of their own (``Ås`` is not ``As``; ``Bø`` not ``Bo``).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from django.conf import settings

# Letters of the Norwegian alphabet that are letters, not accented forms of a, o.
_KEPT = frozenset("æøå")


def national_id_key(national_id: str) -> str:
    """The keyed hash (64 hex characters) of an 11-digit national id or D-number; "" for ""."""
    value = (national_id or "").strip()
    if not value:
        return ""
    key = settings.PERSON_HMAC_KEY.encode()
    return hmac.new(key, b"national_id:" + value.encode(), hashlib.sha256).hexdigest()


def name_key(name: str) -> str:
    """``name`` folded for matching: lower case, accents dropped (é → e, ö → o, ü → u), every run
    of spaces, hyphens and punctuation made one space, but æ, ø, å kept distinct from a, o.
    At most 200 characters; "" when no letter remains."""
    letters: list[str] = []
    for char in (name or "").casefold():
        if char in _KEPT:
            letters.append(char)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(part):
                continue
            letters.append(part if part.isalnum() else " ")
    return " ".join("".join(letters).split())[:200]
