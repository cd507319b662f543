"""Single-use forms: every POST that creates something (an enquiry from the residents' form, a
reply, a message, a decision, a pause, a step) is taken once (issue 14, fault 3).

A form carries a signed token with a random part and the time it was handed out
(``new_token``). The view that creates something uses it (``use``) in the same transaction as
the work: the token's hash goes into ``UsedFormToken``, whose unique constraint makes a second
send of the same form (a double click, a reload of the answer page, two at once) raise
``AlreadyReceived`` and roll its own work back, so nothing is created twice. A form whose work
was refused (a mistake on it) leaves its token unused, so it can be corrected and sent again.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.models import Enquiry, UsedFormToken
from kernel.forms import LimitsStated

_SALT = "tryggest.intake.single-use-form"
# After this long a form is refused as stale (the page asks to send it again).
MAX_AGE_SECONDS = 24 * 60 * 60


class AlreadyReceived(Exception):
    """This form was sent before; ``enquiry`` is what the first send created (or None)."""

    def __init__(self, *, enquiry: Enquiry | None = None) -> None:
        super().__init__("already received")
        self.enquiry = enquiry


@dataclass(frozen=True)
class FormToken:
    nonce: str  # the random part: the form's identity, secret like the form itself
    issued_at: float  # seconds since the epoch, when the form was handed out


def new_token(at: float | None = None) -> str:
    payload = {"n": secrets.token_urlsafe(16), "t": int(at if at is not None else time.time())}
    return signing.dumps(payload, salt=_SALT)


def read_token(token: str, *, max_age: int = MAX_AGE_SECONDS) -> FormToken | None:
    """The token's content; None when it is forged, malformed or older than ``max_age``."""
    try:
        payload = signing.loads(token or "", salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("n"), str)
        or not isinstance(payload.get("t"), int)
    ):
        return None
    return FormToken(nonce=payload["n"], issued_at=payload["t"])


def _hash(nonce: str) -> str:
    return hashlib.sha256(f"{_SALT}:{nonce}".encode()).hexdigest()


def use(token: FormToken, *, enquiry: Enquiry | None = None) -> UsedFormToken:
    """Take the form once, inside the transaction of its work; AlreadyReceived when it was taken
    before (a concurrent first send waits for the other on the unique index)."""
    try:
        with transaction.atomic():
            return UsedFormToken.objects.create(
                token_hash=_hash(token.nonce), used_at=timezone.now(), enquiry=enquiry
            )
    except IntegrityError:
        earlier = (
            UsedFormToken.objects.select_related("enquiry")
            .filter(token_hash=_hash(token.nonce))
            .first()
        )
        raise AlreadyReceived(enquiry=earlier.enquiry if earlier else None) from None


class SingleUseForm(LimitsStated):
    """A form that is taken once: a hidden signed token (``once``), checked by ``use_once``."""

    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["once"].initial = new_token()

    def use_once(self) -> None:
        """Inside the work's transaction: AlreadyReceived when this form was sent before. A form
        without a valid token (an old page) is taken as new: it cannot be recognised."""
        token = read_token(self.cleaned_data.get("once") or "")
        if token is not None:
            use(token)
