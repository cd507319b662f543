"""The sign-in pages under /admin/login/ (accounts.signin says what each step means).

| URL | what |
|---|---|
| ``/admin/login/`` | username and password (the first step, always a form POST here) |
| ``/admin/login/verify/`` | the second factor: a TOTP code or a recovery code (``code``), or a security key |
| ``/admin/login/enrol/`` | first sign-in: set up an authenticator app (``code``) or a security key |
| ``/admin/login/recovery-codes/`` | new recovery codes, shown once |
| ``/admin/login/webauthn/…`` | django-otp-webauthn's JSON endpoints for security keys |
| ``/admin/security/`` | one's own second factors: add a key or an app, new recovery codes |
"""

from __future__ import annotations

import secrets
import time
from base64 import b32encode
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from accounts import oidc, services, signin
from accounts.forms import CodeForm, PasswordStepForm
from accounts.middleware import IDLE_SIGNED_OUT
from audit import events

ENROL_KEY = "tryggest_enrol_totp_key"
NEW_CODES = "tryggest_new_recovery_codes"


def _next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "site_header": _("TryggEst"),
        "site_title": _("TryggEst"),
        "next": _next(request),
        **extra,
    }


def _after_password(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    if services.has_primary_factor(request.user):
        return redirect(_with_next("signin-verify", next_url))
    return redirect(_with_next("signin-enrol", next_url))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def password_step(request: HttpRequest) -> HttpResponse:
    """Step 1. POST ``username``, ``password``, ``next`` (and the CSRF token)."""
    if signin.is_complete(request):
        return redirect(_next(request))
    if signin.is_pending(request) and not signin.pending_expired(request):
        return _after_password(request)
    form = PasswordStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = None
        if settings.TRYGGEST_PASSWORD_SIGNIN:
            user = authenticate(
                request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        if user is None or not user.is_staff:
            # django-axes turns this answer into the lockout page when the attempt was refused.
            if settings.TRYGGEST_PASSWORD_SIGNIN:
                form.add_error(
                    None, _("Wrong username or password. The password is case-sensitive.")
                )
            else:
                form.add_error(None, _("Sign in with %(p)s.") % {"p": settings.OIDC_PROVIDER_NAME})
        else:
            request.signin_method = "password"  # for the audit event (audit.signals)
            login(request, user)
            if not signin.second_factor_required(user):
                signin.mark_complete(request, "password")
                return redirect(_next(request))
            request.session[signin.PASSWORD_PASSED_AT] = time.time()
            return _after_password(request)
    if request.session.pop(IDLE_SIGNED_OUT, False):
        messages.info(request, _("You were signed out after a while without activity."))
    context = _context(
        request,
        _("Sign in"),
        form=form,
        password_signin=settings.TRYGGEST_PASSWORD_SIGNIN,
        sso=oidc.configured(),
        sso_name=settings.OIDC_PROVIDER_NAME,
        sso_refused=request.GET.get("sso") == "refused",
    )
    return TemplateResponse(request, "accounts/signin/password.html", context)


def _pending_or_redirect(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect(_with_next("admin:login", _next(request)))
    if signin.is_complete(request):
        return redirect(_next(request))
    if signin.pending_expired(request):
        logout(request)
        messages.error(request, _("That took too long. Sign in again."))
        return redirect(_with_next("admin:login", _next(request)))
    return None


def _complete(request: HttpRequest, device: Any, method: str) -> None:
    otp_login(request, device)
    signin.mark_complete(request)
    with transaction.atomic():
        events.logged_in(actor=request.user, method=method)


@csrf_protect
@never_cache
def verify_step(request: HttpRequest) -> HttpResponse:
    """Step 2. POST ``code`` (6 digits from the app, or a recovery code), or use a security key
    (the page's button; django-otp-webauthn's endpoints)."""
    early = _pending_or_redirect(request)
    if early is not None:
        return early
    user = request.user
    if not services.has_primary_factor(user):
        return redirect(_with_next("signin-enrol", _next(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        device = _matching_device(user, code)
        if device is None:
            with transaction.atomic():
                events.second_factor_failed(actor=user, method="code")
            form.add_error("code", _("The code is wrong or has been used. Try the next code."))
        else:
            recovery = isinstance(device, StaticDevice)
            _complete(request, device, "recovery_code" if recovery else "totp")
            if recovery:
                left = device.token_set.count()
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code. %(left)d are left; each works once. "
                        "Make new ones under Sign-in and security."
                    )
                    % {"left": left},
                )
            return redirect(_next(request))
    context = _context(
        request,
        _("Second step"),
        form=form,
        has_totp=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        has_security_key=WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
    )
    return TemplateResponse(request, "accounts/signin/verify.html", context)


def _matching_device(user: Any, code: str) -> Any:
    # Each device throttles its own failures (django-otp): a guesser slows down quickly.
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if code.isdigit() and device.verify_token(code):
            return device
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def _qr_svg(uri: str) -> str:
    # Inline SVG: no image service, nothing inline for the CSP to refuse (an <svg> is markup).
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#1f1f1f", light="#ffffff")


@csrf_protect
@never_cache
def enrol_step(request: HttpRequest) -> HttpResponse:
    """First sign-in (or a new app from /admin/security/): scan the code into an authenticator
    app and POST the first ``code`` it shows; or register a security key with the button."""
    if not request.user.is_authenticated:
        return redirect(_with_next("admin:login", _next(request)))
    pending = signin.is_pending(request)
    if pending:
        if signin.pending_expired(request):
            early = _pending_or_redirect(request)
            assert early is not None
            return early
        if services.has_primary_factor(request.user):
            # A new factor only after the existing one was given.
            return redirect(_with_next("signin-verify", _next(request)))
    user = request.user
    key = request.session.get(ENROL_KEY)
    if not key:
        key = secrets.token_hex(20)
        request.session[ENROL_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        totp = TOTP(bytes.fromhex(key), step=30, digits=6)
        code = form.cleaned_data["code"]
        if code.isdigit() and totp.verify(int(code), tolerance=1):
            device = services.totp_enrol(
                user=user, key=key, actor=user, name=_("Authenticator app")
            )
            device.last_t = totp.t()  # this code is used; the next sign-in needs the next one
            device.save(update_fields=["last_t"])
            request.session.pop(ENROL_KEY, None)
            if pending:
                _complete(request, device, "totp")
            return _show_new_codes(request, first=pending)
        form.add_error("code", _("The code does not match. Check the app's clock and try again."))
    secret = b32encode(bytes.fromhex(key)).decode().rstrip("=")
    label = quote(f"{settings.OTP_TOTP_ISSUER}:{user.get_username()}")
    uri = (
        f"otpauth://totp/{label}?secret={secret}&issuer={quote(settings.OTP_TOTP_ISSUER)}"
        "&algorithm=SHA1&digits=6&period=30"
    )
    context = _context(
        request,
        _("Set up the second step"),
        form=form,
        pending=pending,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr=mark_safe(_qr_svg(uri)),  # noqa: S308 - segno's own SVG of our own URI
        after_key=_with_next("signin-recovery-codes", _next(request)),
    )
    return TemplateResponse(request, "accounts/signin/enrol.html", context)


def _show_new_codes(request: HttpRequest, *, first: bool) -> HttpResponse:
    user = request.user
    has_codes = StaticDevice.objects.filter(user=user, token_set__isnull=False).exists()
    if first or not has_codes:
        request.session[NEW_CODES] = services.recovery_codes_create(user=user, actor=user)
    return redirect(_with_next("signin-recovery-codes", _next(request)))


@csrf_protect
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown once (GET); POST makes ten new ones."""
    if not signin.is_complete(request):
        return redirect(_with_next("admin:login", _next(request)))
    if request.method == "POST":
        request.session[NEW_CODES] = services.recovery_codes_create(
            user=request.user, actor=request.user
        )
        return redirect(_with_next("signin-recovery-codes", _next(request)))
    codes = request.session.pop(NEW_CODES, None)
    if (
        codes is None
        and WebAuthnCredential.objects.filter(user=request.user).exists()
        and not StaticDevice.objects.filter(user=request.user, token_set__isnull=False).exists()
    ):
        # Just registered a first security key: its codes are made here.
        codes = services.recovery_codes_create(user=request.user, actor=request.user)
    context = _context(request, _("Recovery codes"), codes=codes)
    return TemplateResponse(request, "accounts/signin/recovery_codes.html", context)


@never_cache
def security(request: HttpRequest) -> HttpResponse:
    """One's own second factors."""
    if not signin.is_complete(request):
        return redirect(_with_next("admin:login", request.get_full_path()))
    user = request.user
    context = _context(
        request,
        _("Sign-in and security"),
        apps=TOTPDevice.objects.filter(user=user, confirmed=True),
        keys=WebAuthnCredential.objects.filter(user=user, confirmed=True),
        codes_left=sum(d.token_set.count() for d in StaticDevice.objects.filter(user=user)),
        after_key=reverse("admin-security"),
    )
    return TemplateResponse(request, "accounts/signin/security.html", context)


# --- Security keys: django-otp-webauthn's endpoints, with the audit trail and our session ---


class SecurityKeyRegistrationComplete(webauthn_views.CompleteCredentialRegistrationView):
    """Registers a key (the library checks that an enrolled user has verified first); a first
    key completes the sign-in like a first TOTP code does."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        was_pending = signin.is_pending(self.request)
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            credential = WebAuthnCredential.objects.filter(user=self.request.user).latest("pk")
            with transaction.atomic():
                events.object_created(actor=self.request.user, obj=credential)
            if was_pending:
                signin.mark_complete(self.request)
                with transaction.atomic():
                    events.logged_in(actor=self.request.user, method="security_key")
        return response


class SecurityKeyAuthenticationComplete(webauthn_views.CompleteCredentialAuthenticationView):
    """The second step with a security key, for a user who has given the password."""

    def complete_auth(self, device: Any) -> Any:
        if not self.request.user.is_authenticated or device.user_id != self.request.user.pk:
            raise webauthn_views.exceptions.NotAuthenticated()
        super().complete_auth(device)
        signin.mark_complete(self.request)
        with transaction.atomic():
            events.logged_in(actor=self.request.user, method="security_key")

    def get_success_url(self) -> str:
        return _next(self.request)
