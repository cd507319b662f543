"""The casework API of issue 16 (API.md, "Casework"): the journal and assignment. Thin views:
parse, call one service or selector, shape the answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_auth import IsCaseworker
from accounts.models import User
from casework import assignment, journal
from casework.api import TRANSITION_ERRORS, _Transition
from casework.models import JournalEntry, JournalKind
from casework.serializers import EnquiryDetail
from intake.api import ACCESS_REASON, staff_enquiry
from kernel.api import ApiView, StrictSerializer, validation_response


class JournalEntryOutput(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=JournalKind.choices)
    author = serializers.CharField(source="author.username")
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)

    class Meta:
        model = JournalEntry
        fields = ["id", "kind", "occurred_at", "text", "author", "created_at", "corrects"]
        read_only_fields = fields


class JournalEntryInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=JournalKind.choices)
    occurred_at = serializers.DateTimeField()
    text = serializers.CharField(max_length=journal.JOURNAL_TEXT_MAX_LENGTH)
    corrects = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2_147_483_647
    )


class AssignInput(StrictSerializer):
    assignee = serializers.CharField(
        allow_null=True, max_length=150, help_text="A username, or null for nobody."
    )


class EnquiryJournal(ApiView):
    """The enquiry's journal (kontaktlogg): entries are only ever added. A correction is a new
    entry with ``corrects`` set to the entry it corrects (of the same enquiry)."""

    permission_classes = [IsCaseworker]
    serializer_class = JournalEntryOutput

    @extend_schema(
        operation_id="enquiries_journal_list",
        parameters=[
            ACCESS_REASON,
            OpenApiParameter("page", OpenApiTypes.INT, description="A page number (50 a page)."),
        ],
        responses={200: JournalEntryOutput(many=True)},
    )
    def get(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        page = self.paginate_queryset(journal.journal_entries(enquiry))
        return self.get_paginated_response(JournalEntryOutput(page, many=True).data)

    @extend_schema(
        operation_id="enquiries_journal_create",
        request=JournalEntryInput,
        parameters=[ACCESS_REASON],
        responses={201: JournalEntryOutput, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        serializer = JournalEntryInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = journal.journal_add(
            enquiry=enquiry,
            actor=request.user,
            kind=data["kind"],
            occurred_at=data["occurred_at"],
            text=data["text"],
            corrects=data.get("corrects"),
        )
        return Response(JournalEntryOutput(entry).data, status=status.HTTP_201_CREATED)


class EnquiryAssign(_Transition):
    """Who works the enquiry. A team member takes it (``assignee``: their own username) or gives
    their own case back (null); a coordinator hands it to any active team member or coordinator
    of the enquiry's team, or to nobody. Anyone else as assignee: 400 naming ``assignee``."""

    @extend_schema(
        operation_id="enquiries_assign",
        request=AssignInput,
        parameters=[ACCESS_REASON],
        responses={200: EnquiryDetail, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        data = self.parse(request, AssignInput)
        username = data["assignee"]
        assignee: Any = None
        if username is not None:
            assignee = User.objects.filter(username__iexact=username).first()
            if assignee is None:
                return validation_response({"assignee": [self._refusal()]})
        try:
            assignment.enquiry_assign(enquiry=enquiry, actor=request.user, assignee=assignee)
        except ValidationError as exc:
            messages = exc.message_dict.get("assigned_to") if hasattr(exc, "error_dict") else None
            if messages:
                return validation_response({"assignee": messages})
            raise
        return self.detail(request, enquiry)

    @staticmethod
    def _refusal() -> str:
        # The same words for an unknown user and another team's: nothing is revealed.
        return str(assignment.NOT_ASSIGNABLE)
