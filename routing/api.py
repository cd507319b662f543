"""The referrals and services-directory API (API.md): thin views over selectors and services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_auth import IsCaseworker, is_caseworker, is_service
from intake.api import ACCESS_REASON, staff_enquiry
from kernel.api import ApiView
from routing import selectors, services
from routing.models import HelpService, Referral
from routing.serializers import (
    REFERRAL_ANSWERS,
    AcknowledgeInput,
    CompleteInput,
    DeclineInput,
    DutyDecisionInput,
    DutyDecisionOutput,
    EnquiryClosedOutput,
    HelpServiceOutput,
    ReferralOutput,
    ReferralTransitionRefusedOutput,
)


class IsServiceOrReferralStaff(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return is_service(user) or (is_caseworker(user) and user.has_perm("routing.view_referral"))


def _referral(request: Request, pk: str) -> Referral:
    try:
        return selectors.referral_for_actor(actor=request.user, pk=pk)
    except Referral.DoesNotExist:
        raise exceptions.NotFound() from None


class ReferralList(ApiView):
    permission_classes = [IsServiceOrReferralStaff]
    serializer_class = ReferralOutput

    @extend_schema(operation_id="referrals_list", responses={200: ReferralOutput(many=True)})
    def get(self, request: Request) -> Response:
        qs = selectors.referrals_visible_to(request.user).order_by("-sent_at", "pk")
        page = self.paginate_queryset(qs)
        selectors.log_referrals_listed(actor=request.user, referrals=page, filters={})
        return self.get_paginated_response(ReferralOutput(page, many=True).data)


class ReferralDetail(ApiView):
    permission_classes = [IsServiceOrReferralStaff]
    serializer_class = ReferralOutput

    @extend_schema(operation_id="referrals_retrieve", responses={200: ReferralOutput})
    def get(self, request: Request, pk: str) -> Response:
        return Response(ReferralOutput(_referral(request, pk)).data)


class _ReferralAnswer(ApiView):
    permission_classes = [IsServiceOrReferralStaff]
    serializer_class = ReferralOutput
    input_class: type = AcknowledgeInput
    answer = ""

    def post(self, request: Request, pk: str) -> Response:
        referral = _referral(request, pk)
        serializer = self.input_class(data=request.data if request.data is not None else {})
        serializer.is_valid(raise_exception=True)
        try:
            referral = self.call(referral, request.user, serializer.validated_data)
        except services.ReferralTransitionRefused as exc:
            allowed = [
                name
                for name in REFERRAL_ANSWERS
                if any(
                    t.name == name
                    for t in Referral(state=exc.state).get_available_state_transitions()
                )
            ]
            return Response(
                {
                    "detail": _("“%(transition)s” is not allowed when the referral is “%(state)s”.")
                    % {"transition": exc.transition, "state": exc.state},
                    "state": exc.state,
                    "allowed_transitions": allowed,
                },
                status=409,
            )
        referral = selectors.referrals_visible_to(request.user).get(pk=referral.pk)
        return Response(ReferralOutput(referral).data)

    def call(self, referral: Referral, actor: Any, data: dict[str, Any]) -> Referral:
        raise NotImplementedError


_ANSWER_RESPONSES = {200: ReferralOutput, 409: ReferralTransitionRefusedOutput}


class ReferralAcknowledge(_ReferralAnswer):
    input_class = AcknowledgeInput

    @extend_schema(
        operation_id="referrals_acknowledge", request=AcknowledgeInput, responses=_ANSWER_RESPONSES
    )
    def post(self, request: Request, pk: str) -> Response:
        return super().post(request, pk)

    def call(self, referral: Referral, actor: Any, data: dict[str, Any]) -> Referral:
        return services.referral_acknowledge(referral=referral, actor=actor)


class ReferralDecline(_ReferralAnswer):
    input_class = DeclineInput

    @extend_schema(
        operation_id="referrals_decline", request=DeclineInput, responses=_ANSWER_RESPONSES
    )
    def post(self, request: Request, pk: str) -> Response:
        return super().post(request, pk)

    def call(self, referral: Referral, actor: Any, data: dict[str, Any]) -> Referral:
        return services.referral_decline(referral=referral, actor=actor, reason=data["reason"])


class ReferralComplete(_ReferralAnswer):
    input_class = CompleteInput

    @extend_schema(
        operation_id="referrals_complete", request=CompleteInput, responses=_ANSWER_RESPONSES
    )
    def post(self, request: Request, pk: str) -> Response:
        return super().post(request, pk)

    def call(self, referral: Referral, actor: Any, data: dict[str, Any]) -> Referral:
        return services.referral_complete(referral=referral, actor=actor, note=data.get("note", ""))


class HelpServiceList(ApiView):
    """The helping-services directory: public facts about services, no personal data."""

    permission_classes = [IsAuthenticated]
    serializer_class = HelpServiceOutput

    @extend_schema(operation_id="services_list", responses={200: HelpServiceOutput(many=True)})
    def get(self, request: Request) -> Response:
        qs = HelpService.objects.filter(active=True).order_by("name", "pk")
        page = self.paginate_queryset(qs)
        data = HelpServiceOutput(page, many=True, context={"now": timezone.now()}).data
        return self.get_paginated_response(data)


# --- Legal-duty decisions (API.md, Casework; issue 16) ---


class EnquiryDutyDecisions(ApiView):
    """What the team decided on a legal duty for an enquiry: whom it notified and when, or why
    the duty does not apply. The latest decision per duty counts; every one is kept. With this a
    service-integrated team can forward on a duty and close without the admin."""

    permission_classes = [IsCaseworker]
    pagination_class = None

    @extend_schema(
        operation_id="enquiries_duty_decisions_list",
        parameters=[ACCESS_REASON],
        responses={200: DutyDecisionOutput(many=True)},
    )
    def get(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        decisions = enquiry.duty_decisions.select_related("decided_by")
        return Response(DutyDecisionOutput(decisions, many=True).data)

    @extend_schema(
        operation_id="enquiries_duty_decisions_create",
        request=DutyDecisionInput,
        parameters=[ACCESS_REASON],
        responses={201: DutyDecisionOutput, 409: EnquiryClosedOutput},
    )
    def post(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        serializer = DutyDecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            decision = services.duty_decision_record(
                enquiry=enquiry,
                actor=request.user,
                duty=data["duty"],
                decision=data["decision"],
                notified_whom=data.get("notified") or "",
                notified_at=data.get("notified_at"),
                reason=data.get("reason") or "",
            )
        except DjangoValidationError as exc:
            # The service names the model's field; the contract's body calls it "notified".
            raise DjangoValidationError(
                {
                    ("notified" if field == "notified_whom" else field): messages
                    for field, messages in exc.message_dict.items()
                }
            ) from exc
        return Response(DutyDecisionOutput(decision).data, status=201)
