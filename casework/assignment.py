"""Taking and handing over cases (issue 16): who works an enquiry, and what each person has to do
next ("Mine saker").

- A team member *takes* an open enquiry of their team ("Ta saken"), or gives it back;
- a coordinator *hands it over* to a member of the enquiry's team (``assignable_users``), or to
  nobody; anyone else is refused, whatever a form or request sends;
- every assignment is an audit event (``audit.events.enquiry_assigned``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateTimeField, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import events
from casework import policies
from casework.models import Task
from intake import policies as intake_policies
from intake import selectors as intake_selectors
from intake.models import OPEN_STATES, Enquiry, EnquiryClock
from intake.services import enquiry_lock, enquiry_save

NOT_ASSIGNABLE = gettext_lazy("Only a member of the enquiry's team can be assigned.")


@transaction.atomic
def enquiry_assign(*, enquiry: Enquiry, actor: Any, assignee: Any | None) -> Enquiry:
    """Make ``assignee`` (a user, or None for nobody) the one who works ``enquiry``.

    Raises EnquiryClosed on a closed enquiry; PermissionDenied unless the actor is a coordinator
    of the enquiry's team, or a team member assigning themselves (or giving their own case back);
    ValidationError (``assigned_to``) when the assignee is not an active member or coordinator of
    the enquiry's team (``intake.selectors.assignable_users``).
    """
    if not enquiry.is_open:
        intake_policies.require_editable(actor, enquiry)
    if not (policies.may_take(actor, enquiry) or policies.may_hand_over(actor, enquiry)):
        raise PermissionDenied(_("You may not do this with this enquiry."))
    if (
        assignee is not None
        and not intake_selectors.assignable_users(enquiry).filter(pk=assignee.pk).exists()
    ):
        raise ValidationError({"assigned_to": [str(NOT_ASSIGNABLE)]})
    if not policies.may_assign_to(actor, enquiry, assignee):
        raise PermissionDenied(_("Only a coordinator hands a case to someone else."))
    enquiry_lock(enquiry)
    before = enquiry.assigned_to_id
    enquiry.assigned_to = assignee
    enquiry_save(enquiry)
    if assignee is None:
        how = "released"
    elif assignee.pk == actor.pk:
        how = "taken"
    else:
        how = "handed_over"
    events.enquiry_assigned(
        actor=actor, enquiry=enquiry, how=how, changed=before != enquiry.assigned_to_id
    )
    return enquiry


def enquiry_take(*, enquiry: Enquiry, actor: Any) -> Enquiry:
    """ "Ta saken": the actor takes the enquiry for themselves (see ``enquiry_assign``)."""
    return enquiry_assign(enquiry=enquiry, actor=actor, assignee=actor)


# --- What is due next ---


def _open_task_due(prefix: str = "") -> Subquery:
    return Subquery(
        Task.objects.filter(enquiry=OuterRef(f"{prefix}pk"), closed_at__isnull=True)
        .order_by()
        .values("enquiry")
        .annotate(first=Min("due_at"))
        .values("first")[:1],
        output_field=DateTimeField(),
    )


def with_next_deadline(queryset: QuerySet[Enquiry]) -> QuerySet[Enquiry]:
    """Annotate ``next_deadline``: the earliest of the enquiry's running clock (unpaused, open
    enquiries only) and its open tasks; None when nothing is due. Sortable ("Frist")."""
    # LEAST with NULL differs between databases: give each side the other as a fallback.
    # Both sides are subqueries, not joins: a count of the list (the admin's paginator) leaves
    # unused annotations out, but not a join (a LEFT JOIN to the clocks made the team's list
    # count 8x slower at 1M enquiries; BENCHMARKS.md, issue 21).
    return queryset.annotate(
        _clock_due=Subquery(
            EnquiryClock.objects.filter(enquiry=OuterRef("pk")).values("due_at")[:1],
            output_field=DateTimeField(),
        ),
        _task_due=_open_task_due(),
    ).annotate(
        next_deadline=Least(
            Coalesce(F("_clock_due"), F("_task_due")),
            Coalesce(F("_task_due"), F("_clock_due")),
            output_field=DateTimeField(),
        )
    )


@dataclass(frozen=True)
class MyCases:
    enquiries: list[Enquiry]  # each with ``next_deadline``
    tasks: list[Task]  # my open tasks, soonest first


def my_cases(actor: Any, *, now: dt.datetime | None = None) -> MyCases:
    """ "Mine saker": the open enquiries of the actor's team assigned to the actor, soonest
    deadline first (then the oldest), and the actor's open tasks. Reads are logged by the caller
    (``intake.selectors.log_enquiries_listed``)."""
    enquiries = list(
        with_next_deadline(
            intake_selectors.enquiries_visible_to(actor).filter(
                assigned_to=actor, state__in=OPEN_STATES
            )
        )
        .select_related("clock")
        .order_by(F("next_deadline").asc(nulls_last=True), "received_at")
    )
    tasks = list(
        Task.objects.filter(
            Q(owner=actor) & Q(closed_at__isnull=True),
            enquiry__in=intake_selectors.enquiries_visible_to(actor),
        )
        .select_related("enquiry")
        .order_by("due_at", "pk")
    )
    return MyCases(enquiries=enquiries, tasks=tasks)
