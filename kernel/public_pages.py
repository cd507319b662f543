"""What every residents' page does around its view: its language, and headers that keep it private.

Used by the residents' form (``intake.views``) and the public site (``website.views``).

- The language comes from the address (``kernel.languages``): never from the staff's language
  cookie or the browser's Accept-Language.
- A Content-Security-Policy without scripts or inline styles and with nothing from another site;
  a Referrer-Policy that gives no other site the address; ``no-store``, because the answers hold
  receipt codes and personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import http
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from kernel.languages import language_from_path

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def public_page(view: Callable[..., http.HttpResponse]) -> Callable[..., http.HttpResponse]:
    """Decorate a residents' page: activate the address's language and add the privacy headers."""

    @wraps(view)
    def wrapped(request: http.HttpRequest, *args: Any, **kwargs: Any) -> http.HttpResponse:
        language = language_from_path(request.path_info)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)  # no-store: the answers hold codes and personal data
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        # Not "no-referrer": with it, browsers send "Origin: null" on this site's own form posts
        # and Django's CSRF check refuses them. "same-origin" gives nothing to any other site
        # (the help page's links to services, the quick exit).
        response["Referrer-Policy"] = "same-origin"
        response["X-Content-Type-Options"] = "nosniff"
        response["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response["Content-Language"] = language
        return response

    return wrapped
