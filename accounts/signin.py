"""Signing in: a password, then a second factor (API.md, "Authentication and roles").

Every role starts at ``/admin/login/`` with username and password. A right password signs the
user in to Django (the session is rotated) but the session is *pending*: until the second factor
(a TOTP code, a security key, or a recovery code) is given, ``accounts.middleware`` shows it only
the second-factor pages and treats it as anonymous everywhere else. The second factor is
django-otp's: ``django_otp.login`` marks the session verified (``user.is_verified()``).

Single sign-on (``accounts.oidc``) is a complete sign-in of its own: the municipality's
provider does its own second factor. With ``TRYGGEST_MFA_REQUIRED`` off (development only), a
user without any second factor is signed in by the password alone.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django_otp import user_has_device

from accounts.identity import normalise_username

OIDC_BACKEND = "accounts.oidc.MunicipalOIDCBackend"
# Session keys. SIGNED_IN_WITH is "password" for a sign-in completed by the password alone
# (while second factors are not required).
SIGNED_IN_WITH = "tryggest_signed_in_with"
SIGNED_IN_AT = "tryggest_signed_in_at"
LAST_SEEN = "tryggest_last_seen"
PASSWORD_PASSED_AT = "tryggest_password_passed_at"  # noqa: S105 - a session key


class StaffPasswordBackend(ModelBackend):
    """Django's password check, for the normalised username, unless password sign-in is off
    (``TRYGGEST_PASSWORD_SIGNIN=False``, with single sign-on)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not settings.TRYGGEST_PASSWORD_SIGNIN:
            return None
        if username is not None:
            username = normalise_username(username)
        return super().authenticate(request, username=username, password=password, **kwargs)


def second_factor_required(user: Any) -> bool:
    """Whether this user must give a second factor after the password: always when
    ``TRYGGEST_MFA_REQUIRED`` (the default; required whenever DEBUG is off), otherwise only when
    they have one."""
    return bool(settings.TRYGGEST_MFA_REQUIRED) or user_has_device(user)


def is_complete(request: HttpRequest) -> bool:
    """Whether the session's sign-in is complete: the second factor given, or single sign-on, or
    the password alone where no second factor is required."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    if verified is not None and verified():
        return True
    if request.session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND:
        return True  # the provider gave its own second factor
    method = request.session.get(SIGNED_IN_WITH)
    return method == "password" and not second_factor_required(user)


def is_pending(request: HttpRequest) -> bool:
    """Signed in with the password, waiting for the second factor."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and not is_complete(request))


def pending_expired(request: HttpRequest) -> bool:
    """A password step older than ``TRYGGEST_SECOND_FACTOR_SECONDS`` must start again."""
    since = request.session.get(PASSWORD_PASSED_AT)
    if since is None:
        return True
    return time.time() - float(since) > settings.TRYGGEST_SECOND_FACTOR_SECONDS


def mark_complete(request: HttpRequest, method: str | None = None) -> None:
    """Start the clock of a complete sign-in (idle and absolute expiry, accounts.middleware)."""
    now = time.time()
    if method:
        request.session[SIGNED_IN_WITH] = method
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    request.session.pop(PASSWORD_PASSED_AT, None)
