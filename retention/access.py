"""The adult's right of access (GDPR Art. 15): everything held about one adult, found by national
id, as one structure that the printable page and the JSON file both show.

What is withheld or marked (README: Retention, "The adult's right of access"):
- the reporter's identity where the reporter asked for anonymity (reporter type ``anonymous``),
  and, pending a caseworker's review, where it may be protected because the reporter is a private
  person (forvaltningsloven § 19 first paragraph b; also in GDPR Art. 15(4)); only the reporter's
  type is shown then. The adult's own enquiries (reporter type ``self``) show it;
- every free-text value is marked ``review``: it may name third parties, whose names are to be
  considered before the copy is handed over (forvaltningsloven § 19, § 13).

Every code comes with its label in the active language beside it (``state`` and
``state_label``), so the printable page shows no raw code. Times are local (Europe/Oslo) aware
datetimes: the JSON file writes them as ISO 8601, the page as "30.11.2026 06:00".

Producing it is an audit event with the enquiries it covered, never the national id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from audit import selectors as trail
from audit.models import ACTION_CODES, Action
from casework.models import JournalEntry, Task
from intake.models import Enquiry
from kernel.vocabulary import codes, label
from retention import policies
from retention.models import LegalHold, Rectification
from routing.models import LegalDutyDecision, Referral, ServiceConsent

# Reporter types whose identity is shown: the adult themselves.
REPORTER_SHOWN = {"self"}
# Services and organisations: the organisation is shown, the person's name held for review.
REPORTER_SERVICES = {"municipal_service", "health_service", "police", "other_service"}


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    """A moment in local time (the JSON encoder writes it as ISO 8601)."""
    return timezone.localtime(value) if value else None


def _vocabulary(group: str, code: str) -> str:
    """The label of a vocabulary code in the active language, "" for none, the code itself for
    one no longer in the vocabulary (an old enquiry's data is still shown)."""
    if not code:
        return ""
    return str(label(group, code)) if code in codes(group) else code


def _field_label(name: str) -> str:
    """The enquiry field's name as a person reads it (rectifications), the name if unknown."""
    try:
        return str(Enquiry._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name


def _basis_label(basis: str) -> str:
    return {
        "anonymity_requested": _("the reporter asked for anonymity"),
        "review_fvl_19": _("to be reviewed, forvaltningsloven § 19"),
    }.get(basis, basis)


def _free(text: str) -> dict[str, Any] | None:
    """A free-text value, marked for review (it may name third parties)."""
    return {"text": text, "review": True} if text else None


def _reporter(enquiry: Enquiry) -> dict[str, Any]:
    kind = enquiry.reporter_type
    shown = {"type": kind, "type_label": _vocabulary("reporter_types", kind)}
    if kind in REPORTER_SHOWN:
        return {
            **shown,
            "withheld": False,
            "name": enquiry.reporter_name,
            "phone": enquiry.reporter_phone,
            "email": enquiry.reporter_email,
        }
    if kind == "anonymous":
        basis = "anonymity_requested"
        return {**shown, "withheld": True, "basis": basis, "basis_label": _basis_label(basis)}
    basis = "review_fvl_19"
    if kind in REPORTER_SERVICES:
        return {
            **shown,
            "withheld": True,
            "basis": basis,
            "basis_label": _basis_label(basis),
            "organisation": enquiry.reporter_organisation,
        }
    return {**shown, "withheld": True, "basis": basis, "basis_label": _basis_label(basis)}


def _enquiry(enquiry: Enquiry) -> dict[str, Any]:
    return {
        "reference": enquiry.reference,
        "team": enquiry.team.name,
        "channel": enquiry.channel,
        "channel_label": str(enquiry.get_channel_display()),
        "state": enquiry.state,
        "state_label": str(enquiry.get_state_display()),
        "received_at": _moment(enquiry.received_at),
        "closed_at": _moment(enquiry.closed_at),
        "adult": {
            "name": enquiry.subject_name,
            "national_id": enquiry.subject_national_id,
            "birth_date": enquiry.subject_birth_date,
            "birth_year": enquiry.subject_birth_year,
            "gender": enquiry.subject_gender,
            "address": enquiry.subject_address,
            "phone": enquiry.subject_phone,
            "knows_about_enquiry": enquiry.subject_knows_about_enquiry,
            "consents_to_forwarding": enquiry.subject_consents_to_forwarding,
        },
        "reporter": _reporter(enquiry),
        "concern": {
            "description": _free(enquiry.description),
            "risk_factors": enquiry.risk_factors,
            "violence_types": enquiry.violence_types,
            "perpetrator_relation": enquiry.perpetrator_relation,
            "location": enquiry.location,
            "immediate_danger": enquiry.immediate_danger,
            "children_in_household": enquiry.children_in_household,
        },
        "risk_level": enquiry.risk_level,
        "risk_level_label": _vocabulary("risk_levels", enquiry.risk_level),
        "outcome": enquiry.outcome,
        "outcome_label": _vocabulary("close_outcomes", enquiry.outcome),
        "measures": [
            {"code": code, "label": _vocabulary("measures", code)}
            for code in enquiry.measures or []
        ],
        "outcome_asked": enquiry.outcome_asked,
        "outcome_achieved": enquiry.outcome_achieved,
        "close_note": _free(enquiry.close_note),
        "history": [
            {
                "transition": change.transition,
                "transition_label": change.transition_label,
                "at": _moment(change.at),
                "by": change.actor.get_username(),
                "reason": _free(change.reason),
            }
            for change in enquiry.state_changes.select_related("actor")
        ],
        "assessments": [
            {
                "version": a.version,
                "assessed_at": _moment(a.assessed_at),
                "level": a.level,
                "level_label": str(a.get_level_display()),
                "computed_level": a.computed_level,
                "answers": a.answers,
                "override_reason": _free(a.override_reason),
            }
            for a in enquiry.assessments.order_by("version")
        ],
        "referrals": [
            {
                "service": r.service.name,
                "state": r.state,
                "state_label": str(r.get_state_display()),
                "legal_basis": r.legal_basis,
                "legal_basis_label": str(r.get_legal_basis_display()),
                "sent_at": _moment(r.sent_at),
                "acknowledged_at": _moment(r.acknowledged_at),
                "completed_at": _moment(r.completed_at),
                "note": _free(r.note),
                "decline_reason": _free(r.decline_reason),
                "completion_note": _free(r.completion_note),
            }
            for r in Referral.objects.filter(enquiry=enquiry)
            .select_related("service")
            .order_by("sent_at")
        ],
        "duty_decisions": [
            {
                "duty": d.duty,
                "duty_label": str(d.get_duty_display()),
                "decision": d.decision,
                "decision_label": str(d.get_decision_display()),
                "decided_at": _moment(d.decided_at),
                "notified_at": _moment(d.notified_at),
                "notified_whom": _free(d.notified_whom),
                "reason": _free(d.reason),
            }
            for d in LegalDutyDecision.objects.filter(enquiry=enquiry).order_by("decided_at")
        ],
        "messages": [
            {
                "direction": m.direction,
                "direction_label": str(m.get_direction_display()),
                "at": _moment(m.at),
                "text": _free(m.text),
            }
            for m in enquiry.reporter_messages.all()
        ],
        "rectifications": [
            {
                "field": r.field,
                "field_label": _field_label(r.field),
                "at": _moment(r.at),
                "by": r.by.get_username(),
                "reason": _free(r.reason),
            }
            for r in Rectification.objects.filter(enquiry=enquiry).select_related("by")
        ],
        "journal": [
            {
                "kind": j.kind,
                "kind_label": str(j.get_kind_display()),
                "occurred_at": _moment(j.occurred_at),
                "written_at": _moment(j.created_at),
                "author": j.author.get_username(),
                "corrects": bool(j.corrects_id),
                "text": _free(j.text),
            }
            for j in JournalEntry.objects.filter(enquiry=enquiry)
            .select_related("author")
            .order_by("occurred_at", "pk")
        ],
        "tasks": [
            {
                "title": _free(t.title),
                "due_at": _moment(t.due_at),
                "done": t.closed_at is not None,
                "done_at": _moment(t.closed_at),
            }
            for t in Task.objects.filter(enquiry=enquiry).order_by("due_at", "pk")
        ],
        "consents": [
            {
                "service": c.service.name,
                "given_at": _moment(c.given_at),
                "method": c.method,
                "method_label": str(c.get_method_display()),
                "withdrawn_at": _moment(c.withdrawn_at),
                "withdrawal_method": c.withdrawal_method,
                "withdrawal_method_label": str(c.get_withdrawal_method_display())
                if c.withdrawal_method
                else "",
            }
            for c in ServiceConsent.objects.filter(enquiry=enquiry)
            .select_related("service")
            .order_by("given_at", "pk")
        ],
        "legal_holds": [
            {"set_at": _moment(h.set_at), "lifted_at": _moment(h.lifted_at)}
            for h in LegalHold.objects.filter(enquiry=enquiry)
        ],
    }


def _access_report(enquiry_ids: list[Any], references: dict[str, str]) -> list[dict[str, Any]]:
    report = trail.access_report(enquiry_ids=enquiry_ids)
    return [
        {
            "at": _moment(event.at),
            "who": event.actor,
            "actor_type": event.actor_type,
            "action": event.action,
            "action_label": str(Action(event.action).label)
            if event.action in ACTION_CODES
            else event.action,
            "enquiry": references.get(str(event.enquiry_id), "") if event.enquiry_id else "",
        }
        for event in report.events
    ]


@transaction.atomic
def subject_access(*, actor: Any, national_id: str, format: str = "html") -> dict[str, Any]:
    """Everything the actor's team holds about the adult with ``national_id``: their enquiries
    with history, assessments, measures, referrals, consents to services, legal-duty decisions,
    messages, journal entries, tasks, rectifications and holds, and who read or changed them when (the access report). Raises ``PermissionDenied``
    for anyone but a coordinator. Recorded as an export (``format``: ``html`` or ``json``)."""
    if not policies.may_export(actor):
        raise PermissionDenied
    found = Enquiry.objects.filter(subject_national_id=national_id).select_related("team")
    if not actor.is_superuser:
        found = found.filter(team_id=actor.team_id)
    enquiries = list(found.order_by("received_at"))
    ids = [e.pk for e in enquiries]
    references = {str(e.pk): e.reference for e in enquiries}
    data = {
        "generated_at": _moment(timezone.now()),
        "generated_by": actor.get_username(),
        "enquiries": [_enquiry(e) for e in enquiries],
        "access_report": _access_report(ids, references),
    }
    events.personal_data_exported(actor=actor, enquiry_ids=ids, format=format)
    return data
