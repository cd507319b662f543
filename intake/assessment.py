"""The risk assessment's rules: answers checked against the instrument, the level computed, and no
silent downgrade. ``casework.services.enquiry_assess`` takes the step; this decides its content.

The level follows DOMAIN.md ("Level"): ``acute`` when the acute criteria hold or immediate danger is
reported, ``high`` when any danger-screening (DA-5) item is yes, ``moderate`` when any
vulnerability item is yes, else ``low``. The assessor may raise the level freely and may lower a
computed ``high`` or ``acute`` only with a written reason (the DASH/MARAC rule, also a database
CHECK constraint on ``RiskAssessment``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from intake.models import AssessmentInstrument, Enquiry, RiskAssessment
from kernel.text import check_text
from kernel.vocabulary import codes, risk_level_rank


@dataclass(frozen=True)
class Scored:
    """A checked set of answers and the level they give."""

    instrument: AssessmentInstrument
    answers: dict[str, bool]
    computed_level: str
    acute_criteria_met: bool
    level: str
    override_reason: str


def assessment_score(
    *, answers: Any, level_override: str | None, override_reason: str, immediate_danger: bool
) -> Scored:
    """Check ``answers`` (question code → true/false) against the current published instrument
    and compute the level. ValidationError naming every wrong answer, an unknown level, a reason
    too long, or a high/acute level lowered without a reason."""
    instrument = AssessmentInstrument.current()
    if instrument is None:
        raise ValidationError({"answers": [_("No risk instrument has been published.")]})
    item_codes = {item.code for item in instrument.items.all()}
    errors: dict[str, list[str]] = {}
    if not isinstance(answers, dict):
        errors["answers"] = [_("Give the answers as an object of question codes.")]
        answers = {}
    for code, answer in answers.items():
        if code not in item_codes:
            errors[f"answers.{code}"] = [_("Unknown question.")]
        elif not isinstance(answer, bool):
            errors[f"answers.{code}"] = [_("Answer true or false.")]
    if level_override is not None and level_override not in codes("risk_levels"):
        errors["level_override"] = [_("Unknown code: %(code)s.") % {"code": level_override}]
    check_text(errors, "override_reason", override_reason or "", limit=5_000)
    if errors:
        raise ValidationError(errors)

    computed, acute_met = instrument.compute(answers, immediate_danger=immediate_danger)
    level = level_override or computed
    override_reason = (override_reason or "").strip()
    if (
        computed in ("high", "acute")
        and risk_level_rank(level) < risk_level_rank(computed)
        and not override_reason
    ):
        raise ValidationError(
            {"override_reason": [_("Give a reason for lowering a high or acute level.")]}
        )
    return Scored(instrument, answers, computed, acute_met, level, override_reason)


def assessment_add(
    *, enquiry: Enquiry, scored: Scored, actor: Any, at: dt.datetime
) -> RiskAssessment:
    """Inside the caller's transaction (the enquiry locked): the enquiry's next assessment
    version. Earlier versions are never changed."""
    latest = enquiry.assessments.order_by("-version").values_list("version", flat=True).first()
    return RiskAssessment.objects.create(
        enquiry=enquiry,
        version=(latest or 0) + 1,
        instrument=scored.instrument,
        answers=scored.answers,
        acute_criteria_met=scored.acute_criteria_met,
        computed_level=scored.computed_level,
        level=scored.level,
        override_reason=scored.override_reason,
        assessed_by=actor,
        assessed_at=at,
    )


# --- What intake already knows (issue 16 item 8) ---

# The instrument's questions that intake has already asked: item code -> the enquiry's field.
# Items are data; a code the current instrument does not have is simply not pre-filled.
ANSWERED_AT_INTAKE = {
    "vulnerability_consent_capacity_doubted": "subject_consent_capacity_doubted",
    "vulnerability_children_in_household": "children_in_household",
}


def answers_known_at_intake(enquiry: Enquiry) -> dict[str, bool]:
    """The answers intake was given (item code -> True), for the risk form to start from:
    only what was reported as so (a "no" or "not known" at intake is no answer to a question)."""
    return {code: True for code, field in ANSWERED_AT_INTAKE.items() if getattr(enquiry, field)}


def latest_answers(enquiry: Enquiry) -> dict[str, bool]:
    """The answers of the enquiry's latest assessment ({} before the first)."""
    latest = enquiry.assessments.order_by("-version").first()
    return dict(latest.answers or {}) if latest is not None else {}
