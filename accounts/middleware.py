"""Which staff session may reach what (after Django's AuthenticationMiddleware and django-otp's
OTPMiddleware).

- A session that has passed the password but not the second factor (``accounts.signin``) sees
  the sign-in pages only; everywhere else (the admin, /stats/, the API's session
  authentication, the auditors' pages) it is anonymous. One place, so that no page can forget.
- A complete sign-in ends after ``SESSION_IDLE_SECONDS`` without a request and at the latest
  ``SESSION_COOKIE_AGE`` after it began (Normen: automatic log-off of idle sessions).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from accounts import signin

# The second-factor pages (and the security key's endpoints under them), signing out, and what
# every page needs to load. Nothing else is reachable while the second factor is missing.
PENDING_MAY_REACH = ("/admin/login/", "/admin/logout/", "/i18n/", "/static/")
# The last-seen time is written at most this often, not on every request.
TOUCH_SECONDS = 60
IDLE_SIGNED_OUT = "tryggest_idle_signed_out"


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if signin.is_pending(request):
                if not request.path_info.startswith(PENDING_MAY_REACH):
                    request.user = AnonymousUser()
            else:
                self._expire_or_touch(request)
        return self.get_response(request)

    def _expire_or_touch(self, request: HttpRequest) -> None:
        session = request.session
        now = time.time()
        last_seen = float(session.get(signin.LAST_SEEN) or now)
        signed_in_at = float(session.get(signin.SIGNED_IN_AT) or now)
        if (
            now - last_seen > settings.SESSION_IDLE_SECONDS
            or now - signed_in_at > settings.SESSION_COOKIE_AGE
        ):
            logout(request)  # the audit trail records the logout (audit.signals)
            request.session[IDLE_SIGNED_OUT] = True
            return
        if signin.SIGNED_IN_AT not in session:
            session[signin.SIGNED_IN_AT] = now
        if now - last_seen >= TOUCH_SECONDS or signin.LAST_SEEN not in session:
            session[signin.LAST_SEEN] = now
