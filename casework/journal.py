"""The journal (kontaktlogg): what the team did or learnt about an enquiry (issue 16).

Entries are only ever added: never edited, never deleted. A correction is a new entry pointing at
the one it corrects (``corrects``); the timeline shows them together. Each write checks the
actor's permission (``casework.policies``) and records its audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from casework import policies
from casework.models import JournalEntry, JournalKind
from intake import policies as intake_policies
from intake.models import Enquiry
from kernel.text import check_text

JOURNAL_TEXT_MAX_LENGTH = 10_000
# A clock a little ahead of the server's is not "the future".
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def _validate(
    *, enquiry: Enquiry, kind: str, occurred_at: Any, text: str, corrects: Any, now: dt.datetime
) -> JournalEntry | None:
    errors: dict[str, list[str]] = {}
    if kind not in JournalKind.values:
        errors["kind"] = [_("Unknown code.")]
    if not isinstance(occurred_at, dt.datetime) or timezone.is_naive(occurred_at):
        errors["occurred_at"] = [_("Give the time it happened.")]
    elif occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("The time it happened cannot be in the future.")]
    text = text or ""
    if not text.strip():
        errors["text"] = [_("Write what happened.")]
    check_text(errors, "text", text, limit=JOURNAL_TEXT_MAX_LENGTH)
    corrected = None
    if corrects is not None:
        corrected = (
            corrects
            if isinstance(corrects, JournalEntry)
            else JournalEntry.objects.filter(pk=corrects).first()
            if isinstance(corrects, int) and 0 < corrects < 2**31
            else None
        )
        if corrected is None or corrected.enquiry_id != enquiry.pk:
            errors["corrects"] = [_("No such journal entry on this enquiry.")]
    if errors:
        raise ValidationError(errors)
    return corrected


@transaction.atomic
def journal_add(
    *,
    enquiry: Enquiry,
    actor: Any,
    kind: str,
    occurred_at: dt.datetime,
    text: str,
    corrects: JournalEntry | int | None = None,
) -> JournalEntry:
    """Add an entry to the enquiry's journal; with ``corrects``, a correction of that entry.

    In: the kind (``JournalKind``), when it happened (aware; not in the future), the text (1 to
    10,000 characters), and optionally the entry (or its id) corrected, of the same enquiry.
    Raises EnquiryClosed on a closed enquiry (read-only until reopened), PermissionDenied for
    anyone but the enquiry's team, ValidationError naming the field for bad input.
    """
    if not policies.may_write_journal(actor, enquiry):
        intake_policies.require_editable(actor, enquiry)
        raise PermissionDenied(_("You may not do this with this enquiry."))
    now = timezone.now()
    corrected = _validate(
        enquiry=enquiry, kind=kind, occurred_at=occurred_at, text=text, corrects=corrects, now=now
    )
    entry = JournalEntry.objects.create(
        enquiry=enquiry,
        kind=kind,
        occurred_at=occurred_at,
        text=text.strip(),
        author=actor,
        created_at=now,
        corrects=corrected,
    )
    events.object_created(actor=actor, obj=entry, enquiry_id=enquiry.pk)
    return entry


def journal_entries(enquiry: Enquiry) -> QuerySet[JournalEntry]:
    """The enquiry's journal, newest first (by when it happened). The caller has read the enquiry
    through a logged selector (``intake.selectors.enquiry_for_actor``)."""
    return (
        JournalEntry.objects.filter(enquiry=enquiry)
        .select_related("author", "corrects")
        .order_by("-occurred_at", "-pk")
    )


@transaction.atomic
def journal_rehome(*, source: Enquiry, target: Enquiry, actor: Any) -> int:
    """Move every journal entry of ``source`` to ``target`` (merging a duplicate into the enquiry
    it duplicates, issue 17): the entries keep their kind, times, author, text and corrections;
    only their enquiry changes. Returns how many moved. PermissionDenied unless the actor may
    write both journals; ValidationError for the same enquiry twice."""
    if source.pk == target.pk:
        raise ValidationError({"target": [_("An enquiry cannot be merged into itself.")]})
    for enquiry in (source, target):
        if not policies.may_write_journal(actor, enquiry):
            raise PermissionDenied(_("You may not do this with this enquiry."))
    moved = list(JournalEntry.objects.filter(enquiry=source).values_list("pk", flat=True))
    if not moved:
        return 0
    JournalEntry.objects.filter(pk__in=moved).update(enquiry=target)
    events.enquiry_updated(actor=actor, enquiry=source, fields=["journal_entries"])
    events.enquiry_updated(actor=actor, enquiry=target, fields=["journal_entries"])
    return len(moved)
