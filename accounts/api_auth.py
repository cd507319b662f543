"""Who is calling the API: service keys, staff sessions, their roles, and their rate limits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ServiceKey, ServiceOrganisation
from accounts.policies import is_staff_user

KEYWORD = "Api-Key"


class ServiceKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``: the caller is the key's ServiceOrganisation."""

    def authenticate(self, request: Request) -> tuple[ServiceOrganisation, ServiceKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None  # not ours: the session may still authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the key after Api-Key."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The key is not valid.")) from None
        # Checked before any query: odd bytes must never reach the database.
        if len(key) > 100 or "." not in key or not key.isprintable():
            raise exceptions.AuthenticationFailed(_("The key is not valid."))
        try:
            api_key = ServiceKey.objects.get_from_key(key)
        except ServiceKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("The key is not valid.")) from None
        if api_key.has_expired or not api_key.organisation.is_active:
            raise exceptions.AuthenticationFailed(_("The key is not valid."))
        return api_key.organisation, api_key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ServiceKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_auth.ServiceKeyAuthentication"
    name = "ServiceKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Api-Key <key>`; one key per organisation, "
            "created with `manage.py create_service_key`.",
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    """Staff call the API with their admin session (the ``sessionid`` cookie) and, on every
    unsafe method, the CSRF token from the ``csrftoken`` cookie in ``X-CSRFToken`` (Django's
    CSRF protection, which DRF's SessionAuthentication enforces)."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    name = ["cookieAuth", "csrfToken"]
    priority = 1  # over drf-spectacular's own SessionScheme

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[Any]]:
        if auto_schema.method in ("GET", "HEAD", "OPTIONS"):
            return {"cookieAuth": []}
        return {"cookieAuth": [], "csrfToken": []}

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {
                "type": "apiKey",
                "in": "cookie",
                "name": settings.SESSION_COOKIE_NAME,
                "description": "The admin session of a staff member, after signing in at "
                "/admin/login/.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-CSRFToken",
                "description": "On POST (and every other unsafe method) with the session: the "
                f"value of the `{settings.CSRF_COOKIE_NAME}` cookie.",
            },
        ]


def is_service(user: Any) -> bool:
    return isinstance(user, ServiceOrganisation)


def is_caseworker(user: Any) -> bool:
    """Team members and coordinators: staff who work enquiries (never managers or auditors)."""
    return not is_service(user) and is_staff_user(user) and user.has_perm("intake.view_enquiry")


# ``schema_callers`` on a permission class: who can pass it, for the schema's security
# requirements (kernel.api_schema): "service" (a key), "staff" (a session), or both.


class IsServiceOrCaseworker(BasePermission):
    schema_callers = ("service", "staff")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_service(request.user) or is_caseworker(request.user)


class IsCaseworker(BasePermission):
    schema_callers = ("staff",)

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_caseworker(request.user)


class _SettingsRateThrottle(SimpleRateThrottle):
    """Rates read from settings on each request, so tests and the environment can change them."""

    def __init__(self) -> None:  # skip the class-level rate lookup of SimpleRateThrottle
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)


class ServiceKeyThrottle(_SettingsRateThrottle):
    scope = "service"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not is_service(request.user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class StaffUserThrottle(_SettingsRateThrottle):
    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if is_service(request.user) or not getattr(request.user, "is_authenticated", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
