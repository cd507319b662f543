"""Sign-in attempts limited per account and per address (django-axes, counters in the database,
shared by every worker).

``axes.backends.AxesStandaloneBackend`` is the first authentication backend: while an account or
an address is locked it refuses the attempt *before* the password backend hashes anything, so a
password-guessing client costs a few indexed queries, not a PBKDF2 run. The lock lasts
``SIGNIN_LOCKOUT_MINUTES`` (15) and a coordinator can lift it earlier (``accounts.services.
signin_unlock``). The lock's start is one audit event naming the account as typed (never the
password); each failed attempt is only counted (``audit.refusals``).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.identity import normalise_username
from audit import events
from kernel.addresses import client_address as _client_address


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username the attempt counts against: as the password backend will look it up."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    if raw is None:
        return None
    return normalise_username(raw)[:150] or None


# Attempts from a request without a usable address (a unix socket's empty REMOTE_ADDR, a test
# client's forced sign-in) count together under the unspecified address: django-axes stores the
# address in a GenericIPAddressField, which PostgreSQL refuses anything but an address for.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - a counter's key, never bound to


def client_address(request: HttpRequest) -> str:
    """The address the attempt counts against (behind TRYGGEST_TRUSTED_PROXIES, as the public
    pages' throttle counts it); ``UNKNOWN_ADDRESS`` when the request has none."""
    address = _client_address(request)
    return UNKNOWN_ADDRESS if address == "unknown" else address


class SignInAttemptHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits instead of one: ``AXES_FAILURE_LIMIT`` wrong
    passwords for one account, ``TRYGGEST_SIGNIN_FAILURES_PER_ADDRESS`` for one address (higher:
    an office behind one NAT address shares it). It also records when a lock begins."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # Axes compares one number with AXES_FAILURE_LIMIT. The address's count is shifted down by
        # the difference of the two limits, so the result reaches the account limit exactly when
        # the account's count reaches it or the address's reaches its own.
        per_account, per_address = (
            _failures(attempts) for attempts in self.get_user_attempts(request, credentials)
        )
        if attempted_username(request, credentials) is None:
            per_account = 0  # no account named (single sign-on): only the address counts
        account_limit = settings.AXES_FAILURE_LIMIT
        address_limit = settings.TRYGGEST_SIGNIN_FAILURES_PER_ADDRESS
        return max(per_account, per_address - (address_limit - account_limit))

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kw: Any,
    ) -> None:
        was_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request=request, **kw)
        if request is not None and not was_locked and getattr(request, "axes_locked_out", False):
            username = attempted_username(request, credentials) or ""
            per_account = _failures(self.get_user_attempts(request, credentials)[0])
            scope = "account" if per_account >= settings.AXES_FAILURE_LIMIT else "address"
            with transaction.atomic():
                events.signin_locked(username=username, scope=scope)


def _failures(attempts: Any) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The sign-in page again, with a plain Norwegian (or English) message, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-in attempts. Sign-in is locked for %(minutes)d minutes. "
        "If you need access sooner, ask a coordinator on your team to unlock your account."
    ) % {"minutes": minutes}
    response = TemplateResponse(
        request,
        "accounts/signin/password.html",
        {
            "title": _("Sign in"),
            "locked_message": message,
            "username": attempted_username(request, credentials) or "",
            "next": request.POST.get("next") or request.GET.get("next") or "",
            "site_header": _("TryggEst"),
            "site_title": _("TryggEst"),
        },
        status=429,
    )
    return response.render()
