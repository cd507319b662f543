"""The auditor API (API.md, Audit): thin views over the audit trail's selectors.

Only the auditor role (``audit.view_auditevent``) may read the trail. Every read is itself an
audit event, written in the same transaction as the read, and every refusal is recorded.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.request import Request
from rest_framework.response import Response

from audit import events
from audit import selectors as trail
from kernel.api import ApiView
from oversight import selectors
from oversight.serializers import (
    AccessReportEventSerializer,
    AccessReportPageSerializer,
    AccessReportPersonInput,
    AccessReportQuerySerializer,
    AccessReportSerializer,
    AuditEventQuerySerializer,
    AuditEventSerializer,
)


class IsAuditor(permissions.BasePermission):
    schema_callers = ("staff",)

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and user.has_perm("audit.view_auditevent")
        )


class AuditorView(ApiView):
    permission_classes = [IsAuditor]

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> None:
        # A staff member's refusal is an event; an anonymous caller's 401 is only counted
        # (audit.refusals): they must not be able to grow the trail.
        if getattr(request.user, "is_authenticated", False):
            with transaction.atomic():
                events.access_denied(actor=request.user, object_type="auditevent")
        super().permission_denied(request, message=message, code=code)


class AuditEventList(AuditorView, generics.ListAPIView):
    """The trail in ``seq`` order, filtered by enquiry, actor and action."""

    serializer_class = AuditEventSerializer

    @extend_schema(
        parameters=[AuditEventQuerySerializer], tags=["audit"], operation_id="audit_events_list"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = AuditEventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        with transaction.atomic():
            page = self.paginate_queryset(trail.events_matching(**filters))
            data = self.get_serializer(page, many=True).data
            events.trail_viewed(
                actor=request.user,
                enquiry_id=filters.get("enquiry"),
                filters={
                    **{k: str(v) for k, v in filters.items()},
                    "page": self.paginator.page.number,
                },
            )
        return self.get_paginated_response(data)


class AccessReport(AuditorView):
    """Everyone who read or changed an enquiry (``GET ?enquiry=<id>``), or every enquiry about one
    person (``POST {"national_id": …}``, paginated), with times: what the adult may ask to see.

    The person's report is POSTed because a national id is never part of a URL (API.md, Audit);
    the number is not recorded anywhere, only the enquiries it covered."""

    @extend_schema(
        parameters=[AccessReportQuerySerializer],
        responses=AccessReportSerializer,
        tags=["audit"],
        operation_id="audit_access_report",
    )
    def get(self, request: Request) -> Response:
        query = AccessReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.access_report_for(
            actor=request.user, enquiry=query.validated_data["enquiry"]
        )
        return Response(AccessReportSerializer(report).data)

    @extend_schema(
        request=AccessReportPersonInput,
        responses=AccessReportPageSerializer,
        tags=["audit"],
        operation_id="audit_access_report_for_person",
    )
    def post(self, request: Request) -> Response:
        body = AccessReportPersonInput(data=request.data)
        body.is_valid(raise_exception=True)
        report = selectors.access_report_for(
            actor=request.user, national_id=body.validated_data["national_id"]
        )
        page = self.paginate_queryset(report.events)
        summary = AccessReportSerializer(report).data
        response = self.get_paginated_response(AccessReportEventSerializer(page, many=True).data)
        response.data.update(
            enquiries=summary["enquiries"],
            generated_at=summary["generated_at"],
            accessed_by=summary["accessed_by"],
        )
        return response
