"""Norwegian bokmål unless the user chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, so a Norwegian case worker on an
English-language browser would get English. TryggEst's default is bokmål; English is a choice the
user makes with the language switch (Django's set_language view, which sets the language cookie).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from kernel.text import query_parameter_errors

logger = logging.getLogger(__name__)


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class DatabaseUnavailableMiddleware:
    """A lost or refused database connection answers 503 with Retry-After, not a 500 or a hang.

    During a database restart or failover every request that needs the database fails; callers
    (the services' systems above all) must be told clearly that nothing was stored and when to
    try again. The request's transaction was rolled back with the connection, so a retry with the
    same Idempotency-Key is safe. Installed first, so it sees the views' exceptions last.
    """

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning(
            "Database unavailable for %s %s: %s", request.method, request.path, exception
        )
        message = _("The service is temporarily unavailable. Nothing was stored; please try again.")
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class CleanQueryParametersMiddleware:
    """Every query parameter of every page and endpoint (and the path) is checked here, once,
    before any view queries or logs it: a control character (a NUL byte: PostgreSQL refuses it
    in a text comparison and in the audit event's jsonb) or an endless value is a 400 naming the
    parameter. Views then only decide what a well-formed value means (unknown codes: 400 or
    ignored, as each documents). Installed after the language is chosen, so the answer is in it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        if found := query_parameter_errors("", request.path):
            errors["path"] = found
        for name, values in request.GET.lists():
            for value in values:
                if found := query_parameter_errors(name, value):
                    errors.setdefault(_printable(name), []).extend(found)
        if errors:
            return self._refused(request, errors)
        return self.get_response(request)

    @staticmethod
    def _refused(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
        detail = _("The request is not valid.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail, "errors": errors}, status=400)
        lines = [detail, *(f"{name}: {' '.join(messages)}" for name, messages in errors.items())]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


def _printable(name: str) -> str:
    # The parameter is named in the answer without the characters that made it unreadable.
    return "".join(ch for ch in name if ch.isprintable())[:100] or "?"


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer that does not say otherwise.

    Almost every answer of this service carries personal data (the admin, the API, the
    statistics, the residents' receipts), and a browser's or proxy's cache is no place for it. The
    few that may be cached say so themselves: the static files (WhiteNoise answers before this
    middleware, with a year for hashed names) and anything that sets its own Cache-Control.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
