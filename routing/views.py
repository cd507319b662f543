"""The public page a helping service reaches from its e-mailed referral link.

Semantics of the link (issue 5):

- The e-mail holds ``/henvisning/<token>/``; only the token's SHA-256 is stored.
- GET with an unused, unexpired token shows a page with one button and no case data: mail
  scanners that fetch links must not use it up.
- POST ``open`` uses the link up (one conditional UPDATE) and gives this browser session a grant
  for ``REFERRAL_GRANT_VALID_FOR`` (30 minutes). From then on the same URL shows the referral to
  that session only, and the service can acknowledge, decline (with a reason) or complete it.
- Any other browser, a used link without the grant, an expired link, an expired grant or an
  unknown token all get the same neutral 404 page.
- Opening, every view and every action are audit events with the service as actor.
"""

from __future__ import annotations

import datetime as dt

from django import forms, http
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from kernel.forms import add_errors
from routing import services
from routing.models import ReferralLink
from routing.services import ReferralLinkInvalid, ReferralTransitionRefused, ServiceActor

GRANTS_KEY = "referral_link_grants"


class ReferralAnswerForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("acknowledge", ""), ("decline", ""), ("complete", "")], widget=forms.HiddenInput
    )
    text = forms.CharField(
        label=gettext_lazy("Reason or report back"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5_000,
    )


def _neutral(request: http.HttpRequest) -> http.HttpResponse:
    # Unknown, used and expired links look the same: nothing to learn by trying tokens.
    response = TemplateResponse(request, "routing/referral_link_unavailable.html", {}, status=404)
    response["Referrer-Policy"] = "same-origin"
    return response


def _granted(request: http.HttpRequest, link: ReferralLink) -> bool:
    until = request.session.get(GRANTS_KEY, {}).get(str(link.pk))
    return bool(until) and dt.datetime.fromisoformat(until) > timezone.now()


def _grant(request: http.HttpRequest, link: ReferralLink) -> None:
    now = timezone.now()
    grants = {
        key: until
        for key, until in request.session.get(GRANTS_KEY, {}).items()
        if dt.datetime.fromisoformat(until) > now
    }
    grants[str(link.pk)] = (now + services.REFERRAL_GRANT_VALID_FOR).isoformat()
    request.session.cycle_key()
    request.session[GRANTS_KEY] = grants


@never_cache
def referral_link(request: http.HttpRequest, token: str) -> http.HttpResponse:
    try:
        link = services.referral_link_find(token)
    except ReferralLinkInvalid:
        return _neutral(request)
    granted = _granted(request, link)

    if not granted:
        if not services.referral_link_is_usable(link):
            return _neutral(request)
        if request.method == "POST" and request.POST.get("action") == "open":
            try:
                link = services.referral_link_open(token=token)
            except ReferralLinkInvalid:
                return _neutral(request)
            _grant(request, link)
            return redirect(request.path)
        response = TemplateResponse(request, "routing/referral_link_open.html", {})
        response["Referrer-Policy"] = "same-origin"
        return response

    referral = link.referral
    form = ReferralAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = ServiceActor(referral.service)
        action = form.cleaned_data["action"]
        text = form.cleaned_data.get("text", "")
        try:
            if action == "acknowledge":
                services.referral_acknowledge(referral=referral, actor=actor)
            elif action == "decline":
                services.referral_decline(referral=referral, actor=actor, reason=text)
            else:
                services.referral_complete(referral=referral, actor=actor, note=text)
        except ValidationError as exc:
            add_errors(form, exc, to="text")
        except (ReferralTransitionRefused, PermissionDenied):
            form.add_error(None, _("This step is not possible in the referral's current state."))
        else:
            return redirect(request.path)
    data = services.referral_view_for_service(referral=referral)
    context = {"referral": data, "form": form, "state": referral.state}
    response = TemplateResponse(request, "routing/referral_link.html", context)
    response["Referrer-Policy"] = "same-origin"
    return response
