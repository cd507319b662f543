"""Explicit serializers of an enquiry's facts (API.md, "Enquiries"): the input every door takes,
the receipt a service key sees, and the parts the staff's view is built from (``casework``).

Input serializers are strict: an unknown field anywhere is a 400 that names it, because in this
domain a silently dropped ``"immediate_danger": true`` can cost a life.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from intake.models import Enquiry, InstrumentGroup, RiskAssessment, State
from kernel.api import StrictSerializer
from kernel.vocabulary import STAFF_CHANNELS, codes


def code_field(group: str, **kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=codes(group), **kwargs)


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, allow_null=True, **kwargs
    )


class ReporterInput(StrictSerializer):
    type = code_field("reporter_types")
    name = _text(200)
    phone = _text(40)
    email = _text(254)
    organisation = _text(200)


class SubjectInput(StrictSerializer):
    name = _text(200)
    national_id = _text(
        11, help_text="11 digits with valid check digits (fødselsnummer or D-number)."
    )
    birth_date = serializers.DateField(required=False, allow_null=True)
    birth_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=1880, max_value=9999
    )
    gender = code_field("genders", required=False, allow_null=True, allow_blank=True)
    address = _text(300)
    phone = _text(40)
    knows_about_enquiry = serializers.BooleanField(required=False, allow_null=True)
    consents_to_forwarding = serializers.BooleanField(required=False, allow_null=True)
    consent_capacity_doubted = serializers.BooleanField(required=False, allow_null=True)


class EnquiryInput(StrictSerializer):
    channel = serializers.ChoiceField(
        choices=STAFF_CHANNELS,
        required=False,
        help_text="Staff only (required for staff); service keys submit on channel `api` and may not set it.",
    )
    reporter = ReporterInput()
    subject = SubjectInput(required=False)
    risk_factors = serializers.ListField(
        child=code_field("risk_factors"), required=False, max_length=50
    )
    violence_types = serializers.ListField(
        child=code_field("violence_types"), required=False, max_length=50
    )
    perpetrator_relation = code_field(
        "perpetrator_relations", required=False, allow_null=True, allow_blank=True
    )
    location = code_field("locations", required=False, allow_null=True, allow_blank=True)
    description = serializers.CharField(max_length=10_000, trim_whitespace=False)
    immediate_danger = serializers.BooleanField(required=False, default=False)
    children_in_household = serializers.BooleanField(required=False, default=False)

    def to_values(self) -> dict[str, Any]:
        """The validated input as the model's field names, for ``intake.services``."""
        data = self.validated_data
        values: dict[str, Any] = {}
        for prefix in ("reporter", "subject"):
            for name, value in (data.get(prefix) or {}).items():
                field = f"{prefix}_{name}"
                if value is None and field not in _NULLABLE:
                    value = ""
                values[field] = value
        for name in ("risk_factors", "violence_types"):
            values[name] = list(data.get(name) or [])
        for name in ("perpetrator_relation", "location"):
            values[name] = data.get(name) or ""
        for name in ("description", "immediate_danger", "children_in_household"):
            values[name] = data[name]
        return values


_NULLABLE = {
    "subject_birth_date",
    "subject_birth_year",
    "subject_knows_about_enquiry",
    "subject_consents_to_forwarding",
    "subject_consent_capacity_doubted",
}


class EnquiryReceipt(serializers.ModelSerializer):
    """What a service key sees of its submissions: the coarse status only."""

    class Meta:
        model = Enquiry
        fields = ["id", "reference", "state", "received_at", "updated_at"]
        read_only_fields = fields


class ReporterOutput(serializers.Serializer):
    type = code_field("reporter_types", source="reporter_type")
    name = serializers.CharField(source="reporter_name")
    phone = serializers.CharField(source="reporter_phone")
    email = serializers.CharField(source="reporter_email")
    organisation = serializers.CharField(source="reporter_organisation")


class SubjectOutput(serializers.Serializer):
    name = serializers.CharField(source="subject_name")
    national_id = serializers.CharField(source="subject_national_id")
    birth_date = serializers.DateField(source="subject_birth_date", allow_null=True)
    birth_year = serializers.IntegerField(source="subject_birth_year", allow_null=True)
    gender = code_field(
        "genders", source="subject_gender", allow_blank=True, help_text="A code, or empty."
    )
    address = serializers.CharField(source="subject_address")
    phone = serializers.CharField(source="subject_phone")
    knows_about_enquiry = serializers.BooleanField(
        source="subject_knows_about_enquiry", allow_null=True
    )
    consents_to_forwarding = serializers.BooleanField(
        source="subject_consents_to_forwarding", allow_null=True
    )
    consent_capacity_doubted = serializers.BooleanField(
        source="subject_consent_capacity_doubted", allow_null=True
    )


class AssessmentOutput(serializers.ModelSerializer):
    instrument_version = serializers.IntegerField(source="instrument.version")
    assessed_by = serializers.CharField(source="assessed_by.username")
    answers = serializers.DictField(
        child=serializers.BooleanField(), help_text="Each instrument item's code: yes or no."
    )
    state = serializers.ChoiceField(
        choices=State.choices, source="enquiry.state", help_text="The enquiry's state afterwards."
    )
    computed_level = serializers.ChoiceField(choices=codes("risk_levels"))
    level = serializers.ChoiceField(choices=codes("risk_levels"))

    class Meta:
        model = RiskAssessment
        fields = [
            "version",
            "instrument_version",
            "answers",
            "acute_criteria_met",
            "computed_level",
            "level",
            "override_reason",
            "assessed_by",
            "assessed_at",
            "state",
        ]
        read_only_fields = fields


class InstrumentItemOutput(serializers.Serializer):
    code = serializers.CharField()
    group = serializers.ChoiceField(choices=InstrumentGroup.choices)
    text_nb = serializers.CharField()
    text_en = serializers.CharField()


class InstrumentOutput(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    items = InstrumentItemOutput(many=True, source="items.all")
