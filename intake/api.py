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
from kernel.text import header_text, text_errors

ACCESS_REASON = OpenApiParameter(
    "X-Access-Reason",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A coordinator opening another team's enquiry states why (logged as break_glass). "
    "Send the text as UTF-8 bytes (RFC 9110 allows any octets in a field value), at most "
    f"{selectors.BREAK_GLASS_REASON_MAX_LENGTH} characters; anything else is a 400 that says why.",
)


def access_reason(request: Request) -> str:
    """The ``X-Access-Reason`` header as written: UTF-8, no control characters, within the limit;
    a 400 naming the header otherwise (never cut, never guessed at)."""
    reason = header_text(request.headers.get("X-Access-Reason", ""))
    if reason is None:
        raise exceptions.ValidationError({"X-Access-Reason": [_("Send the reason as UTF-8 text.")]})
    reason = reason.strip()
    if found := text_errors(reason, limit=selectors.BREAK_GLASS_REASON_MAX_LENGTH):
        raise exceptions.ValidationError({"X-Access-Reason": found})
    return reason


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
