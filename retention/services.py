"""The only write path of retention: the run that anonymises what is due, legal holds, rules and
rectification. Each function is atomic, checks the actor's permission (``retention.policies``)
and writes its audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from intake import persons
from intake.models import Enquiry
from intake.validation import validate_enquiry
from kernel.national_id import has_valid_check_digits
from retention import policies, registry, selectors
from retention.declarations import PERSONAL
from retention.models import Anonymisation, LegalHold, Rectification, RetentionRule

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass(frozen=True)
class RunReport:
    due: int
    anonymised: int
    batches: int
    dry_run: bool = False


def apply_retention(
    *, now: dt.datetime | None = None, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> RunReport:
    """Anonymise every enquiry whose time is up at ``now`` (default: now), in batches of
    ``batch_size`` by primary key, each batch one transaction. Safe to run twice and to kill:
    a batch is anonymised with its ``Anonymisation`` rows and audit events or not at all, and a
    later run picks up whatever is left. ``dry_run`` only counts."""
    now = now or timezone.now()
    rules = selectors.Rules.current()
    if dry_run:
        return RunReport(selectors.due(now, rules).count(), 0, 0, dry_run=True)
    done = batches = seen = 0
    last = None
    while True:
        candidates = selectors.due(now, rules)
        if last is not None:
            candidates = candidates.filter(pk__gt=last)
        batch = list(candidates.values_list("pk", flat=True)[:batch_size])
        if not batch:
            break
        last = batch[-1]
        seen += len(batch)
        done += anonymise_batch(batch, now=now, rules=rules)
        batches += 1
    if done:
        logger.info("Retention: %s enquiries anonymised in %s batches", done, batches)
    return RunReport(seen, done, batches)


@transaction.atomic
def anonymise_batch(
    pks: list[Any], *, now: dt.datetime, rules: selectors.Rules | None = None
) -> int:
    """Anonymise the enquiries ``pks`` that are still due at ``now`` (checked again under a row
    lock, so a hold set meanwhile or a concurrent run wins): every registered personal value
    (``retention.declarations``), an ``Anonymisation`` row and one audit event each."""
    rules = rules or selectors.Rules.current()
    rows = selectors.due(now, rules).filter(pk__in=pks)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    claimed = list(rows.values_list("pk", "outcome"))
    if not claimed:
        return 0
    ids = [pk for pk, _outcome in claimed]
    registry.anonymise(PERSONAL, ids)
    labels = {pk: rules.rule_for(outcome) or "" for pk, outcome in claimed}
    Anonymisation.objects.bulk_create(
        [Anonymisation(enquiry_id=pk, at=now, rule=labels[pk]) for pk in ids]
    )
    events.enquiries_anonymised(rules=labels)
    return len(ids)


# --- Legal holds ---


@transaction.atomic
def set_hold(*, actor: Any, enquiry: Enquiry, reason: str) -> LegalHold:
    """Stop the retention clock of ``enquiry`` until lifted. Raises ``PermissionDenied`` for
    anyone but a coordinator of its team, ``ValidationError`` (field ``reason``) without a reason
    or when a hold is already active, or (field ``enquiry``) when it is already anonymised."""
    if not policies.may_hold(actor, enquiry):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the legal hold.")})
    if Anonymisation.objects.filter(enquiry=enquiry).exists():
        raise ValidationError({"enquiry": _("This enquiry is already anonymised.")})
    # The enquiry's row lock orders this against a retention run and another hold being set.
    list(Enquiry.objects.select_for_update().filter(pk=enquiry.pk).values_list("pk"))
    if LegalHold.objects.filter(enquiry=enquiry, lifted_at__isnull=True).exists():
        raise ValidationError({"enquiry": _("This enquiry already has a legal hold.")})
    hold = LegalHold(enquiry=enquiry, reason=reason, set_by=actor, set_at=timezone.now())
    hold.full_clean()
    hold.save()
    events.legal_hold_changed(actor=actor, hold=hold)
    return hold


@transaction.atomic
def lift_hold(*, actor: Any, hold: LegalHold) -> LegalHold:
    """Lift an active hold: the retention clock runs again (an expired enquiry is anonymised by
    the next run). Lifting a lifted hold changes nothing."""
    hold = LegalHold.objects.select_for_update().select_related("enquiry").get(pk=hold.pk)
    if not policies.may_hold(actor, hold.enquiry):
        raise PermissionDenied
    if hold.lifted_at is not None:
        return hold
    hold.lifted_at = timezone.now()
    hold.lifted_by = actor
    hold.save(update_fields=["lifted_at", "lifted_by"])
    events.legal_hold_changed(actor=actor, hold=hold, lifted=True)
    return hold


# --- Rules ---

RULE_FIELDS = ("scope", "outcome", "months", "note")


@transaction.atomic
def save_rule(*, actor: Any, rule: RetentionRule, changed: list[str]) -> RetentionRule:
    """Create or change a retention rule (coordinators). The audit event carries the old and new
    values: rules hold no personal data."""
    if not policies.may_edit_rules(actor):
        raise PermissionDenied
    creating = rule._state.adding
    before = (
        {} if creating else events.stored_values(RetentionRule.objects.get(pk=rule.pk), RULE_FIELDS)
    )
    rule.full_clean()
    rule.save()
    if creating:
        events.object_created(actor=actor, obj=rule)
    else:
        after = events.current_values(rule, RULE_FIELDS)
        changes = events.real_changes(before, after)
        if changes:
            events.object_changed(actor=actor, obj=rule, fields=changes, changes=changes)
    return rule


@transaction.atomic
def delete_rule(*, actor: Any, rule: RetentionRule) -> None:
    if not policies.may_edit_rules(actor):
        raise PermissionDenied
    events.object_changed(actor=actor, obj=rule, fields=["deleted"], action="update")
    rule.delete()


# --- Rectification (GDPR Art. 16) ---

# The facts the same adult is recognised by (intake.persons keys them).
IDENTITY_FIELDS = (
    "subject_name",
    "subject_national_id",
    "subject_birth_date",
    "subject_birth_year",
)

# The enquiry's facts about the adult (and the reporter's contact) that a rectification corrects.
RECTIFIABLE = (
    "subject_name",
    "subject_national_id",
    "subject_birth_date",
    "subject_birth_year",
    "subject_gender",
    "subject_address",
    "subject_phone",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
)


@transaction.atomic
def rectify(*, actor: Any, enquiry: Enquiry, field: str, value: Any, reason: str) -> Rectification:
    """Correct one fact of ``enquiry``: the field takes ``value`` (validated as the field is) and
    a ``Rectification`` records which field, when, by whom and why. Also on a closed enquiry.
    Raises ``PermissionDenied`` and ``ValidationError`` naming ``field``, ``value`` or ``reason``.
    """
    if not policies.may_rectify(actor, enquiry):
        raise PermissionDenied
    if field not in RECTIFIABLE:
        raise ValidationError({"field": _("This field cannot be rectified here.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the fact is corrected.")})
    if Anonymisation.objects.filter(enquiry=enquiry).exists():
        raise ValidationError({"field": _("This enquiry is already anonymised.")})
    model_field = Enquiry._meta.get_field(field)
    if value in (None, "") and model_field.null:
        cleaned = None  # "not known": a date or year that was wrong and is not known instead
    elif value in (None, "") or (isinstance(value, str) and not value.strip()):
        # A correction gives the right value; removing a fact is erasure, not rectification.
        raise ValidationError({"value": _("Give the corrected value.")})
    else:
        try:
            cleaned = model_field.clean(value, enquiry)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from None
    if field == "subject_national_id" and cleaned and not has_valid_check_digits(cleaned):
        raise ValidationError({"value": _("Not a valid national identity number.")})
    # Validated as every door validates an enquiry (intake.validation): a birth date in the
    # future, or one the national id contradicts, would decide whether a child is protected.
    facts = {f.name: getattr(enquiry, f.name) for f in Enquiry._meta.concrete_fields}
    try:
        validate_enquiry({**facts, field: cleaned})
    except ValidationError as error:
        messages = [m for ms in error.message_dict.values() for m in ms]
        raise ValidationError({"value": messages}) from None
    Enquiry.objects.filter(pk=enquiry.pk).update(**{field: cleaned, "version": F("version") + 1})
    if field in IDENTITY_FIELDS:
        # The keys that find the same adult follow the corrected identity (issue 17).
        enquiry.refresh_from_db()
        persons.identity_write(enquiry)
        Enquiry.objects.filter(pk=enquiry.pk).update(
            subject_national_id_key=enquiry.subject_national_id_key,
            subject_name_key=enquiry.subject_name_key,
            subject_born_year=enquiry.subject_born_year,
            repeat_within_year=enquiry.repeat_within_year,
        )
    rectification = Rectification.objects.create(
        enquiry=enquiry, field=field, reason=reason, at=timezone.now(), by=actor
    )
    events.enquiry_rectified(actor=actor, rectification=rectification)
    return rectification
