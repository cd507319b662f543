"""The project's middleware: the chosen language, no personal values in URLs, and a clear 503
when the database is gone."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from kernel import national_id

logger = logging.getLogger(__name__)


class ChosenLanguageMiddleware:
    """Norwegian bokmål unless the user chose otherwise.

    Django's LocaleMiddleware follows the browser's Accept-Language, so a Norwegian case worker on
    an English-language browser would get English. TryggEst's default is bokmål; English is a
    choice the user makes with the language switch (Django's set_language view, which sets the
    language cookie).
    """

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
