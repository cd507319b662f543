"""The API's plumbing, shared by every app's ``api.py``: one shape for every error, a JSON parser
that refuses what must never get further, strict input serializers, and the views' base class.

Every error body is ``{"detail": "...", "errors": {"dotted.path": ["..."]}}`` (``errors`` only for
400s that name fields). Service ValidationErrors are keyed by model field name; they are mapped to
the API's dotted paths here, so every door into the services speaks its own names.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kernel.api_parser import PayloadTooLarge
from kernel.errors import ConflictError, EnquiryClosed, TransitionRefused


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
    """413 from the declared length, before anything reads the body.

    The length is known here: ``tryggest.middleware`` gives a chunked body its length (gunicorn)
    or refuses it with 411, and refuses a Content-Length that is no number (400).
    """
    limit = settings.API_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge()


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
    if isinstance(exc, (TransitionRefused, EnquiryClosed)):
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


class ApiView(GenericAPIView):
    """Body size is checked before anything reads the body. No OPTIONS metadata (405): the
    schema at /api/v1/schema/ describes every operation."""

    metadata_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        check_body_size(request)
        super().initial(request, *args, **kwargs)


# --- Strict input ---


def _wrong_json_type(field: serializers.Field, value: Any) -> str | None:
    """Why ``value`` is not of the JSON type ``field`` takes, or None. DRF would convert 5 to "5"
    and "yes" to true; the contract wants them refused (400), not guessed at."""
    if value is None:
        return None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else _("Give true or false.")
    if isinstance(field, serializers.IntegerField):
        return (
            None
            if isinstance(value, int) and not isinstance(value, bool)
            else _("Give a whole number.")
        )
    if isinstance(field, serializers.CharField):
        return None if isinstance(value, str) else _("Give a text.")
    if isinstance(field, serializers.DictField) and isinstance(value, dict):
        return next(
            filter(None, (_wrong_json_type(field.child, item) for item in value.values())), None
        )
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return next(filter(None, (_wrong_json_type(field.child, item) for item in value)), None)
    return None


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, by name, and values of the wrong JSON type."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [name for name in data if name not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {str(name): [gettext_lazy("Unknown field.")] for name in unknown}
                )
            wrong = {
                name: [message]
                for name, value in data.items()
                if (message := _wrong_json_type(self.fields[name], value))
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)
