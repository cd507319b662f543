"""The OpenAPI schema's plumbing: what every operation may answer besides its own responses.

The schema at /api/v1/schema/ is the contract a machine reads: a client is generated from it
(openapi-python-client, in CI) and every response of the test suite is checked against it. So
the answers every operation can give (API.md, "Errors") are declared here, for every operation
at once, rather than by each view remembering to list them:

- 400, 401, 403, 404, 406 (an ``Accept`` it cannot answer), 429 and 503 on every operation
  (``{"detail": …, "errors": …}``); 413 and 415 on every operation that takes a body. A view
  declares what only it answers (409, 422).
- ``Retry-After`` on 429 and 503, ``WWW-Authenticate`` on 401.
- Who may call: a view whose permissions admit only staff (``schema_callers`` on the permission
  classes, see ``accounts.api_auth``) does not offer the service key.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from kernel.vocabulary import codes

ERROR = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Only for 400: each offending field by its dotted path, with messages.",
        ),
    },
)

# The vocabulary's coded values, one named enum each (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES).
VOCABULARY_ENUMS = SimpleNamespace(
    ChannelEnum=codes("channels"),
    ReporterTypeEnum=codes("reporter_types"),
    RiskFactorEnum=codes("risk_factors"),
    ViolenceTypeEnum=codes("violence_types"),
    PerpetratorRelationEnum=codes("perpetrator_relations"),
    LocationEnum=codes("locations"),
    CloseOutcomeEnum=codes("close_outcomes"),
    OutcomeAskedEnum=codes("outcome_asked"),
    OutcomeAchievedEnum=codes("outcome_achieved"),
    LegalDutyEnum=codes("legal_duties"),
    GenderEnum=codes("genders"),
)

ERRORS_OF_EVERY_OPERATION = (400, 401, 403, 404, 406, 429, 503)
ERRORS_OF_A_BODY = (
    411,
    413,
    415,
)  # 411: a body without Content-Length the server could not decode (tryggest.middleware)

RESPONSE_HEADERS = [
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        required=True,
        response=[429, 503],
        description="Seconds to wait before trying again.",
    ),
    OpenApiParameter(
        "WWW-Authenticate",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        response=[401],
        description="`Api-Key`: how to authenticate.",
    ),
]


class ApiSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the API's common answers and callers (module docstring)."""

    def get_description(self) -> str:
        # The view's and the method's own docstrings only: inherited ones (ApiView's notes on
        # its plumbing) would describe every operation alike.
        method = getattr(self.view, self.method.lower(), None)
        own = getattr(method, "__doc__", None) or self.view.__class__.__dict__.get("__doc__")
        return inspect.cleandoc(own) if own else ""

    def get_override_parameters(self) -> list[Any]:
        return [*super().get_override_parameters(), *RESPONSE_HEADERS]

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        codes = [*ERRORS_OF_EVERY_OPERATION]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ERRORS_OF_A_BODY
        for code in sorted(codes):
            if str(code) not in responses:
                # Errors are JSON whatever the operation's own answer is (CSV, say).
                responses[str(code)] = self._get_response_for_code(
                    ERROR, str(code), media_types=("application/json",)
                )
        return responses

    def get_auth(self) -> list[dict[str, list[Any]]]:
        requirements = super().get_auth()
        callers = set.intersection(
            *(
                set(getattr(permission, "schema_callers", ("service", "staff")))
                for permission in self.view.get_permissions()
            ),
            {"service", "staff"},
        )
        if "service" not in callers:
            requirements = [r for r in requirements if "ServiceKey" not in r]
        if "staff" not in callers:
            requirements = [r for r in requirements if "cookieAuth" not in r]
        return requirements
