"""Intake's part of the API (API.md): the risk instrument, and reading an enquiry as staff.

``staff_enquiry`` is how every staff endpoint over one enquiry reads it (``casework.api``): scoped
to the caller's team, logged, and opened across teams only by a coordinator's stated reason
(``X-Access-Reason``, break the glass).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_auth import IsCaseworker
from intake import selectors
from intake.models import AssessmentInstrument, Enquiry
from intake.serializers import InstrumentOutput
from kernel.api import ApiView
from kernel.text import has_control_characters

ACCESS_REASON = OpenApiParameter(
    "X-Access-Reason",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A coordinator opening another team's enquiry states why (logged as break_glass).",
)


def access_reason(request: Request) -> str:
    reason = request.headers.get("X-Access-Reason", "")
    if has_control_characters(reason):
        raise exceptions.ValidationError(
            {"X-Access-Reason": [_("Contains characters that are not allowed.")]}
        )
    return reason.strip()


def staff_enquiry(request: Request, pk: Any) -> Enquiry:
    """The enquiry for a staff caller, logged; 404 when not visible (nor break-the-glass)."""
    try:
        return selectors.enquiry_for_actor(actor=request.user, pk=pk, reason=access_reason(request))
    except Enquiry.DoesNotExist:
        raise exceptions.NotFound() from None


class AssessmentInstrumentView(ApiView):
    permission_classes = [IsCaseworker]
    pagination_class = None

    @extend_schema(
        operation_id="assessment_instrument",
        responses={200: InstrumentOutput},
    )
    def get(self, request: Request) -> Response:
        instrument = AssessmentInstrument.current()
        if instrument is None:
            raise exceptions.NotFound(_("No risk instrument has been published."))
        return Response(InstrumentOutput(instrument).data)
