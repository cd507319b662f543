"""GET /api/v1/stats/: the contract's statistics, JSON or CSV (?format=csv)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from kernel.api import ApiView
from kernel.calendar import oslo_today
from kernel.vocabulary import codes
from stats.rollup import REFERRAL_MEASURES
from stats.selectors import published_case_flow, write_csv
from stats.validators import validate_statistics_date


class MayViewStatistics(BasePermission):
    schema_callers = ("staff",)

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("intake.view_statistics"))


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        out = io.StringIO()
        write_csv(data, out)  # errors are never CSV (StatisticsView.handle_exception)
        return out.getvalue().encode()


class _RangeFields(serializers.Serializer):
    to = serializers.DateField(required=False, validators=[validate_statistics_date])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _validate_range(attrs)


# "from" is a Python keyword, so the field is added by name.
RangeSerializer = type(
    "RangeSerializer",
    (_RangeFields,),
    {"from": serializers.DateField(required=False, validators=[validate_statistics_date])},
)


def _validate_range(attrs: dict[str, Any]) -> dict[str, Any]:
    today = oslo_today()
    attrs.setdefault("from", dt.date(today.year, 1, 1))
    attrs.setdefault("to", today)
    if attrs["from"] > attrs["to"]:
        raise serializers.ValidationError({"from": [_("The start must not be after the end.")]})
    if (attrs["to"] - attrs["from"]).days > 366 * 20:
        raise serializers.ValidationError({"to": [_("At most 20 years at a time.")]})
    return attrs


COUNT = {"type": "integer", "nullable": True, "minimum": 0}


def _counts(keys: list[str] | None = None, description: str = "") -> serializers.DictField:
    """A breakdown: code -> count (null when suppressed). With ``keys`` (a vocabulary's codes),
    every one of them is listed, zeros included (API.md); without, the keys are data (months,
    teams). A new field each time: DRF binds a field instance to one name."""
    schema: dict[str, Any] = {"type": "object"}
    if keys is not None:
        schema.update(
            properties=dict.fromkeys(keys, COUNT), required=list(keys), additionalProperties=False
        )
    else:
        schema["additionalProperties"] = COUNT
    if description:
        schema["description"] = description
    return _dict_field(schema)(child=serializers.IntegerField(allow_null=True))


def _dict_field(schema: dict[str, Any]) -> type[serializers.DictField]:
    """A DictField class of its own, with ``schema`` as its schema (the decorator marks the class,
    so each breakdown needs its own)."""
    return extend_schema_field(schema)(type("Breakdown", (serializers.DictField,), {}))


# What each duration measures (stats.models.Step): a repetition never counts again.
TO_ASSESSMENT = _(
    "Hours from receipt to the first risk assessment, for the enquiries received in the range; "
    "assessing again, also after reopening, does not move it."
)
TO_FORWARD = _("Hours from the first risk assessment to the first forwarding.")
TO_ACKNOWLEDGEMENT = _("Hours from sending a referral to its acknowledgement.")


class StatisticsSerializer(serializers.Serializer):
    """The contract's statistics. A count of null is suppressed (see ``suppressed``): 1 to 4, or
    hidden to protect one that is (``hidden_to_protect``; ``stats.disclosure``)."""

    to = serializers.DateField()
    total_received = serializers.IntegerField(allow_null=True)
    by_state = _counts(codes("states"))
    by_month = _counts(description="Each calendar month of the range, YYYY-MM.")
    by_channel = _counts(codes("channels"))
    by_reporter_type = _counts(codes("reporter_types"))
    by_risk_level = _counts(codes("risk_levels"))
    by_violence_type = _counts(codes("violence_types"))
    by_risk_factor = _counts(codes("risk_factors"))
    by_relation = _counts(codes("perpetrator_relations"))
    by_location = _counts(codes("locations"))
    by_outcome = _counts(codes("close_outcomes"))
    by_outcome_asked = _counts(codes("outcome_asked"))
    by_outcome_achieved = _counts(codes("outcome_achieved"))
    by_measure = _counts(
        codes("measures"),
        description="Closed enquiries received in the range, once per measure taken.",
    )
    by_age_group = _counts(
        codes("age_groups"), description="The adult's age in the year the enquiry came in."
    )
    by_gender = _counts(codes("genders"))
    by_team = _counts(description="Each team's slug.")
    by_repeat = _counts(
        ["first", "repeat_within_12_months"],
        description="The enquiries received in the range that are the first about their adult, "
        "and those with another about the same adult (any team) in the 12 months before.",
    )
    referrals_by_service = _dict_field(
        {
            "type": "object",
            "description": "Each service in the directory, by slug.",
            "additionalProperties": {
                "type": "object",
                "properties": dict.fromkeys(REFERRAL_MEASURES, COUNT),
                "required": list(REFERRAL_MEASURES),
                "additionalProperties": False,
            },
        }
    )(child=serializers.DictField())
    median_hours_to_assessment = serializers.FloatField(allow_null=True, help_text=TO_ASSESSMENT)
    median_hours_to_forward = serializers.FloatField(allow_null=True, help_text=TO_FORWARD)
    median_hours_to_acknowledgement = serializers.FloatField(
        allow_null=True, help_text=TO_ACKNOWLEDGEMENT
    )
    p90_hours_to_assessment = serializers.FloatField(allow_null=True, help_text=TO_ASSESSMENT)
    p90_hours_to_forward = serializers.FloatField(allow_null=True, help_text=TO_FORWARD)
    p90_hours_to_acknowledgement = serializers.FloatField(
        allow_null=True, help_text=TO_ACKNOWLEDGEMENT
    )
    overdue = _counts(["assessment", "referral_acknowledgement"])
    suppressed = serializers.ListField(child=serializers.CharField())
    hidden_to_protect = serializers.ListField(
        child=serializers.CharField(),
        help_text="The paths in `suppressed` hidden not because they are 1 to 4 but so that one "
        "that is cannot be worked out from its breakdown's sum (complementary suppression): any "
        "number, zero included.",
    )


class FreshnessSerializer(serializers.Serializer):
    """How fresh the roll-up the figures come from is (issue 21: a read never refreshes it)."""

    as_of = serializers.DateTimeField(
        help_text="Every change committed before this moment is counted: the oldest change still "
        "waiting for the periodic refresh, or the time of the read when none waits."
    )
    pending_changes = serializers.IntegerField(
        min_value=0,
        help_text="How many enquiries have changes the figures do not count yet (0: up to date).",
    )


StatisticsSerializer._declared_fields["from"] = serializers.DateField()
StatisticsSerializer._declared_fields["freshness"] = FreshnessSerializer()


class StatisticsView(ApiView):
    permission_classes = [IsAuthenticated, MayViewStatistics]
    renderer_classes = [JSONRenderer, CSVRenderer]
    serializer_class = StatisticsSerializer
    pagination_class = None

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # An error is the API's one error shape, in JSON, also to ?format=csv: a CSV table with
        # an error in it would be read as statistics.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        operation_id="stats_retrieve",
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First day (inclusive), Europe/Oslo."
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description="Last day (inclusive), Europe/Oslo."
            ),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv"],
                description="`csv`: the same numbers as CSV (`text/csv`); JSON otherwise. "
                "Errors are always JSON.",
            ),
        ],
        responses={
            (200, "application/json"): StatisticsSerializer,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="With ?format=csv: the same numbers as CSV."
            ),
        },
        description=(
            "Case-flow statistics for managers; counts from 1 to 4 are null and listed in "
            "`suppressed`, and so are the counts hidden so that they cannot be worked out from "
            "their breakdown's sum (also in `hidden_to_protect`). `total_received` is exact."
        ),
    )
    def get(self, request: Request) -> Response:
        params = RangeSerializer(
            data={k: v for k, v in request.query_params.items() if k in ("from", "to")}
        )
        params.is_valid(raise_exception=True)
        export = getattr(request.accepted_renderer, "format", "") == "csv"
        data = published_case_flow(
            actor=request.user,
            date_from=params.validated_data["from"],
            date_to=params.validated_data["to"],
            export=export,
        )
        response = Response(data)
        if export:
            response["Content-Disposition"] = (
                f'attachment; filename="tryggest-{data["from"]}-{data["to"]}.csv"'
            )
        return response
