"""Sign-ins, failed sign-ins and logouts in the audit trail (Django's auth signals are the only
hook). A failed sign-in is anonymous, so it is counted (audit.refusals), not chained one event
each; the sign-in lock that many of them cause is an event naming the account (accounts.lockout).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from audit import events, refusals


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # The door that signed the user in says how (accounts.signin, accounts.oidc).
    method = getattr(request, "signin_method", "") if request is not None else ""
    with transaction.atomic():
        events.logged_in(actor=user, method=method)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            events.logged_out(actor=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # django-axes marks an attempt it refused unheard (the account or address was locked before
    # it): locked out, and no failure counted for it. The attempt that starts a lock was heard.
    unheard = bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    refusals.count("login_refused_locked" if unheard else "login_failed")
