"""Explicit serializers of the enquiries API's staff side (API.md, "Enquiries", "Transitions"):
what a team member sees of an enquiry, and the input of each step. Input serializers are strict."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from intake.models import Enquiry, State
from intake.serializers import AssessmentOutput, ReporterOutput, SubjectOutput, code_field
from kernel.api import StrictSerializer
from routing.models import LEGAL_BASES
from routing.serializers import EnquiryReferralOutput

# The steps the enquiry API offers (available_transitions, a refused transition's alternatives).
ENQUIRY_STEPS = ["assess", "forward", "close", "reopen"]


class EnquiryDetail(serializers.ModelSerializer):
    """What a team member or coordinator sees."""

    channel = code_field("channels")
    reporter = ReporterOutput(source="*")
    subject = SubjectOutput(source="*")
    risk_factors = serializers.ListField(child=code_field("risk_factors"))
    violence_types = serializers.ListField(child=code_field("violence_types"))
    team = serializers.CharField(source="team.slug")
    assigned_to = serializers.SerializerMethodField()
    risk_level = serializers.SerializerMethodField()
    perpetrator_relation = code_field(
        "perpetrator_relations", allow_blank=True, help_text="A code, or empty."
    )
    location = code_field("locations", allow_blank=True, help_text="A code, or empty.")
    outcome = serializers.SerializerMethodField()
    outcome_asked = code_field(
        "outcome_asked", allow_blank=True, help_text="A code, or empty while open."
    )
    outcome_achieved = code_field(
        "outcome_achieved", allow_blank=True, help_text="A code, or empty."
    )
    assessments = AssessmentOutput(many=True)
    referrals = EnquiryReferralOutput(many=True)
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Enquiry
        fields = [
            "id",
            "reference",
            "state",
            "received_at",
            "updated_at",
            "channel",
            "reporter",
            "subject",
            "risk_factors",
            "violence_types",
            "perpetrator_relation",
            "location",
            "description",
            "immediate_danger",
            "children_in_household",
            "team",
            "assigned_to",
            "risk_level",
            "assessments",
            "referrals",
            "available_transitions",
            "outcome",
            "outcome_asked",
            "outcome_achieved",
            "close_note",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assigned_to(self, obj: Enquiry) -> str | None:
        return obj.assigned_to.username if obj.assigned_to_id else None

    @extend_schema_field(code_field("risk_levels", allow_null=True))
    def get_risk_level(self, obj: Enquiry) -> str | None:
        return obj.risk_level or None

    @extend_schema_field(code_field("close_outcomes", allow_null=True))
    def get_outcome(self, obj: Enquiry) -> str | None:
        return obj.outcome or None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(ENQUIRY_STEPS)))
    def get_available_transitions(self, obj: Enquiry) -> list[str]:
        user = self.context["request"].user
        return obj.transition_names_for(user)


class TransitionRefusedOutput(serializers.Serializer):
    """409: the step is not allowed from the enquiry's state now, or someone else changed the
    enquiry first. Either way: its state now, and the steps the caller may take from it."""

    detail = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    allowed_transitions = serializers.ListField(child=serializers.ChoiceField(ENQUIRY_STEPS))


class AssessmentInput(StrictSerializer):
    answers = serializers.DictField(child=serializers.BooleanField(), allow_empty=True)
    level_override = code_field("risk_levels", required=False, allow_null=True)
    override_reason = serializers.CharField(max_length=5_000, required=False, allow_blank=True)


class ForwardInput(StrictSerializer):
    services = serializers.ListField(
        child=serializers.SlugField(max_length=80), min_length=1, max_length=20
    )
    note = serializers.CharField(max_length=5_000, required=False, allow_blank=True)
    legal_basis = serializers.ChoiceField(choices=LEGAL_BASES)


class CloseInput(StrictSerializer):
    outcome = code_field("close_outcomes")
    note = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    outcome_asked = code_field("outcome_asked", required=False, allow_blank=True)
    outcome_achieved = code_field(
        "outcome_achieved", required=False, allow_null=True, allow_blank=True
    )
    # Issue 17: with the outcome ``duplicate``, the enquiry kept (of the caller's team).
    duplicate_of = serializers.UUIDField(required=False, allow_null=True)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("duplicate_of") and data.get("outcome") != "duplicate":
            raise serializers.ValidationError(
                {"duplicate_of": [_("Only with the outcome duplicate.")]}
            )
        return data


class ReopenInput(StrictSerializer):
    reason = serializers.CharField(max_length=5_000)
