"""The only write path for referrals and the directory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from audit import events
from intake import policies
from routing.hours import add_working_days
from routing.models import HelpService, Referral

# Working days a service has to acknowledge a referral before it is overdue.
ACKNOWLEDGE_WITHIN_WORKING_DAYS = 3


class ReferralTransitionRefused(Exception):
    def __init__(self, *, transition: str, state: str) -> None:
        super().__init__(transition)
        self.transition = transition
        self.state = state


def referral_create(
    *, enquiry: Any, service: HelpService, actor: Any, legal_basis: str, note: str, sent_at: dt.datetime
) -> Referral:
    """Called by ``intake.services.enquiry_forward`` inside its transaction."""
    referral = Referral.objects.create(
        enquiry=enquiry,
        service=service,
        legal_basis=legal_basis,
        note=note,
        sent_by=actor,
        sent_at=sent_at,
        due_at=add_working_days(sent_at, ACKNOWLEDGE_WITHIN_WORKING_DAYS),
    )
    events.object_created(actor=actor, obj=referral, enquiry_id=enquiry.pk)
    return referral


def _may_answer(actor: Any, referral: Referral) -> bool:
    """The receiving service answers its own referrals; the team may record an answer for it."""
    service = getattr(actor, "service", None)
    if service is not None:
        return service.pk == referral.service_id
    return policies.may_edit(actor, referral.enquiry)


def _change(
    *, referral: Referral, actor: Any, name: str, fields: dict[str, Any], allowed: bool
) -> Referral:
    if not allowed:
        raise PermissionDenied(_("You may not do this with this referral."))
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.state != referral.state:
        raise ReferralTransitionRefused(transition=name, state=locked.state)
    method = getattr(referral, name)
    if not can_proceed(method):
        raise ReferralTransitionRefused(transition=name, state=referral.state)
    method()
    for field, value in fields.items():
        setattr(referral, field, value)
    try:
        referral.save()
    except ConcurrentTransition as exc:
        raise ReferralTransitionRefused(transition=name, state=referral.state) from exc
    events.object_changed(
        actor=actor, obj=referral, enquiry_id=referral.enquiry_id, action="transition",
        fields=["state", *fields],
    )
    return referral


@transaction.atomic
def referral_acknowledge(*, referral: Referral, actor: Any) -> Referral:
    return _change(
        referral=referral, actor=actor, name="acknowledge",
        fields={"acknowledged_at": timezone.now()}, allowed=_may_answer(actor, referral),
    )


@transaction.atomic
def referral_decline(*, referral: Referral, actor: Any, reason: str) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for declining.")]})
    if len(reason) > 5_000:
        raise ValidationError({"reason": [_("At most %(limit)d characters.") % {"limit": 5_000}]})
    return _change(
        referral=referral, actor=actor, name="decline",
        fields={"declined_at": timezone.now(), "decline_reason": reason},
        allowed=_may_answer(actor, referral),
    )


@transaction.atomic
def referral_complete(*, referral: Referral, actor: Any, note: str = "") -> Referral:
    if len(note or "") > 5_000:
        raise ValidationError({"note": [_("At most %(limit)d characters.") % {"limit": 5_000}]})
    return _change(
        referral=referral, actor=actor, name="complete",
        fields={"completed_at": timezone.now(), "completion_note": note or ""},
        allowed=_may_answer(actor, referral),
    )


@transaction.atomic
def referral_withdraw(*, referral: Referral, actor: Any) -> Referral:
    return _change(
        referral=referral, actor=actor, name="withdraw", fields={"withdrawn_at": timezone.now()},
        allowed=policies.may_edit(actor, referral.enquiry) and getattr(actor, "service", None) is None,
    )
