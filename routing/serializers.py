"""Explicit serializers of the referrals and services-directory API (API.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kernel.api import StrictSerializer
from kernel.opening_hours import is_open
from kernel.vocabulary import codes
from routing.models import (
    LEGAL_BASES,
    Delivery,
    DutyDecision,
    ForWhom,
    HelpService,
    Referral,
    ReferralState,
)


class ReferralSubject(serializers.Serializer):
    """What the receiving service needs to act: who, how to reach them, what happened, how serious."""

    name = serializers.CharField(source="subject_name")
    phone = serializers.CharField(source="subject_phone")
    address = serializers.CharField(source="subject_address")


# Null once the referral is withdrawn (the service sees no personal data of a closed case). Written
# out as oneOf, not allOf + nullable: validators read OpenAPI 3.0's nullable beside allOf as not
# nullable, and the schema is the contract a machine reads.
_SUBJECT_SCHEMA = {
    "nullable": True,
    "description": "Null once the referral is withdrawn.",
    "oneOf": [
        {"enum": [None]},
        {
            "type": "object",
            "properties": {name: {"type": "string"} for name in ("name", "phone", "address")},
            "required": ["name", "phone", "address"],
        },
    ],
}


@extend_schema_field(_SUBJECT_SCHEMA)
class WithdrawableSubject(ReferralSubject):
    """The subject as the service sees it, or null once the referral is withdrawn."""


class ReferralOutput(serializers.ModelSerializer):
    enquiry_reference = serializers.CharField(source="enquiry.reference")
    service = serializers.CharField(source="service.slug")
    subject = WithdrawableSubject(source="enquiry", allow_null=True)
    violence_types = serializers.ListField(
        child=serializers.ChoiceField(choices=codes("violence_types")),
        source="enquiry.violence_types",
    )
    legal_basis = serializers.ChoiceField(choices=LEGAL_BASES)
    risk_level = serializers.SerializerMethodField()
    immediate_danger = serializers.BooleanField(source="enquiry.immediate_danger", allow_null=True)
    children_in_household = serializers.BooleanField(
        source="enquiry.children_in_household", allow_null=True
    )
    due_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "enquiry_reference",
            "service",
            "state",
            "legal_basis",
            "sent_at",
            "due_at",
            "note",
            "subject",
            "violence_types",
            "risk_level",
            "immediate_danger",
            "children_in_household",
            "acknowledged_at",
            "declined_at",
            "decline_reason",
            "completed_at",
            "completion_note",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=codes("risk_levels"), allow_null=True))
    def get_risk_level(self, obj: Referral) -> str | None:
        return obj.enquiry.risk_level or None

    def to_representation(self, instance: Referral) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.state == ReferralState.WITHDRAWN:
            # Withdrawn (the enquiry was closed): the service no longer needs to know who or what.
            data.update(
                subject=None,
                violence_types=[],
                risk_level=None,
                immediate_danger=None,
                children_in_household=None,
                note="",
            )
        return data


class DeclineInput(StrictSerializer):
    reason = serializers.CharField(max_length=5_000)


class CompleteInput(StrictSerializer):
    note = serializers.CharField(max_length=5_000, required=False, allow_blank=True)


class AcknowledgeInput(StrictSerializer):
    pass


class PhoneOutput(serializers.Serializer):
    label = serializers.CharField()
    number = serializers.CharField()


_TIME = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}
_PERIOD = {
    "type": "object",
    "properties": {"from": _TIME, "to": _TIME},
    "required": ["from", "to"],
}
_DATE = {"type": "string", "format": "date"}
HOURS_SCHEMA = {
    "description": 'Europe/Oslo: "24/7"; a week table (each weekday\'s periods, an empty list '
    'closed; public holidays "closed" or "as_sunday"; dated exceptions that replace the hours '
    "of the open days they cover, an empty list closing them); the older list of periods; or "
    "null when not known (kernel.opening_hours).",
    "nullable": True,
    "oneOf": [
        {"enum": [None]},
        {"type": "string", "enum": ["24/7"]},
        {
            "type": "object",
            "properties": {
                "week": {
                    "type": "object",
                    "properties": {
                        day: {"type": "array", "items": _PERIOD}
                        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                    },
                    "required": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                },
                "holidays": {"type": "string", "enum": ["closed", "as_sunday"]},
                "exceptions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "from": _DATE,
                            "to": _DATE,
                            "note": {"type": "string"},
                            "hours": {"type": "array", "items": _PERIOD},
                        },
                        "required": ["from", "to", "hours"],
                    },
                },
            },
            "required": ["week", "holidays", "exceptions"],
        },
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "days": {"type": "string", "enum": ["mon-fri", "mon-sun", "sat-sun"]},
                    "from": _TIME,
                    "to": _TIME,
                },
                "required": ["days", "from", "to"],
            },
        },
    ],
}


@extend_schema_field(HOURS_SCHEMA)
class HoursField(serializers.JSONField):
    """A service's opening hours as stored (kernel.opening_hours' format)."""


class HelpServiceOutput(serializers.ModelSerializer):
    open_now = serializers.SerializerMethodField()
    phones = PhoneOutput(many=True)
    hours = HoursField(allow_null=True)
    url = serializers.CharField()
    email = serializers.CharField()

    class Meta:
        model = HelpService
        fields = [
            "slug",
            "name",
            "category",
            "kind",
            "serves",
            "phones",
            "hours",
            "open_now",
            "url",
            "email",
            "referral_route",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_open_now(self, obj: HelpService) -> bool | None:
        at: Any = self.context.get("now")
        return is_open(obj.hours, at) if at is not None else None


class EnquiryReferralOutput(serializers.Serializer):
    id = serializers.UUIDField()
    service = serializers.CharField(source="service.slug")
    state = serializers.ChoiceField(choices=ReferralState.choices)
    legal_basis = serializers.ChoiceField(choices=LEGAL_BASES)
    sent_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    # Issue 16: who decided a basis for an adult who lacks capacity to consent; how the service
    # is told (a service without e-mail is to be phoned until the call is recorded) and whether
    # the e-mail failed.
    basis_decided_by = serializers.CharField(
        help_text="Empty unless the basis is a capacity basis."
    )
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    to_contact_by_phone = serializers.BooleanField(
        source="awaits_phone_call",
        help_text="True until a team member records telling the service by phone.",
    )
    phoned_at = serializers.DateTimeField(allow_null=True)
    email_failed_at = serializers.DateTimeField(allow_null=True)


class DutyDecisionInput(StrictSerializer):
    """API.md, Casework: ``POST /api/v1/enquiries/{id}/duty-decisions/``."""

    duty = serializers.ChoiceField(choices=codes("legal_duties"))
    decision = serializers.ChoiceField(choices=DutyDecision.values)
    notified = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Whom the team notified."
    )
    notified_at = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=5_000, required=False, allow_blank=True)


class DutyDecisionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    duty = serializers.ChoiceField(choices=codes("legal_duties"))
    decision = serializers.ChoiceField(choices=DutyDecision.values)
    notified = serializers.CharField(source="notified_whom")
    notified_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username")
    decided_at = serializers.DateTimeField()


class SuggestionOutput(serializers.Serializer):
    service = serializers.CharField()
    name = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    priority = serializers.IntegerField()
    legal_duty = serializers.ChoiceField(choices=codes("legal_duties"), allow_null=True)
    open_now = serializers.BooleanField(allow_null=True)
    opens_at = serializers.DateTimeField(allow_null=True)
    preselect = serializers.BooleanField(
        help_text="A matching rule says to tick the service when forwarding."
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        # "for" is a Python keyword, so it is added here (API.md names it so).
        fields["for"] = serializers.ChoiceField(choices=ForWhom.choices, source="for_whom")
        return fields


# Which answers a receiving service may give (a refused answer names those still open).
REFERRAL_ANSWERS = ["acknowledge", "decline", "complete"]


class ReferralTransitionRefusedOutput(serializers.Serializer):
    """409: the answer is not allowed from the referral's state now."""

    detail = serializers.CharField()
    state = serializers.ChoiceField(choices=ReferralState.choices)
    allowed_transitions = serializers.ListField(child=serializers.ChoiceField(REFERRAL_ANSWERS))


class EnquiryClosedOutput(serializers.Serializer):
    """409: the enquiry is closed (read-only until a coordinator reopens it)."""

    detail = serializers.CharField()
    state = serializers.ChoiceField(choices=codes("states"))
    allowed_transitions = serializers.ListField(
        child=serializers.ChoiceField(["assess", "forward", "close", "reopen"])
    )
