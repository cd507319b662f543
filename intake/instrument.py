"""Writes of the risk instrument (drafts, publishing); the default instrument's content."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from intake.models import AssessmentInstrument, InstrumentItem

REPEATED_CONCERNS = "vulnerability_repeated_concerns"

# The default instrument of DOMAIN.md, built from public sources (Bufdir's acute criteria, DA-5).
DEFAULT_ITEMS: list[tuple[str, str, str, str]] = [
    (
        "acute_recent_abuse_repetition",
        "acute",
        "Overgrep har skjedd nylig, og det er fare for gjentakelse straks",
        "Abuse happened recently and there is a risk of immediate repetition",
    ),
    (
        "acute_perpetrator_access",
        "acute",
        "Utøveren har fysisk eller elektronisk tilgang til den utsatte",
        "The perpetrator has physical or electronic access to the adult",
    ),
    (
        "acute_influence_statement",
        "acute",
        "Utøveren kan påvirke den utsattes forklaring",
        "The perpetrator may influence the adult's statement",
    ),
    (
        "acute_forced_marriage_fgm_travel",
        "acute",
        "Fare for tvangsekteskap eller kjønnslemlestelse, med nært forestående utenlandsreise",
        "Risk of forced marriage or FGM with imminent travel abroad",
    ),
    (
        "danger_escalation",
        "danger",
        "Volden har økt i hyppighet eller alvorlighet det siste året",
        "The violence has increased in frequency or severity in the last year",
    ),
    (
        "danger_weapon",
        "danger",
        "Utøveren har brukt eller truet med våpen",
        "The perpetrator has used or threatened with a weapon",
    ),
    (
        "danger_could_kill",
        "danger",
        "Den utsatte tror utøveren kan drepe henne eller ham",
        "The adult believes the perpetrator could kill them",
    ),
    (
        "danger_strangulation",
        "danger",
        "Kvelning eller kvelningsforsøk",
        "Strangulation or choking",
    ),
    (
        "danger_jealousy_control",
        "danger",
        "Konstant voldelig sjalusi eller kontroll",
        "Constant violent jealousy or control",
    ),
    (
        "vulnerability_depends_on_perpetrator",
        "vulnerability",
        "Den utsatte er avhengig av utøveren for omsorg",
        "The adult depends on the perpetrator for care",
    ),
    ("vulnerability_isolated", "vulnerability", "Den utsatte er isolert", "The adult is isolated"),
    (
        "vulnerability_consent_capacity_doubted",
        "vulnerability",
        "Det er tvil om den utsattes samtykkekompetanse",
        "The adult's consent capacity is in doubt",
    ),
    (
        "vulnerability_children_in_household",
        "vulnerability",
        "Barn bor i husstanden",
        "Children live in the household",
    ),
    (
        "vulnerability_perpetrator_substance_mental_health",
        "vulnerability",
        "Utøveren har rus- eller psykiske helseproblemer",
        "The perpetrator has substance or mental-health problems",
    ),
    (
        # Repeated concerns about one adult are the strongest signal a team has (issue 17): the
        # risk form shows how many enquiries about the adult came in during the last 12 months.
        REPEATED_CONCERNS,
        "vulnerability",
        "Det har kommet flere henvendelser om den utsatte de siste 12 månedene",
        "There have been repeated enquiries about the adult in the last 12 months",
    ),
]


def _require_coordinator(actor: Any) -> None:
    if not actor.has_perm("intake.change_assessmentinstrument"):
        raise PermissionDenied


@transaction.atomic
def instrument_publish(*, instrument: AssessmentInstrument, actor: Any) -> AssessmentInstrument:
    _require_coordinator(actor)
    if instrument.published_at is not None:
        raise ValidationError(_("This version is already published."))
    groups = set(instrument.items.values_list("group", flat=True))
    if not instrument.items.exists():
        raise ValidationError(_("A version without questions cannot be published."))
    if "acute" not in groups:
        raise ValidationError(_("The instrument needs at least one acute criterion."))
    instrument.published_at = timezone.now()
    instrument.save(update_fields=["published_at"])
    events.object_changed(actor=actor, obj=instrument, fields=["published_at"])
    return instrument


@transaction.atomic
def instrument_new_draft(*, source: AssessmentInstrument, actor: Any) -> AssessmentInstrument:
    if not actor.has_perm("intake.add_assessmentinstrument"):
        raise PermissionDenied
    version = (AssessmentInstrument.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    draft = AssessmentInstrument.objects.create(version=version, name=source.name)
    InstrumentItem.objects.bulk_create(
        InstrumentItem(
            instrument=draft,
            code=i.code,
            group=i.group,
            text_nb=i.text_nb,
            text_en=i.text_en,
            position=i.position,
        )
        for i in source.items.all()
    )
    events.object_created(actor=actor, obj=draft)
    return draft


# The questions' fields: no personal data, so their old and new values go in the audit trail.
ITEM_FIELDS = ["position", "code", "group", "text_nb", "text_en"]


def _require_draft(instrument: AssessmentInstrument) -> None:
    if (
        instrument.pk is not None
        and AssessmentInstrument.objects.filter(
            pk=instrument.pk, published_at__isnull=False
        ).exists()
    ):
        raise ValidationError(_("A published version never changes: make a new draft."))


@transaction.atomic
def instrument_save(
    *, instrument: AssessmentInstrument, actor: Any, fields: list[str] | None = None
) -> AssessmentInstrument:
    """Add a draft version or change a draft's name and version number (``fields`` names what
    changed; the audit event has their old and new values). PermissionDenied without the
    coordinator's permission; ValidationError for a published version, which never changes."""
    creating = instrument.pk is None
    if not actor.has_perm(
        "intake.add_assessmentinstrument" if creating else "intake.change_assessmentinstrument"
    ):
        raise PermissionDenied
    _require_draft(instrument)
    before = events.stored_values(instrument, fields or [])
    instrument.save()
    if creating:
        events.object_created(actor=actor, obj=instrument)
    else:
        changes = events.real_changes(before, events.current_values(instrument, fields or []))
        events.object_changed(actor=actor, obj=instrument, fields=list(changes), changes=changes)
    return instrument


@transaction.atomic
def instrument_items_save(
    *,
    instrument: AssessmentInstrument,
    actor: Any,
    saved: list[InstrumentItem],
    deleted: list[InstrumentItem],
) -> None:
    """Save a draft's questions (``saved``: new or changed) and delete ``deleted``; an audit
    event per question added, changed (old and new values) or removed. PermissionDenied without
    the coordinator's permissions; ValidationError for a published version or a question of
    another version."""
    if not (
        actor.has_perm("intake.change_instrumentitem")
        and actor.has_perm("intake.add_instrumentitem")
        and (not deleted or actor.has_perm("intake.delete_instrumentitem"))
    ):
        raise PermissionDenied
    _require_draft(instrument)
    for item in [*saved, *deleted]:
        if item.instrument_id != instrument.pk:
            raise ValidationError(_("The question belongs to another version."))
    for item in deleted:
        events.record(
            action="update",
            actor=actor,
            object_type="instrumentitem",
            object_id=item.code,
            fields=["deleted"],
        )
        item.delete()
    for item in saved:
        if item.pk is None:
            item.save()
            events.object_created(actor=actor, obj=item)
            continue
        before = events.stored_values(item, ITEM_FIELDS)
        item.save()
        changes = events.real_changes(before, events.current_values(item, ITEM_FIELDS))
        if changes:
            events.object_changed(actor=actor, obj=item, fields=list(changes), changes=changes)
