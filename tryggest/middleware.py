"""What the project does with every request before and after the apps see it.

- **The body's length** (``ChunkedBody``, a WSGI wrapper, and ``BodyLengthMiddleware``): Django
  reads ``Content-Length`` bytes of a body, so a chunked request (no ``Content-Length``) would
  reach every door as an empty body. Where the server has decoded the chunks (gunicorn sets
  ``wsgi.input_terminated``), the wrapper reads the body, up to the largest any door accepts,
  and gives it its length; where nobody can (Django's development server, a server that passes
  the chunks through), the middleware answers 411 Length Required. A ``Content-Length`` that is
  no length is a 400.
- **Norwegian bokmål unless the user chose otherwise** (``ChosenLanguageMiddleware``). Django's
  LocaleMiddleware follows the browser's Accept-Language, so a Norwegian case worker on an
  English-language browser would get English. TryggEst's default is bokmål; English is a choice
  the user makes with the language switch (Django's set_language view, which sets the language
  cookie).
- **A database that is down** answers 503 (``DatabaseUnavailableMiddleware``).
- **Query strings** are checked once for what no view may query or log: control characters
  and endless values (``CleanQueryParametersMiddleware``), and personal values, which never
  belong in a URL (``PersonalValuesNotInUrlsMiddleware``).
- **No answer is cached** unless it says so (``NoStoreMiddleware``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from kernel import national_id
from kernel.text import query_parameter_errors

logger = logging.getLogger(__name__)


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """The API's error shape under /api/, plain text elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def largest_body() -> int:
    """The largest body any door accepts (the API's limit, or Django's for forms), in bytes."""
    return max(settings.API_MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


class ChunkedBody:
    """WSGI wrapper: a chunked body that the server decoded is read and given its length.

    The server must say it ends the input itself (``wsgi.input_terminated``, which gunicorn sets):
    only then is reading to the end safe. At most ``largest_body() + 1`` bytes are read; a longer
    body keeps that length, so the door it goes to refuses it as too large (the API 413, a form
    Django's 400) without reading the rest.
    """

    def __init__(self, application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if (
            "HTTP_TRANSFER_ENCODING" in environ
            and not environ.get("CONTENT_LENGTH")
            and environ.get("wsgi.input_terminated")
        ):
            body = environ["wsgi.input"].read(largest_body() + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]  # decoded: the application sees a plain body
        return self.application(environ, start_response)


class BodyLengthMiddleware:
    """A body whose length is unknown is refused (411), never read as empty; a Content-Length
    that is no length is a 400. Installed before anything that reads a body (CSRF)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or ""
        if "HTTP_TRANSFER_ENCODING" in request.META:
            # Still encoded: this server does not decode chunked bodies for the application.
            return _error(
                request,
                _("Send the body with a Content-Length header; a chunked body is not accepted."),
                411,
            )
        if declared and not (declared.isascii() and declared.isdigit()):
            return _error(request, _("The Content-Length header is not a length in bytes."), 400)
        return self.get_response(request)


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
        response = _error(request, message, 503)
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


# What a person is looked up by. None of these is ever a query parameter of a page or endpoint;
# such look-ups are POSTed (API.md: "a person is never looked up by a URL").
PERSONAL_QUERY_PARAMETERS = frozenset(
    {"national_id", "birth_date", "birth_year", "name", "phone", "email", "address"}
)


class PersonalValuesNotInUrlsMiddleware:
    """A request that carries a personal value in its query string is refused (400) before any
    view reads it: a parameter named for one (``national_id``, ``name``, …), or any value holding
    a national id (a number typed into a search box by hand, say).

    A URL is written to the access log of every server and proxy on its way, to browser history
    and to Referer headers; README promises that personal data is never part of one (issue 14).
    Refusing here, for every page and endpoint, means no view can start taking one by accident,
    and the caller learns to POST. The answer, and Django's own log line (the path only), never
    repeat the value.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offending = sorted(
            {
                name
                for name, values in request.GET.lists()
                if name.lower() in PERSONAL_QUERY_PARAMETERS
                or any(national_id.found_in(value) for value in [name, *values])
            }
        )
        if not offending:
            return self.get_response(request)
        message = _(
            "Personal data is never taken from a URL (it would be written to logs on the way). "
            "Send it in the body of a POST request, or use the form."
        )
        if request.path.startswith("/api/"):
            # The API's one error shape (kernel.api), naming each refused parameter by name.
            return JsonResponse(
                {
                    "detail": _("The request is not valid."),
                    "errors": {name[:50]: [message] for name in offending},
                },
                status=400,
            )
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
