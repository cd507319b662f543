"""The write path of the residents' form: submitting, following up with a receipt code, messages.

Like ``intake.services``, each function is keyword-only and atomic and records its audit event in
the same transaction. The enquiry itself is created by ``services.enquiry_create`` (channel
``web_form``), so the form gets the same validation, routing and reminders as the API.

A resident is not identified, not even by address: events recorded here carry the actor type
``public`` and no IP address, whatever the request context holds (issue 8). Throttling keeps
addresses in memory only (``intake.throttle``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import context, events
from audit.models import Action
from intake import policies, receipts, services, submissions
from intake.models import Enquiry, EnquiryReceipt, ReporterMessage
from kernel.text import has_control_characters

MESSAGE_MAX_LENGTH = 5_000
# The same form sent again within this long answers with the same code (a double click, a
# reload of the answer page); later, only "already received".
REPEAT_SHOWS_CODE = dt.timedelta(minutes=30)


@contextlib.contextmanager
def _without_ip() -> Iterator[None]:
    token = context.bind(dataclasses.replace(context.current(), ip=None))
    try:
        yield
    finally:
        context.reset(token)


@dataclass(frozen=True)
class Submitted:
    enquiry: Enquiry
    code: str  # shown to the resident, never stored; "" when a repeat comes too late for it
    repeated: bool = False  # the same form was sent before: nothing was created now


def public_enquiry_submit(
    *, values: dict[str, Any], form_token: submissions.FormToken
) -> Submitted:
    """A resident's enquiry from the form, with its receipt code (``receipts.code_for_form``).

    The form is taken once (``intake.submissions``): sent again, it creates nothing and answers
    with the first enquiry (``repeated``), and with the same code within ``REPEAT_SHOWS_CODE``.
    """
    try:
        with _without_ip(), transaction.atomic():
            used = submissions.use(form_token)
            enquiry = services.enquiry_create(
                actor=events.PUBLIC, values=values, channel="web_form"
            )
            code = receipts.code_for_form(form_token.nonce)
            receipt = EnquiryReceipt.objects.create(
                enquiry=enquiry, code_hash=receipts.code_hash(code), created_at=enquiry.received_at
            )
            used.enquiry = enquiry
            used.save(update_fields=["enquiry"])
            events.object_created(actor=events.PUBLIC, obj=receipt, enquiry_id=enquiry.pk)
    except submissions.AlreadyReceived as exc:
        return _repeated(exc.enquiry, form_token)
    return Submitted(enquiry=enquiry, code=code)


def _repeated(enquiry: Enquiry | None, form_token: submissions.FormToken) -> Submitted:
    if enquiry is None:  # the first send is still being stored, or was erased
        raise submissions.AlreadyReceived()
    receipt = EnquiryReceipt.objects.filter(enquiry=enquiry).first()
    code = ""
    if receipt is not None and timezone.now() - receipt.created_at < REPEAT_SHOWS_CODE:
        code = next(
            (
                candidate
                for candidate in receipts.codes_for_form(form_token.nonce)
                if receipt.code_hash in receipts.candidate_hashes(candidate)
            ),
            "",
        )
    return Submitted(enquiry=enquiry, code=code, repeated=True)


def _find(code: str) -> Enquiry | None:
    hashes = receipts.candidate_hashes(code)
    if not hashes:
        return None
    receipt = EnquiryReceipt.objects.select_related("enquiry").filter(code_hash__in=hashes).first()
    return receipt.enquiry if receipt else None


def _refuse() -> None:
    # Neither the code nor a part of it: a mistyped code is close to the real one.
    events.record(
        action=Action.PERMISSION_DENIED,
        actor=events.PUBLIC,
        object_type="enquiryreceipt",
        reason="wrong or unknown receipt code",
    )


@dataclass(frozen=True)
class ReporterStatus:
    """What the holder of a code sees: how far the enquiry has come and the messages, no more.

    Not the description, the assessment or the referrals: whoever finds the code on a note
    (perhaps the person causing harm) must learn as little as possible.
    """

    reference: str
    state: str
    received_at: Any
    messages: list[ReporterMessage]


def receipt_status(*, code: str) -> ReporterStatus | None:
    """The status for a code, read by the public (a view event); None for any wrong code.

    A wrong code and an unknown one are the same to the caller. The refusal is committed as an
    audit event although the read fails.
    """
    with _without_ip(), transaction.atomic():
        enquiry = _find(code)
        if enquiry is None:
            _refuse()
            return None
        events.enquiry_viewed(actor=events.PUBLIC, enquiry=enquiry)
        return ReporterStatus(
            reference=enquiry.reference,
            state=enquiry.state,
            received_at=enquiry.received_at,
            messages=list(enquiry.reporter_messages.all()),
        )


def receipt_guessing_throttled() -> None:
    """Record that an address was stopped for trying too many codes (once per window)."""
    with _without_ip(), transaction.atomic():
        events.record(
            action=Action.PERMISSION_DENIED,
            actor=events.PUBLIC,
            object_type="enquiryreceipt",
            reason="too many wrong receipt codes; throttled",
        )


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write a message.")]})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"text": [_("At most %(limit)d characters.") % {"limit": MESSAGE_MAX_LENGTH}]}
        )
    if has_control_characters(text):
        raise ValidationError({"text": [_("Contains characters that are not allowed.")]})
    return text


def reporter_reply_add(
    *, code: str, text: str, once: submissions.FormToken | None = None
) -> ReporterMessage | None:
    """The reporter answers or adds information; None (and a refusal event) for a wrong code.
    AlreadyReceived when this reply form (``once``) was sent before: nothing is added twice."""
    text = _clean_text(text)
    with _without_ip(), transaction.atomic():
        enquiry = _find(code)
        if enquiry is None:
            _refuse()
            return None
        if once is not None:
            submissions.use(once, enquiry=enquiry)
        message = ReporterMessage.objects.create(
            enquiry=enquiry,
            direction=ReporterMessage.Direction.FROM_REPORTER,
            text=text,
            at=timezone.now(),
        )
        events.object_created(actor=events.PUBLIC, obj=message, enquiry_id=enquiry.pk)
    return message


@transaction.atomic
def reporter_message_send(*, enquiry: Enquiry, actor: Any, text: str) -> ReporterMessage:
    """A team member writes to the reporter; they read it on the status page with their code.
    Not on a closed enquiry (EnquiryClosed): reopen it to answer."""
    policies.require_editable(actor, enquiry)
    if not EnquiryReceipt.objects.filter(enquiry=enquiry).exists():
        raise ValidationError(
            {"text": [_("The reporter has no receipt code, so they cannot read messages here.")]}
        )
    text = _clean_text(text)
    message = ReporterMessage.objects.create(
        enquiry=enquiry,
        direction=ReporterMessage.Direction.TO_REPORTER,
        text=text,
        at=timezone.now(),
        author=actor,
    )
    events.object_created(actor=actor, obj=message, enquiry_id=enquiry.pk)
    return message
