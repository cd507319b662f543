"""The residents' website around the form: the start page, the help page and the statements.

All public, all in every residents' language (``kernel.languages``), none with JavaScript, all
with the privacy headers of ``kernel.public_pages``. Nothing here reads or writes personal data.
"""

from __future__ import annotations

from django import http
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from accounts.start import start_url
from kernel.languages import resident_languages
from kernel.public_pages import public_page
from website import help_page


def _allow_get(request: http.HttpRequest) -> http.HttpResponse | None:
    if request.method not in ("GET", "HEAD"):
        return http.HttpResponseNotAllowed(["GET"])
    return None


@public_page
def start(request: http.HttpRequest) -> http.HttpResponse:
    """The residents' start page; a signed-in staff member is sent on to their own start page
    (``accounts.start``: the enquiries, the statistics or the audit trail, by role)."""
    refused = _allow_get(request)
    if refused:
        return refused
    staff_start = start_url(getattr(request, "user", None))
    if staff_start:
        return http.HttpResponseRedirect(staff_start)
    return render(request, "website/start.html")


@public_page
def help_services(request: http.HttpRequest) -> http.HttpResponse:
    """/hjelp/: emergency numbers, help by situation from the directory, the team and the form."""
    refused = _allow_get(request)
    if refused:
        return refused
    context = {
        "emergency_numbers": help_page.EMERGENCY_NUMBERS,
        "situations": help_page.situations(language=get_language(), now=timezone.now()),
    }
    return render(request, "website/help.html", context)


@public_page
def accessibility(request: http.HttpRequest) -> http.HttpResponse:
    """/tilgjengelighet/: the accessibility statement; its list of unchecked translations comes
    from locale/languages.yaml, so it stays true when a review is recorded."""
    context = {
        "unreviewed_languages": [
            language for language in resident_languages().values() if not language.applies
        ]
    }
    return _allow_get(request) or render(request, "website/accessibility.html", context)


@public_page
def privacy(request: http.HttpRequest) -> http.HttpResponse:
    """/personvern/: the privacy statement (GDPR Art. 13), true to what the code stores."""
    context = {"data_protection_officer": settings.TRYGGEST_DATA_PROTECTION_OFFICER.strip()}
    return _allow_get(request) or render(request, "website/privacy.html", context)
