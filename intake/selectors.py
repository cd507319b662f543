"""Reads of enquiries, scoped to what the actor may see, and logged in the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from accounts.policies import is_staff_user
from audit import events
from intake import persons, policies
from intake.models import Enquiry
from kernel.ids import uuid_or_none
from kernel.text import text_errors

# A reason for breaking the glass: enough for "who called, about what"; longer is refused.
BREAK_GLASS_REASON_MAX_LENGTH = 1_000


def enquiries_visible_to(actor: Any) -> QuerySet[Enquiry]:
    """The enquiries a staff member may work: their own team's, and only with the view permission."""
    if (
        not is_staff_user(actor)
        or not actor.has_perm("intake.view_enquiry")
        or actor.team_id is None
    ):
        return Enquiry.objects.none()
    return Enquiry.objects.filter(team_id=actor.team_id)


def assignable_users(enquiry: Enquiry) -> QuerySet[User]:
    """Who may be assigned the enquiry: the active users of its team who may work it, by the
    same policy ``casework.services.enquiry_assign`` checks (not managers, auditors or other
    teams), so that a form offers exactly what the service accepts."""
    candidates = User.objects.filter(team_id=enquiry.team_id, is_active=True).prefetch_related(
        "groups__permissions", "user_permissions"
    )
    return User.objects.filter(
        pk__in=[user.pk for user in candidates if policies.may_view(user, enquiry)]
    ).order_by("username")


def enquiry_for_actor(*, actor: Any, pk: Any, reason: str = "") -> Enquiry:
    """One enquiry for reading, with its view event; Enquiry.DoesNotExist when not visible.

    A coordinator may open another team's enquiry by stating a reason ("break the glass"): it is
    allowed and logged as ``break_glass``. Any other refused read is logged as
    ``permission_denied`` (committed, although the read fails) and looks exactly like a missing
    enquiry to the caller. A reason with control characters or over
    ``BREAK_GLASS_REASON_MAX_LENGTH`` characters is a ValidationError (``reason``): refused,
    never cut, before anything is read.
    """
    reason = (reason or "").strip()
    if found := text_errors(reason, limit=BREAK_GLASS_REASON_MAX_LENGTH):
        raise ValidationError({"reason": found})
    key = uuid_or_none(pk)
    if key is None:
        raise Enquiry.DoesNotExist
    with transaction.atomic():
        enquiry = Enquiry.objects.select_related("team", "assigned_to").filter(pk=key).first()
        if enquiry is None:
            raise Enquiry.DoesNotExist
        if policies.may_view(actor, enquiry):
            events.enquiry_viewed(actor=actor, enquiry=enquiry)
            return enquiry
        if reason and policies.may_break_glass(actor):
            events.enquiry_viewed(actor=actor, enquiry=enquiry, reason=reason, break_glass=True)
            return enquiry
        events.access_denied(
            actor=actor, object_type="enquiry", object_id=enquiry.pk, enquiry_id=enquiry.pk
        )
    # Raised after the block commits: raising inside it would roll the refusal's event back.
    # (A caller that wraps this in its own transaction and lets the exception out of it loses
    # the event the same way; catch Enquiry.DoesNotExist inside your transaction.)
    raise Enquiry.DoesNotExist


def log_enquiries_listed(
    *, actor: Any, enquiries: Iterable[Enquiry], filters: dict[str, Any]
) -> None:
    """Record a list or search with the ids it showed, so that each enquiry's access report
    includes the lists that showed it."""
    with transaction.atomic():
        events.enquiries_listed(actor=actor, enquiry_ids=[e.pk for e in enquiries], filters=filters)


def enquiry_ids_for_national_id(national_id: str) -> list[uuid.UUID]:
    """Every enquiry about one person, oldest first, whatever the team: what an access report
    by national id covers. Only the auditor's report and the adult's own requests ask this.
    Looked up by the number's keyed hash (``intake.persons``), never in clear."""
    return persons.enquiry_ids_for_national_id(national_id)


def enquiries_submitted_by(organisation: Any) -> QuerySet[Enquiry]:
    """A service organisation's own submissions (it sees their coarse status only)."""
    return Enquiry.objects.filter(service_submission__organisation=organisation)


@transaction.atomic
def submission_for_service(*, organisation: Any, pk: Any) -> Enquiry:
    """One of the organisation's own submissions, with its view event; DoesNotExist otherwise."""
    key = uuid_or_none(pk)
    if key is None:
        raise Enquiry.DoesNotExist
    enquiry = enquiries_submitted_by(organisation).filter(pk=key).first()
    if enquiry is None:
        raise Enquiry.DoesNotExist
    events.enquiry_viewed(actor=organisation, enquiry=enquiry)
    return enquiry
