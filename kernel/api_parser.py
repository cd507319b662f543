"""The API's JSON parser, on its own because DRF's views import it while they are defined.

(``rest_framework.views.APIView`` reads ``DEFAULT_PARSER_CLASSES`` at class definition; a parser
in ``kernel.api`` beside a view base class would be imported half-made.)
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The body is larger than 64 KiB.")
    default_code = "payload_too_large"


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
