"""Links between enquiries and closing one as a duplicate of another (issue 17): part of the
write path, like ``casework.services``. Each function is keyword-only and atomic, checks that the
actor may work *both* enquiries (their teams are checked, not only the first's), and writes its
audit event last, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import events
from casework.journal import journal_rehome
from casework.models import Duplicate, EnquiryLink, JournalEntry, LinkKind
from casework.services import enquiry_close
from intake import policies
from intake.models import Enquiry, ReporterMessage


def _may_link(actor: Any, enquiry: Enquiry) -> bool:
    # A link changes neither enquiry's facts, so a closed enquiry may be linked (an earlier
    # enquiry about the same adult is usually closed).
    return policies.may_view(actor, enquiry) and actor.has_perm("intake.change_enquiry")


def _require_both(actor: Any, first: Enquiry, second: Enquiry) -> None:
    if not (_may_link(actor, first) and _may_link(actor, second)):
        raise PermissionDenied(_("You may not do this with this enquiry."))


def active_links(enquiry: Enquiry) -> list[EnquiryLink]:
    """The enquiry's links not undone, either way round, with both enquiries' references."""
    return list(
        EnquiryLink.objects.filter(Q(enquiry=enquiry) | Q(other=enquiry), removed_at__isnull=True)
        .select_related("enquiry", "other")
        .only(
            "kind",
            "created_at",
            "enquiry__id",
            "enquiry__reference",
            "enquiry__state",
            "other__id",
            "other__reference",
            "other__state",
        )
    )


@transaction.atomic
def enquiry_link(*, enquiry: Enquiry, other: Enquiry, kind: str, actor: User) -> EnquiryLink:
    """Link ``enquiry`` to ``other`` as ``same_adult`` or ``same_event``. PermissionDenied unless
    the actor may work both; ValidationError (``other``, ``kind``) for itself, an unknown kind,
    or a link that already exists (either way round)."""
    _require_both(actor, enquiry, other)
    if kind not in LinkKind.values:
        raise ValidationError({"kind": [_("Unknown code: %(code)s.") % {"code": kind}]})
    if enquiry.pk == other.pk:
        raise ValidationError({"other": [_("An enquiry cannot be linked to itself.")]})
    exists = EnquiryLink.objects.filter(
        Q(enquiry=enquiry, other=other) | Q(enquiry=other, other=enquiry),
        kind=kind,
        removed_at__isnull=True,
    ).exists()
    if exists:
        raise ValidationError({"other": [_("These enquiries are already linked so.")]})
    link = EnquiryLink.objects.create(
        enquiry=enquiry, other=other, kind=kind, created_at=timezone.now(), created_by=actor
    )
    events.enquiries_linked(actor=actor, link=link)
    return link


@transaction.atomic
def enquiry_unlink(*, link: EnquiryLink, actor: User) -> EnquiryLink:
    """Undo a link (the row stays, marked undone). PermissionDenied unless the actor may work both
    enquiries; ValidationError when it was undone before."""
    link = (
        EnquiryLink.objects.select_for_update().select_related("enquiry", "other").get(pk=link.pk)
    )
    _require_both(actor, link.enquiry, link.other)
    if link.removed_at is not None:
        raise ValidationError({"link": [_("This link was already undone.")]})
    link.removed_at = timezone.now()
    link.removed_by = actor
    link.save(update_fields=["removed_at", "removed_by"])
    events.enquiries_unlinked(actor=actor, link=link)
    return link


def journal_entries_move_to_kept(*, duplicate: Enquiry, kept: Enquiry, actor: User) -> int:
    """The hook for the journal (issue 16, built beside this): move ``duplicate``'s journal
    entries into ``kept``'s timeline when it is closed as a duplicate, and return how many moved.
    Entries are never changed in content; they change enquiry, and the audit event of the merge
    counts them. Called before the duplicate is closed (a closed enquiry's journal is read-only);
    PermissionDenied when the actor may not write both journals (``journal.journal_rehome``)."""
    if not JournalEntry.objects.filter(enquiry=duplicate).exists():
        return 0
    if not kept.is_open:
        # A closed enquiry's journal is read-only: say so on the field, not as a refusal of
        # the person (a 403 read as "you may not").
        raise ValidationError(
            {
                "duplicate_of": [
                    _(
                        "The enquiry kept is closed, and this enquiry's journal would move into "
                        "it. Reopen it first, or choose an open enquiry."
                    )
                ]
            }
        )
    return journal_rehome(source=duplicate, target=kept, actor=actor)


def reporter_messages_in_timeline(enquiry: Enquiry) -> Any:
    """The messages with the reporters of ``enquiry`` and of every enquiry closed as a duplicate
    of it, oldest first: the kept enquiry's timeline of messages, for the team.

    They are shown there rather than moved: the residents' status page shows a receipt's own
    enquiry's messages, so a moved message would be read by the *other* reporter (a neighbour
    would read what the home care wrote). Each reporter keeps their own conversation; the team
    reads and answers both from the kept enquiry."""
    return (
        ReporterMessage.objects.filter(
            Q(enquiry=enquiry) | Q(enquiry__duplicate_record__kept=enquiry)
        )
        .select_related("author", "enquiry")
        .order_by("at", "pk")
    )


@transaction.atomic
def enquiry_close_as_duplicate(
    *, enquiry: Enquiry, kept: Enquiry, actor: User, note: str = "", **close: Any
) -> Enquiry:
    """Close ``enquiry`` with the outcome ``duplicate``, pointing at ``kept``: its journal moves
    into ``kept``'s timeline, its reporter messages show there
    (``reporter_messages_in_timeline``). Both enquiries' teams are checked
    (PermissionDenied); ValidationError (``duplicate_of``) when ``kept`` is the enquiry itself or
    was itself closed as a duplicate of it. ``close`` passes on to ``enquiry_close``."""
    _require_both(actor, enquiry, kept)
    if kept.pk == enquiry.pk:
        raise ValidationError({"duplicate_of": [_("An enquiry cannot be its own duplicate.")]})
    if Duplicate.objects.filter(enquiry=kept, kept=enquiry).exists():
        raise ValidationError(
            {"duplicate_of": [_("That enquiry was closed as a duplicate of this one.")]}
        )
    # The journal moves first: once closed, the duplicate's journal is read-only. One
    # transaction: a refused close moves nothing.
    moved = {
        "journal_entries": journal_entries_move_to_kept(duplicate=enquiry, kept=kept, actor=actor),
        "reporter_messages": ReporterMessage.objects.filter(enquiry=enquiry).count(),
    }
    enquiry_close(enquiry=enquiry, actor=actor, outcome="duplicate", note=note, **close)
    # A reopened duplicate closed again points at the enquiry kept this time.
    Duplicate.objects.update_or_create(
        enquiry=enquiry, defaults={"kept": kept, "at": timezone.now(), "by": actor}
    )
    events.duplicate_merged(actor=actor, duplicate=enquiry, kept=kept, moved=moved)
    return enquiry
