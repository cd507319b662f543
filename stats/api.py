"""GET /api/v1/stats/: the contract's statistics, JSON or CSV (?format=csv)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.calendar import oslo_today
from stats.selectors import published_case_flow, write_csv
from stats.validators import validate_statistics_date


class MayViewStatistics(BasePermission):
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
        if isinstance(data, dict) and "total_received" in data:
            write_csv(data, out)
        else:  # an error body
            writer = csv.writer(out)
            writer.writerow(["detail"])
            writer.writerow([str(data)])
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


def _counts() -> serializers.DictField:
    """A breakdown: code -> count (null when suppressed). A new field each time: DRF binds a field
    instance to one name, so a shared one would leave all but the last out of the schema."""
    return serializers.DictField(child=serializers.IntegerField(allow_null=True))


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
    by_state = _counts()
    by_month = _counts()
    by_channel = _counts()
    by_reporter_type = _counts()
    by_risk_level = _counts()
    by_violence_type = _counts()
    by_risk_factor = _counts()
    by_relation = _counts()
    by_location = _counts()
    by_outcome = _counts()
    by_outcome_asked = _counts()
    by_outcome_achieved = _counts()
    by_team = _counts()
    referrals_by_service = serializers.DictField(child=_counts())
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
    overdue = _counts()
    suppressed = serializers.ListField(child=serializers.CharField())
    hidden_to_protect = serializers.ListField(
        child=serializers.CharField(),
        help_text="The paths in `suppressed` hidden not because they are 1 to 4 but so that one "
        "that is cannot be worked out from its breakdown's sum (complementary suppression): any "
        "number, zero included.",
    )


StatisticsSerializer._declared_fields["from"] = serializers.DateField()


class StatisticsView(APIView):
    permission_classes = [IsAuthenticated, MayViewStatistics]
    renderer_classes = [JSONRenderer, CSVRenderer]

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
                "format", OpenApiTypes.STR, enum=["json", "csv"], description="csv for CSV."
            ),
        ],
        responses={200: StatisticsSerializer},
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
