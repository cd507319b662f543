"""Receipt codes of the residents' form: made, written out, normalised and hashed.

A code is 80 random bits in Crockford's base32 (digits and capitals without I, L, O and U), written
in four groups of four, e.g. ``7KQ2-M9XD-4HTR-0BWE``: long enough that guessing one is hopeless
(and guessing is throttled besides), short enough to copy by hand on a phone. Reading tolerates
what people do when they copy: lower case, spaces or no hyphens, O for 0 and I or L for 1.

Only a keyed hash (HMAC-SHA256 with SECRET_KEY) is stored: a copy of the database does not give
the codes, and a code alone cannot be tested against it without the key. Lookups go through the
hash, so the code itself is never compared character by character. Rotating SECRET_KEY keeps old
codes working as long as the old key stays in SECRET_KEY_FALLBACKS.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
BITS = 80
LENGTH = BITS // 5  # 16 characters
GROUP = 4
_KEY_SALT = "tryggest.intake.receipt-code"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    number = secrets.randbits(BITS)
    chars = []
    for _ in range(LENGTH):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return format_code("".join(chars))


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalise(typed: str) -> str | None:
    """The code's 16 characters, or None when what was typed cannot be a code."""
    cleaned = "".join(ch for ch in (typed or "").upper() if ch not in " -\t\r\n.").translate(
        _READ_AS
    )
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(code: str, *, secret: str | None = None) -> str:
    normalised = normalise(code)
    if normalised is None:
        raise ValueError("Not a receipt code.")
    return salted_hmac(_KEY_SALT, normalised, secret=secret, algorithm="sha256").hexdigest()


def candidate_hashes(code: str) -> list[str]:
    """The code's hash under the current key and under each fallback key; [] for a non-code."""
    if normalise(code) is None:
        return []
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [code_hash(code, secret=key) for key in keys]


_FORM_KEY_SALT = "tryggest.intake.receipt-code-from-form"


def code_for_form(nonce: str, *, secret: str | None = None) -> str:
    """The receipt code of the residents' form with this single-use token (``intake.submissions``):
    80 bits of an HMAC-SHA256 keyed with SECRET_KEY over the token's random part.

    Derived rather than stored, so that the same form sent twice (a double click, a reload) can
    answer with the same code although no code is kept anywhere; only its holder's browser has
    the token, and only for as long as the answer may be repeated (``public.REPEAT_SHOWS_CODE``).
    """
    digest = salted_hmac(_FORM_KEY_SALT, nonce, secret=secret, algorithm="sha256").digest()
    number = int.from_bytes(digest[: BITS // 8], "big")
    chars = []
    for _ in range(LENGTH):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return format_code("".join(chars))


def codes_for_form(nonce: str) -> list[str]:
    """The code under the current key and under each fallback key (a rotation in between)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [code_for_form(nonce, secret=key) for key in keys]
