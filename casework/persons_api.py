"""The same adult in the API (API.md 1.1, Casework): an enquiry's related enquiries, links between
enquiries, and the search by person (always POSTed: a person is never looked up by a URL).
Thin views: the look-ups are ``intake.persons`` (scoped, logged), the writes ``casework.links``.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_auth import IsCaseworker, is_caseworker
from accounts.policies import is_staff_user
from casework import links
from casework.models import EnquiryLink, LinkKind
from intake import persons, selectors
from intake.api import ACCESS_REASON, staff_enquiry
from kernel.api import ApiView, StrictSerializer
from kernel.ids import uuid_or_none
from kernel.national_id import is_valid as national_id_is_valid

MATCHES = [persons.MATCH_NATIONAL_ID, persons.MATCH_NAME_AND_BIRTH]


class RelatedEnquiry(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    risk_level = serializers.CharField(read_only=True, allow_blank=True)
    received_at = serializers.DateTimeField(read_only=True)
    outcome = serializers.CharField(read_only=True, allow_blank=True)
    match = serializers.ChoiceField(choices=MATCHES, read_only=True)


class FoundEnquiry(RelatedEnquiry):
    team = serializers.CharField(source="team.slug", read_only=True)


class RelatedOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many of the caller's team's are listed.")
    results = RelatedEnquiry(many=True)
    other_teams = serializers.IntegerField(
        help_text="How many enquiries about the adult other teams have (a count only)."
    )


class EnquiryRelated(ApiView):
    """Other enquiries about the same adult, visible to the caller, and the other teams' count."""

    permission_classes = [IsCaseworker]
    pagination_class = None

    @extend_schema(
        operation_id="enquiries_related",
        parameters=[ACCESS_REASON],
        responses={200: RelatedOutput},
    )
    def get(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        found = persons.related_to(actor=request.user, enquiry=enquiry, where="api_related")
        return Response(
            RelatedOutput(
                {
                    "count": len(found.enquiries),
                    "results": found.enquiries,
                    "other_teams": found.other_teams,
                }
            ).data
        )


class PersonSearchInput(StrictSerializer):
    national_id = serializers.CharField(required=False, max_length=11, min_length=11)
    name = serializers.CharField(required=False, max_length=200)
    birth_date = serializers.DateField(required=False)
    birth_year = serializers.IntegerField(required=False, min_value=1850, max_value=2100)

    def validate_national_id(self, value: str) -> str:
        if not national_id_is_valid(value):
            raise serializers.ValidationError(
                _("Not a valid national identity number or D-number.")
            )
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("national_id"):
            if set(data) - {"national_id"}:
                raise serializers.ValidationError(
                    {
                        name: [_("Search by national identity number alone.")]
                        for name in sorted(set(data) - {"national_id"})
                    }
                )
            return data
        if not data.get("name"):
            raise serializers.ValidationError(
                {"name": [_("Give a national identity number, or a name with a birth date.")]}
            )
        if not data.get("birth_date") and not data.get("birth_year"):
            raise serializers.ValidationError(
                {"birth_date": [_("Give the birth date or the birth year with the name.")]}
            )
        if not persons.Identity(name=data["name"]).name_key:
            raise serializers.ValidationError({"name": [_("Give a name with letters.")]})
        return data


class FoundPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FoundEnquiry(many=True)


class MaySearchPersons(BasePermission):
    schema_callers = ("staff",)

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return is_caseworker(user) or (
            is_staff_user(user) and user.has_perm("audit.view_auditevent")
        )


class PersonPage(PageNumberPagination):
    page_size = 50


class PersonSearch(ApiView):
    """Enquiries about one adult that the caller may find: a team's own, or every team's for an
    auditor. Paged (``?page=N`` with the same body again); each page shown is an audit event."""

    permission_classes = [MaySearchPersons]
    pagination_class = PersonPage

    @extend_schema(
        operation_id="persons_search",
        request=PersonSearchInput,
        responses={200: FoundPage},
        tags=["persons"],
    )
    def post(self, request: Request) -> Response:
        body = PersonSearchInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        identity = persons.Identity(
            national_id=data.get("national_id", ""),
            name=data.get("name", ""),
            birth_date=data.get("birth_date"),
            birth_year=data.get("birth_year"),
        )
        found = persons.persons_search(actor=request.user, identity=identity).select_related("team")
        page = self.paginate_queryset(found)
        persons.log_person_search(actor=request.user, shown=page, page=self.paginator.page.number)
        return self.get_paginated_response(FoundEnquiry(page, many=True).data)


class LinkInput(StrictSerializer):
    other = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=LinkKind.choices)


class LinkOutput(serializers.ModelSerializer):
    enquiry = serializers.UUIDField(source="enquiry_id", read_only=True)
    other = serializers.UUIDField(source="other_id", read_only=True)
    kind = serializers.ChoiceField(choices=LinkKind.choices, read_only=True)

    class Meta:
        model = EnquiryLink
        fields = ["id", "enquiry", "other", "kind", "created_at", "removed_at"]


class EnquiryLinks(ApiView):
    """The enquiry's links (GET), or a new one (POST ``{"other": id, "kind": ...}``)."""

    permission_classes = [IsCaseworker]
    pagination_class = None

    @extend_schema(
        operation_id="enquiries_links_list",
        parameters=[ACCESS_REASON],
        responses={200: LinkOutput(many=True)},
    )
    def get(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        return Response(LinkOutput(links.active_links(enquiry), many=True).data)

    @extend_schema(
        operation_id="enquiries_links_create",
        request=LinkInput,
        responses={201: LinkOutput},
    )
    def post(self, request: Request, pk: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        body = LinkInput(data=request.data)
        body.is_valid(raise_exception=True)
        other = visible_enquiry(request, body.validated_data["other"], field="other")
        link = links.enquiry_link(
            enquiry=enquiry, other=other, kind=body.validated_data["kind"], actor=request.user
        )
        return Response(LinkOutput(link).data, status=status.HTTP_201_CREATED)


class EnquiryLinkUndo(ApiView):
    """Undo a link (the row stays, marked undone): 204."""

    permission_classes = [IsCaseworker]

    @extend_schema(
        operation_id="enquiries_links_destroy", responses={204: OpenApiResponse(description="")}
    )
    def delete(self, request: Request, pk: str, link_id: str) -> Response:
        enquiry = staff_enquiry(request, pk)
        link = (
            EnquiryLink.objects.filter(pk=int(link_id), removed_at__isnull=True).first()
            if re.fullmatch(r"[0-9]{1,11}", link_id)
            else None
        )
        if link is None or enquiry.pk not in (link.enquiry_id, link.other_id):
            raise exceptions.NotFound()
        links.enquiry_unlink(link=link, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def visible_enquiry(request: Request, pk: Any, *, field: str) -> Any:
    """Another enquiry the caller's team holds, by id; a 400 naming ``field`` otherwise (the same
    for one that does not exist and one of another team: nothing is revealed)."""
    other = selectors.enquiries_visible_to(request.user).filter(pk=uuid_or_none(pk)).first()
    if other is None:
        raise exceptions.ValidationError({field: [_("No enquiry of your team has this id.")]})
    return other
