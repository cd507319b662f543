"""The residents' pages: /meld/ (the form) and /meld/status/ (follow-up with a receipt code).

Written for a frightened neighbour on a phone: Norwegian first, plain words, no JavaScript, the
emergency numbers before anything else. Thin: forms parse, ``intake.public`` does the work.

- The receipt code is rendered once, in the answer to the POST that created it, never in a URL, a
  redirect, the session or a log; the page is ``no-store``.
- The status page takes the code by POST only, and answers a wrong and an unknown code alike.
- No IP address or user agent is stored; throttling counts live in memory (``intake.throttle``).
- Every page sends a Content-Security-Policy without inline scripts or styles and no third party,
  and a Referrer-Policy that gives no referrer to any other site.
"""

from __future__ import annotations

from typing import Any

from django import http
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import csrf

from intake import public, submissions, throttle
from intake.public_forms import (
    PublicEnquiryForm,
    ReceiptCodeForm,
    ReporterReplyForm,
    form_started_token,
)
from kernel.forms import add_errors
from kernel.public_pages import public_page

STATE_WORDS = {
    "received": (
        gettext_lazy("Received"),
        gettext_lazy("We have received your message. The team will read it and decide what to do."),
    ),
    "risk_assessed": (
        gettext_lazy("Being assessed"),
        gettext_lazy("The team is looking at the situation and at what help is needed."),
    ),
    "forwarded": (
        gettext_lazy("Help has been connected"),
        gettext_lazy("The team has brought in one or more services that can help."),
    ),
    "closed": (
        gettext_lazy("Closed"),
        gettext_lazy(
            "The team has finished its work on this enquiry. If you are still worried, "
            "write below or send the form again."
        ),
    ),
}


def _limit(name: str) -> throttle.Limit:
    # Read at request time, so that settings (and tests) can change the numbers.
    if name == "submit":
        return throttle.Limit("meld-submit", per_window=settings.TRYGGEST_FORM_SUBMISSIONS_PER_HOUR)
    return throttle.Limit("meld-code", per_window=settings.TRYGGEST_RECEIPT_GUESSES_PER_HOUR)


def _page(
    request: http.HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> http.HttpResponse:
    # The frame's data (team hours, language list, links) comes from the context processors
    # configured in settings.TEMPLATES.
    return render(request, template, context, status=status)


def _too_many(
    request: http.HttpRequest, template: str, context: dict[str, Any]
) -> http.HttpResponse:
    response = _page(request, template, {**context, "throttled": True}, status=429)
    response["Retry-After"] = str(throttle.WINDOW_SECONDS)
    return response


@public_page
def enquiry_form(request: http.HttpRequest) -> http.HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return http.HttpResponseNotAllowed(["GET", "POST"])
    if request.method != "POST":
        return _page(request, "intake/public/form.html", {"form": PublicEnquiryForm()})

    form = PublicEnquiryForm(request.POST)
    template = "intake/public/form.html"
    if throttle.exceeded(_limit("submit"), request):
        return _too_many(request, template, {"form": form})
    if form.is_honeypot_filled():
        # Nothing is stored. A person who somehow filled the hidden field can send again.
        form = PublicEnquiryForm(_with_fresh_start(request.POST, website=""))
        form.add_error(None, _("We could not send the form. Please check it and send it again."))
        return _page(request, template, {"form": form}, status=400)
    elapsed = form.seconds_since_start()
    if elapsed is None:
        form = PublicEnquiryForm(_with_fresh_start(request.POST))
        form.add_error(
            None, _("The form was open for a long time. Please check it and send it again.")
        )
        return _page(request, template, {"form": form}, status=400)
    # Mistakes first: a person who pressed Send at once on an empty form needs to hear about the
    # fields, not about speed.
    if form.is_valid() and elapsed < settings.TRYGGEST_FORM_MIN_SECONDS:
        # The same start time stays in the form, so sending again in a moment goes through.
        form.add_error(
            None, _("The form was sent very quickly. Please check it and send it again.")
        )
        return _page(request, template, {"form": form}, status=400)

    if form.is_valid():
        try:
            submitted = public.public_enquiry_submit(
                values=form.values(), form_token=form.form_token()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except submissions.AlreadyReceived:
            # The first send of this very form is still being stored: it will get its answer.
            return _page(request, "intake/public/receipt.html", {"already_received": True})
        else:
            if not submitted.repeated:
                throttle.hit(_limit("submit"), request)
            return _page(
                request,
                "intake/public/receipt.html",
                {
                    "code": submitted.code,
                    "reference": submitted.enquiry.reference,
                    "immediate_danger": submitted.enquiry.immediate_danger,
                    "already_received": submitted.repeated,
                },
            )
    return _page(request, template, {"form": form}, status=400)


def _with_fresh_start(data: Any, **overrides: str) -> Any:
    data = data.copy()
    data["started"] = form_started_token()
    for key, value in overrides.items():
        data[key] = value
    return data


@public_page
def status(request: http.HttpRequest) -> http.HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return http.HttpResponseNotAllowed(["GET", "POST"])
    template = "intake/public/status.html"
    if request.method != "POST":
        # The code is never taken from the URL: it would end up in histories and server logs.
        response = _page(request, template, {"code_form": ReceiptCodeForm()})
        response["X-Robots-Tag"] = "noindex"
        return response

    if throttle.exceeded(_limit("code"), request):
        return _too_many(request, template, {"code_form": ReceiptCodeForm()})

    if request.POST.get("action") == "reply":
        reply_form = ReporterReplyForm(request.POST)
        code = request.POST.get("code", "")
        sent = False
        if reply_form.is_valid():
            try:
                message = public.reporter_reply_add(
                    code=reply_form.cleaned_data["code"],
                    text=reply_form.cleaned_data["text"],
                    once=submissions.read_token(reply_form.cleaned_data.get("once") or ""),
                )
            except ValidationError as exc:
                add_errors(reply_form, exc, to="text")
            except submissions.AlreadyReceived:
                # The same reply again (a reload of this page): it was received, not added twice.
                sent = True
                reply_form = ReporterReplyForm(initial={"code": code})
            else:
                if message is None:
                    return _wrong_code(request, template, code)
                sent = True
                reply_form = ReporterReplyForm(initial={"code": code})
        return _status_page(request, template, code, reply_form=reply_form, sent=sent)

    code_form = ReceiptCodeForm(request.POST)
    if not code_form.is_valid():
        return _page(request, template, {"code_form": code_form}, status=400)
    return _status_page(request, template, code_form.cleaned_data["code"])


def _wrong_code(request: http.HttpRequest, template: str, code: str) -> http.HttpResponse:
    limit = _limit("code")
    if throttle.hit(limit, request) == limit.per_window:
        public.receipt_guessing_throttled()
    # What was typed comes back (this answer is not stored anywhere), so a typo can be fixed.
    code_form = ReceiptCodeForm({"code": code})
    code_form.is_valid()
    # The same words for a mistyped, an unknown and a malformed code.
    code_form.add_error(
        "code", _("We found no enquiry with this code. Check that you copied it correctly.")
    )
    return _page(request, template, {"code_form": code_form}, status=404)


def _status_page(
    request: http.HttpRequest,
    template: str,
    code: str,
    *,
    reply_form: ReporterReplyForm | None = None,
    sent: bool = False,
) -> http.HttpResponse:
    found = public.receipt_status(code=code)
    if found is None:
        return _wrong_code(request, template, code)
    title, explanation = STATE_WORDS[found.state]
    return _page(
        request,
        template,
        {
            "status": found,
            "state_title": title,
            "state_explanation": explanation,
            "reply_form": reply_form or ReporterReplyForm(initial={"code": code}),
            "sent": sent,
        },
        status=200 if reply_form is None or not reply_form.errors else 400,
    )


def csrf_failure(request: http.HttpRequest, reason: str = "") -> http.HttpResponse:
    """Django's CSRF failure page, except on the residents' pages (settings.CSRF_FAILURE_VIEW).

    There a resident whose browser lost the form's cookie gets the form back with everything they
    wrote and a plain explanation, instead of a technical page that throws their words away.
    """
    # By the page's name, not its address: the address differs per residents' language.
    try:
        page = resolve(request.path_info).view_name if request.method == "POST" else ""
    except Resolver404:
        page = ""
    if page == "intake:public_form":
        return _form_again_after_csrf_failure(request)
    if page == "intake:public_status":
        return _status_again_after_csrf_failure(request)
    return csrf.csrf_failure(request, reason=reason)


_COOKIE_PROBLEM = gettext_lazy(
    "Your browser did not send the form's security cookie, so nothing was sent yet. Check that "
    "cookies are allowed for this site, and send again."
)


@public_page
def _form_again_after_csrf_failure(request: http.HttpRequest) -> http.HttpResponse:
    form = PublicEnquiryForm(_with_fresh_start(request.POST, website=""))
    form.add_error(None, str(_COOKIE_PROBLEM))
    return _page(request, "intake/public/form.html", {"form": form}, status=403)


@public_page
def _status_again_after_csrf_failure(request: http.HttpRequest) -> http.HttpResponse:
    code_form = ReceiptCodeForm()
    return _page(
        request,
        "intake/public/status.html",
        {"code_form": code_form, "cookie_problem": _COOKIE_PROBLEM},
        status=403,
    )
