"""The level rule of DOMAIN.md and the no-silent-downgrade rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casework import services as casework_services
from intake.models import AssessmentInstrument, Enquiry, RiskAssessment
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("answers", "immediate_danger", "level", "acute_met"),
    [
        ({}, False, "low", False),
        ({"vulnerability_isolated": True}, False, "moderate", False),
        ({"vulnerability_isolated": True, "danger_weapon": True}, False, "high", False),
        ({"danger_weapon": True, "acute_perpetrator_access": True}, False, "acute", True),
        ({"danger_weapon": False, "vulnerability_isolated": False}, False, "low", False),
        ({}, True, "acute", False),
    ],
)
def test_level_is_computed_from_the_answers(alice, answers, immediate_danger, level, acute_met):
    enquiry = make_enquiry(actor=alice, immediate_danger=immediate_danger)
    assessment = casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers=answers)
    assert (assessment.computed_level, assessment.level, assessment.acute_criteria_met) == (
        level,
        level,
        acute_met,
    )
    assert Enquiry.objects.get(pk=enquiry.pk).risk_level == level


def test_the_assessor_may_raise_the_level_freely(enquiry, alice):
    assessment = casework_services.enquiry_assess(
        enquiry=enquiry, actor=alice, answers={}, level_override="high"
    )
    assert (assessment.computed_level, assessment.level) == ("low", "high")


@pytest.mark.parametrize("answers", [{"danger_weapon": True}, {"acute_perpetrator_access": True}])
def test_lowering_high_or_acute_needs_a_reason(enquiry, alice, answers):
    with pytest.raises(ValidationError) as info:
        casework_services.enquiry_assess(
            enquiry=enquiry, actor=alice, answers=answers, level_override="moderate"
        )
    assert "override_reason" in info.value.message_dict
    assert not RiskAssessment.objects.filter(enquiry=enquiry).exists()
    assert Enquiry.objects.get(pk=enquiry.pk).state == "received"

    assessment = casework_services.enquiry_assess(
        enquiry=enquiry,
        actor=alice,
        answers=answers,
        level_override="moderate",
        override_reason="Utøver er varetektsfengslet.",
    )
    assert assessment.level == "moderate"
    assert assessment.is_downgrade


def test_lowering_moderate_needs_no_reason(enquiry, alice):
    assessment = casework_services.enquiry_assess(
        enquiry=enquiry, actor=alice, answers={"vulnerability_isolated": True}, level_override="low"
    )
    assert assessment.level == "low"


def test_the_database_refuses_a_silent_downgrade(enquiry, alice):
    instrument = AssessmentInstrument.current()
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskAssessment.objects.create(
            enquiry=enquiry,
            version=1,
            instrument=instrument,
            computed_level="acute",
            level="low",
            assessed_by=alice,
            assessed_at=enquiry.received_at,
        )


def test_reassessment_adds_a_version_against_the_current_instrument(assessed, alice):
    second = casework_services.enquiry_assess(
        enquiry=assessed, actor=alice, answers={"danger_weapon": True}
    )
    assert second.version == 2
    assert list(assessed.assessments.values_list("version", flat=True)) == [2, 1]
    assert second.instrument == AssessmentInstrument.current()
    assert Enquiry.objects.get(pk=assessed.pk).risk_level == "high"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"no_such_question": True}, "answers.no_such_question"),
        ({"danger_weapon": "yes"}, "answers.danger_weapon"),
    ],
)
def test_unknown_questions_and_non_boolean_answers_are_refused(enquiry, alice, answers, field):
    with pytest.raises(ValidationError) as info:
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers=answers)
    assert field in info.value.message_dict


def test_the_default_instrument_is_data_with_both_languages():
    instrument = AssessmentInstrument.current()
    groups = {item.group for item in instrument.items.all()}
    assert groups == {"acute", "danger", "vulnerability"}
    for item in instrument.items.all():
        assert item.text_nb and item.text_en and item.text_nb != item.text_en
