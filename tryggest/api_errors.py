"""One shape for every API error, and a JSON parser that refuses what must never get further.

Every error body is ``{"detail": "...", "errors": {"dotted.path": ["..."]}}`` (``errors`` only for
400s that name fields). Service ValidationErrors are keyed by model field name; they are mapped to
the API's dotted paths here, so every door into the services speaks its own names.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from intake.errors import ConflictError, TransitionRefused


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The body is larger than 64 KiB.")
    default_code = "payload_too_large"


class IdempotencyMismatch(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy(
        "This Idempotency-Key was used before with a different body. Use a new key."
    )
    default_code = "idempotency_key_reused"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The object was changed by someone else. Reload and try again.")
    default_code = "conflict"


def check_body_size(request: Any) -> None:
    """413 from the declared length, before anything reads the body."""
    limit = settings.API_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge()


class LimitedJSONParser(JSONParser):
    """JSON only (else 415 by DRF), at most 64 KiB (413), strict (no NaN), no deep nesting."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            text = raw.decode("utf-8")
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(_("The body is not valid JSON.")) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Model field name → the API's dotted path (intake.validation and the services use model names).
FIELD_PATHS = {
    **{
        f"reporter_{n}": f"reporter.{n}" for n in ("type", "name", "phone", "email", "organisation")
    },
    **{
        f"subject_{n}": f"subject.{n}"
        for n in (
            "name",
            "national_id",
            "birth_date",
            "birth_year",
            "gender",
            "address",
            "phone",
            "knows_about_enquiry",
            "consents_to_forwarding",
            "consent_capacity_doubted",
        )
    },
}


def dotted(path: str) -> str:
    head, _sep, rest = path.partition(".")
    mapped = FIELD_PATHS.get(head, head)
    return f"{mapped}.{rest}" if rest else mapped


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"subject.national_id": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key)
            if name in ("non_field_errors", "__all__"):
                name = ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for k, v in flatten(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix or "body", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                path = f"{prefix}.{index}" if prefix else str(index)
                for k, v in flatten(item, path).items():
                    out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix or "body", []).append(str(detail))
    return out


def validation_response(errors: dict[str, list[str]]) -> Response:
    return Response(
        {"detail": _("The request is not valid."), "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def django_validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {dotted(field): [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"body": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return validation_response(django_validation_errors(exc))
    if isinstance(exc, TransitionRefused):
        return Response(
            {"detail": str(exc), "state": exc.state, "allowed_transitions": list(exc.allowed)},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ConflictError):
        exc = Conflict(str(exc))
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _("The request is not valid."), "errors": flatten(exc.detail)}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
