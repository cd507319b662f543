"""Explicit serializers of the enquiries API's staff side (API.md, "Enquiries", "Transitions"):
what a team member sees of an enquiry, and the input of each step. Input serializers are strict."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from intake.models import Enquiry, State
from intake.serializers import AssessmentOutput, ReporterOutput, SubjectOutput, code_field
from kernel.api import StrictSerializer
from routing.models import LEGAL_BASES
from routing.serializers import EnquiryReferralOutput
from routing.services import ServiceBasis

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
    measures = serializers.ListField(child=code_field("measures"))
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
            "measures",
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


# --- Forward: one basis for all (version 1), or one per service (issue 16, API.md 1.1) ---

SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"


class ForwardServiceInput(StrictSerializer):
    """One service of a forward with its own legal basis; for a basis for an adult who lacks
    capacity to consent (vocabulary capacity_bases) also who decided it, and why."""

    service = serializers.SlugField(max_length=80)
    legal_basis = serializers.ChoiceField(choices=LEGAL_BASES)
    decided_by = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=5_000, required=False, allow_blank=True)


FORWARD_SERVICE_SCHEMA = {
    "oneOf": [
        {"type": "string", "maxLength": 80, "pattern": SLUG_PATTERN},
        {
            "type": "object",
            "properties": {
                "service": {"type": "string", "maxLength": 80, "pattern": SLUG_PATTERN},
                "legal_basis": {"type": "string", "enum": LEGAL_BASES},
                "decided_by": {"type": "string", "maxLength": 200},
                "reason": {"type": "string", "maxLength": 5_000},
            },
            "required": ["service", "legal_basis"],
            "additionalProperties": False,
        },
    ]
}


@extend_schema_field(FORWARD_SERVICE_SCHEMA)
class ForwardServiceField(serializers.Field):
    """A service's slug (version 1: the body's one ``legal_basis`` applies), or
    ``{"service", "legal_basis"}`` (issue 16: a basis per service)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            return serializers.SlugField(max_length=80).run_validation(data)
        if isinstance(data, dict):
            item = ForwardServiceInput(data=data)
            item.is_valid(raise_exception=True)
            return dict(item.validated_data)
        raise serializers.ValidationError(
            _('Give a service\'s slug, or {"service": "<slug>", "legal_basis": "<basis>"}.')
        )

    def to_representation(self, value: Any) -> Any:  # pragma: no cover - input only
        return value


class ForwardInput(StrictSerializer):
    services = serializers.ListField(child=ForwardServiceField(), min_length=1, max_length=20)
    note = serializers.CharField(max_length=5_000, required=False, allow_blank=True)
    legal_basis = serializers.ChoiceField(
        choices=LEGAL_BASES,
        required=False,
        help_text="One basis for every service (version 1): required when the services are "
        "slugs, left out when each service gives its own.",
    )
    decided_by = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Who decided a basis for an adult who lacks capacity to consent (version 1 form).",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        kinds = {isinstance(item, dict) for item in data["services"]}
        if len(kinds) > 1:
            raise serializers.ValidationError(
                {
                    "services": [
                        _("Give every service as a slug, or every one with its legal basis.")
                    ]
                }
            )
        if kinds == {False} and "legal_basis" not in data:
            raise serializers.ValidationError({"legal_basis": [_("This field is required.")]})
        if kinds == {True} and ("legal_basis" in data or "decided_by" in data):
            field = "legal_basis" if "legal_basis" in data else "decided_by"
            raise serializers.ValidationError(
                {field: [_("Give the legal basis with each service, not here.")]}
            )
        return data

    def bases(self) -> list[ServiceBasis] | None:
        """The per-service form's bases, or None for the version 1 form."""
        items = self.validated_data["services"]
        if not isinstance(items[0], dict):
            return None
        return [
            ServiceBasis(
                service=item["service"],
                legal_basis=item["legal_basis"],
                decided_by=item.get("decided_by", ""),
                reason=item.get("reason", ""),
            )
            for item in items
        ]


class CloseInput(StrictSerializer):
    outcome = code_field("close_outcomes")
    # Issue 16: what was done; required unless the outcome is duplicate or referred_elsewhere
    # (the service says so, naming "measures").
    measures = serializers.ListField(
        child=code_field("measures"),
        required=False,
        max_length=50,
        help_text="Measure codes (vocabulary measures); required unless the outcome is "
        "duplicate or referred_elsewhere.",
    )
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
