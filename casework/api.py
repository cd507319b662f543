"""The enquiries API (API.md, "Enquiries", "Transitions"): thin views that parse input, call one
service or selector, and shape output. Creating an enquiry is intake's service; every step after
it is casework's."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_auth import IsCaseworker, IsServiceOrCaseworker, is_service
from casework import links, notifications, persons_api, services
from casework.selectors import overdue_enquiry_q
from casework.serializers import (
    AssessmentInput,
    CloseInput,
    EnquiryDetail,
    ForwardInput,
    ReopenInput,
    TransitionRefusedOutput,
)
from intake import selectors
from intake import services as intake_services
from intake.api import ACCESS_REASON, staff_enquiry
from intake.models import Enquiry
from intake.serializers import AssessmentOutput, EnquiryInput, EnquiryReceipt
from kernel.api import ApiView, IdempotencyMismatch, validation_response
from kernel.api_schema import ERROR
from kernel.errors import ConflictError
from kernel.ids import uuid_or_none
from kernel.text import has_control_characters
from kernel.vocabulary import STAFF_CHANNELS, codes
from routing.selectors import suggestions_for
from routing.serializers import SuggestionOutput

# A service key sees EnquiryReceipt, staff EnquiryDetail (a superset), hence anyOf, not oneOf.
ENQUIRY_VIEW = {
    "anyOf": [
        {"$ref": "#/components/schemas/EnquiryDetail"},
        {"$ref": "#/components/schemas/EnquiryReceipt"},
    ]
}
ENQUIRY_PAGE = {
    "type": "object",
    "required": ["count", "results"],
    "properties": {
        "count": {"type": "integer"},
        "next": {"type": "string", "format": "uri", "nullable": True},
        "previous": {"type": "string", "format": "uri", "nullable": True},
        "results": {"type": "array", "items": ENQUIRY_VIEW},
    },
}
LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    required=True,
    response=[201],
    description="The new enquiry's address in the API.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    OpenApiParameter.HEADER,
    required=False,
    description="1–255 printable ASCII characters. A repeat with the same body returns the first "
    "response; with a different body, 422.",
)


def _detail_queryset(qs: Any) -> Any:
    return qs.select_related("team", "assigned_to").prefetch_related(
        "assessments__instrument",
        "assessments__assessed_by",
        "referrals__service",
    )


def _filters(request: Request) -> tuple[dict[str, Any], Any]:
    """Staff list filters → (the filters as given, for the audit event; a function on a queryset)."""
    params = request.query_params
    errors: dict[str, list[str]] = {}
    given: dict[str, str] = {}
    q: dict[str, Any] = {}
    overdue = False

    state = params.get("state")
    if state is not None:
        given["state"] = state
        if state not in codes("states"):
            errors["state"] = [_("Unknown code.")]
        q["state"] = state
    level = params.get("risk_level")
    if level is not None:
        given["risk_level"] = level
        if level not in codes("risk_levels"):
            errors["risk_level"] = [_("Unknown code.")]
        q["risk_level"] = level
    for name, lookup in (
        ("received_after", "received_at__gte"),
        ("received_before", "received_at__lt"),
    ):
        raw = params.get(name)
        if raw is None:
            continue
        given[name] = raw
        moment = _parse_moment(raw, end=(name == "received_before"))
        if moment is None:
            errors[name] = [_("Give a date (YYYY-MM-DD) or a time in ISO 8601.")]
        q[lookup] = moment
    assigned = params.get("assigned_to")
    if assigned is not None:
        given["assigned_to"] = assigned
        if assigned != "me":
            errors["assigned_to"] = [_("Only “me” is supported.")]
        q["assigned_to"] = request.user.pk
    raw_overdue = params.get("overdue")
    if raw_overdue is not None:
        given["overdue"] = raw_overdue
        if raw_overdue not in ("true", "false"):
            errors["overdue"] = [_("Give true or false.")]
        overdue = raw_overdue == "true"
    if errors:
        raise exceptions.ValidationError(errors)

    def apply(qs: Any) -> Any:
        qs = qs.filter(**q)
        if overdue:
            qs = qs.filter(overdue_enquiry_q(timezone.now())).distinct()
        return qs

    return given, apply


def _parse_moment(raw: str, *, end: bool) -> dt.datetime | None:
    """A date means its start in Europe/Oslo (received_before a date: before that day starts)."""
    if len(raw) > 40 or has_control_characters(raw):
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            if day is None:
                return None
            moment = dt.datetime.combine(day, dt.time.min)
    except (ValueError, OverflowError):
        return None
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # The database compares in UTC: a time that cannot be expressed there is no time, and
        # one with an offset PostgreSQL does not take (beyond ±15:59, found by the fuzzer: a 500)
        # is passed on as the same moment in UTC.
        moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return moment


class EnquiryListCreate(ApiView):
    permission_classes = [IsServiceOrCaseworker]
    serializer_class = EnquiryDetail

    @extend_schema(
        operation_id="enquiries_list",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="A page number (50 a page)."),
            OpenApiParameter("state", OpenApiTypes.STR, enum=codes("states")),
            OpenApiParameter("risk_level", OpenApiTypes.STR, enum=codes("risk_levels")),
            OpenApiParameter(
                "received_after", OpenApiTypes.DATETIME, description="Date or time, inclusive."
            ),
            OpenApiParameter(
                "received_before", OpenApiTypes.DATETIME, description="Date or time, exclusive."
            ),
            OpenApiParameter("assigned_to", OpenApiTypes.STR, enum=["me"]),
            OpenApiParameter(
                "overdue",
                OpenApiTypes.STR,
                enum=["true", "false"],
                description="Unassessed past its deadline (acute: 1 hour; others: 2 working days), "
                "or a referral still unacknowledged after its due time.",
            ),
        ],
        description="Service keys: their own submissions, coarse status only (EnquiryReceipt). "
        "Staff (team members, coordinators): their team's enquiries, in full. Filters apply to staff.",
        responses={200: OpenApiResponse(ENQUIRY_PAGE)},
    )
    def get(self, request: Request) -> Response:
        if is_service(request.user):
            qs = selectors.enquiries_submitted_by(request.user).order_by("-received_at", "pk")
            page = self.paginate_queryset(qs)
            selectors.log_enquiries_listed(actor=request.user, enquiries=page, filters={})
            return self.get_paginated_response(EnquiryReceipt(page, many=True).data)
        given, apply = _filters(request)
        qs = apply(_detail_queryset(selectors.enquiries_visible_to(request.user))).order_by(
            "-received_at", "pk"
        )
        page = self.paginate_queryset(qs)
        selectors.log_enquiries_listed(actor=request.user, enquiries=page, filters=given)
        data = EnquiryDetail(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="enquiries_create",
        request=EnquiryInput,
        parameters=[IDEMPOTENCY_KEY, LOCATION],
        responses={201: EnquiryReceipt, 422: ERROR},
    )
    def post(self, request: Request) -> Response:
        if not is_service(request.user) and not request.user.has_perm("intake.add_enquiry"):
            raise exceptions.PermissionDenied()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (1 <= len(key) <= 255 and key.isascii() and key.isprintable()):
            return validation_response(
                {"Idempotency-Key": [_("1 to 255 printable ASCII characters.")]}
            )
        body = request.data  # parses: 400 / 413 / 415 from here
        serializer = EnquiryInput(data=body)
        serializer.is_valid(raise_exception=True)
        if is_service(request.user):
            if "channel" in serializer.validated_data:
                return validation_response(
                    {"channel": [_("A service key always submits on channel “api”; leave it out.")]}
                )
            channel = "api"
        else:
            channel = serializer.validated_data.get("channel")
            if channel not in STAFF_CHANNELS:
                return validation_response({"channel": [_("This field is required.")]})
        caller = (
            f"service:{request.user.pk}" if is_service(request.user) else f"user:{request.user.pk}"
        )
        body_hash = hashlib.sha256(
            json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()
        ).hexdigest()
        try:
            enquiry, _created = intake_services.enquiry_submit(
                actor=request.user,
                values=serializer.to_values(),
                channel=channel,
                idempotency_key=key or "",
                idempotency_caller=caller,
                body_hash=body_hash,
            )
        except intake_services.IdempotencyKeyReused:
            raise IdempotencyMismatch() from None
        if _created:
            # The team hears about it at once (issue 16); the sweep would, a minute later.
            transaction.on_commit(lambda: notifications.announce_enquiry(enquiry.pk))
        location = request.build_absolute_uri(reverse("api:enquiry-detail", args=[enquiry.pk]))
        return Response(
            EnquiryReceipt(enquiry).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class EnquiryDetailView(ApiView):
    permission_classes = [IsServiceOrCaseworker]
    serializer_class = EnquiryDetail

    @extend_schema(
        operation_id="enquiries_retrieve",
        parameters=[ACCESS_REASON],
        description="Service keys get EnquiryReceipt (coarse status) for their own submissions.",
        responses={200: OpenApiResponse(ENQUIRY_VIEW)},
    )
    def get(self, request: Request, pk: str) -> Response:
        if is_service(request.user):
            try:
                enquiry = selectors.submission_for_service(organisation=request.user, pk=pk)
            except Enquiry.DoesNotExist:
                raise exceptions.NotFound() from None
            return Response(EnquiryReceipt(enquiry).data)
        enquiry = staff_enquiry(request, pk)
        enquiry = _detail_queryset(Enquiry.objects).get(pk=enquiry.pk)
        return Response(EnquiryDetail(enquiry, context={"request": request}).data)


class _Transition(ApiView):
    permission_classes = [IsCaseworker]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ConflictError):
            # Someone else changed the enquiry first. The contract's one 409 body (and the
            # schema's): what it is now, and which steps this caller may take from there.
            now = Enquiry.objects.filter(pk=uuid_or_none(self.kwargs.get("pk"))).first()
            if now is not None:
                return Response(
                    {
                        "detail": str(exc),
                        "state": now.state,
                        "allowed_transitions": now.transition_names_for(self.request.user),
                    },
                    status=status.HTTP_409_CONFLICT,
                )
        return super().handle_exception(exc)

    def detail(self, request: Request, enquiry: Enquiry) -> Response:
        enquiry = _detail_queryset(Enquiry.objects).get(pk=enquiry.pk)
        return Response(EnquiryDetail(enquiry, context={"request": request}).data)

    def parse(self, request: Request, serializer_class: type) -> Any:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


TRANSITION_ERRORS = {409: TransitionRefusedOutput}


class EnquiryAssess(_Transition):
    @extend_schema(
        operation_id="enquiries_assessment",
        request=AssessmentInput,
        parameters=[ACCESS_REASON],
        responses={201: AssessmentOutput, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        data = self.parse(request, AssessmentInput)
        assessment = services.enquiry_assess(
            enquiry=enquiry,
            actor=request.user,
            answers=dict(data["answers"]),
            level_override=data.get("level_override"),
            override_reason=data.get("override_reason", ""),
        )
        return Response(AssessmentOutput(assessment).data, status=status.HTTP_201_CREATED)


class EnquiryForward(_Transition):
    @extend_schema(
        operation_id="enquiries_forward",
        request=ForwardInput,
        parameters=[ACCESS_REASON],
        responses={200: EnquiryDetail, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        # Issue 16: one legal basis for all (version 1), or one per service.
        serializer = ForwardInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bases = serializer.bases()
        services.enquiry_forward(
            enquiry=enquiry,
            actor=request.user,
            service_slugs=data["services"] if bases is None else (),
            legal_basis=data.get("legal_basis", ""),
            basis_decided_by=data.get("decided_by", ""),
            bases=bases,
            note=data.get("note", ""),
        )
        return self.detail(request, enquiry)


class EnquiryClose(_Transition):
    @extend_schema(
        operation_id="enquiries_close",
        request=CloseInput,
        parameters=[ACCESS_REASON],
        responses={200: EnquiryDetail, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        data = self.parse(request, CloseInput)
        close = {
            "enquiry": enquiry,
            "actor": request.user,
            "outcome_asked": data.get("outcome_asked") or "",
            "outcome_achieved": data.get("outcome_achieved") or None,
            "note": data.get("note", ""),
        }
        if data.get("duplicate_of"):  # issue 17: closed as a duplicate of one the team keeps
            kept = persons_api.visible_enquiry(request, data["duplicate_of"], field="duplicate_of")
            links.enquiry_close_as_duplicate(kept=kept, **close)
        else:
            # Issue 16: the contract requires measures in the body (none given: none recorded).
            services.enquiry_close(
                outcome=data["outcome"], measures=data.get("measures", []), **close
            )
        return self.detail(request, enquiry)


class EnquiryReopen(_Transition):
    @extend_schema(
        operation_id="enquiries_reopen",
        request=ReopenInput,
        parameters=[ACCESS_REASON],
        responses={200: EnquiryDetail, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        data = self.parse(request, ReopenInput)
        services.enquiry_reopen(enquiry=enquiry, actor=request.user, reason=data["reason"])
        return self.detail(request, enquiry)


class EnquirySuggestions(ApiView):
    permission_classes = [IsCaseworker]
    pagination_class = None

    @extend_schema(
        operation_id="enquiries_suggestions",
        parameters=[ACCESS_REASON],
        responses={200: SuggestionOutput(many=True)},
    )
    def get(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        return Response(SuggestionOutput(suggestions_for(enquiry), many=True).data)
