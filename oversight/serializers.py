"""Input and output of the auditor API (API.md, Audit): the field names are fixed by the contract."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.models import Action, ActorType, AuditEvent
from kernel.api import StrictSerializer
from kernel.national_id import has_valid_check_digits


class AuditEventQuerySerializer(serializers.Serializer):
    enquiry = serializers.UUIDField(
        required=False, help_text=_("Events about this enquiry, and lists that showed it.")
    )
    actor = serializers.CharField(
        required=False, max_length=150, help_text=_("A username, or a service's name.")
    )
    action = serializers.ChoiceField(choices=Action.choices, required=False)


FILTER_VALUES = {
    "type": "object",
    "description": "The filters, search and page of a list or report, by name (never a search "
    "text or a personal value).",
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}],
    },
}


@extend_schema_field(FILTER_VALUES)
class FiltersField(serializers.JSONField):
    pass


class AuditEventSerializer(serializers.ModelSerializer):
    enquiry = serializers.UUIDField(source="enquiry_id", allow_null=True, read_only=True)
    actor_type = serializers.ChoiceField(choices=ActorType.choices, read_only=True)
    action = serializers.ChoiceField(choices=Action.choices, read_only=True)
    enquiry_ids = serializers.ListField(
        child=serializers.UUIDField(),
        read_only=True,
        help_text=_("The enquiries a list or report showed."),
    )
    filters = FiltersField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "at",
            "actor",
            "actor_type",
            "action",
            "object_type",
            "object_id",
            "enquiry",
            "reason",
            "ip",
            "request_id",
            "fields",
            "enquiry_ids",
            "filters",
        ]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Declared here: a class attribute named "fields" would hide the serializer's own.
        fields["fields"] = serializers.ListField(
            child=serializers.CharField(), read_only=True, help_text=_("Changed fields, by name.")
        )
        return fields


class AccessReportQuerySerializer(serializers.Serializer):
    """``GET ?enquiry=<id>``: one enquiry's report. A person's is POSTed (a national id is never
    taken from a URL: ``tryggest.middleware.PersonalValuesNotInUrlsMiddleware`` refuses it)."""

    enquiry = serializers.UUIDField(help_text=_("The enquiry the report is about."))


class AccessReportPersonInput(StrictSerializer):
    """``POST {"national_id": "..."}``: every enquiry about one person."""

    national_id = serializers.CharField(
        min_length=11,
        max_length=11,
        help_text=_("11 digits with valid check digits (fødselsnummer or D-number)."),
    )

    def validate_national_id(self, value: str) -> str:
        if not has_valid_check_digits(value):
            raise serializers.ValidationError(_("Not a valid national identity number."))
        return value


class AccessReportEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    actor_type = serializers.ChoiceField(choices=ActorType.choices)
    action = serializers.ChoiceField(choices=Action.choices)
    object_type = serializers.CharField()
    enquiry = serializers.UUIDField(source="enquiry_id", allow_null=True)
    reason = serializers.CharField()


class AccessorSerializer(serializers.Serializer):
    actor = serializers.CharField()
    actor_type = serializers.ChoiceField(choices=ActorType.choices)
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()
    count = serializers.IntegerField()
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=Action.choices),
        help_text=_("The actions taken, as in the events' action."),
    )


class AccessReportSerializer(serializers.Serializer):
    enquiries = serializers.ListField(child=serializers.UUIDField())
    generated_at = serializers.DateTimeField()
    accessed_by = AccessorSerializer(many=True)
    events = AccessReportEventSerializer(many=True)


class AccessReportPageSerializer(serializers.Serializer):
    """A person's access report: its events a page at a time (``count``, ``next``, ``previous``,
    ``results``, as every list of the API), with the enquiries covered and who had access on
    every page. Ask for the next page by POSTing the same body to ``next``."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AccessReportEventSerializer(many=True)
    enquiries = serializers.ListField(child=serializers.UUIDField())
    generated_at = serializers.DateTimeField()
    accessed_by = AccessorSerializer(many=True)
