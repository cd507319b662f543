"""Single sign-on with the municipality's OpenID Connect provider (Microsoft Entra ID), optional.

mozilla-django-oidc runs the authorisation-code flow with PKCE (``/oidc/authenticate/`` →
the provider → ``/oidc/callback/``) and checks the ID token's signature and nonce; this backend
adds what TryggEst needs on top:

- the token's issuer (``OIDC_OP_ISSUER``), audience (our client id) and expiry are checked;
- the roles come from a claim (``OIDC_ROLES_CLAIM``, Entra's app roles: ``roles``) mapped by
  ``OIDC_ROLE_MAP``; the team from ``OIDC_TEAM_CLAIM`` mapped by ``OIDC_TEAM_MAP`` (the default
  team when no team claim is configured). **No role that maps, no sign-in**;
- the user is found by the provider's stable subject (``ExternalIdentity``), created or updated
  through ``accounts.services.user_sync_from_sso`` (the username normalised and validated, the
  roles and team made what the claims say, every change audited).

The provider does its own second factor (Entra ID: Conditional Access requiring MFA for the app),
so a single sign-on is a complete sign-in here.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation, ValidationError
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts import services
from accounts.roles import ROLES

logger = logging.getLogger(__name__)


def configured() -> bool:
    """Whether single sign-on is set up (client id and the provider's endpoints)."""
    return all(
        getattr(settings, name, "")
        for name in (
            "OIDC_RP_CLIENT_ID",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
    )


def _pairs(text: str) -> dict[str, str]:
    pairs = {}
    for item in (text or "").split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip() and value.strip():
            pairs[key.strip()] = value.strip()
    return pairs


def _values(claim: Any) -> list[str]:
    if claim is None:
        return []
    if isinstance(claim, list | tuple):
        return [str(v) for v in claim]
    return [str(claim)]


def roles_from_claims(claims: dict[str, Any]) -> list[str]:
    """TryggEst's roles named by the roles claim through ``OIDC_ROLE_MAP`` (unknown values are
    ignored; a value may map to several roles separated by ``+``)."""
    mapping = _pairs(settings.OIDC_ROLE_MAP)
    roles: list[str] = []
    for value in _values(claims.get(settings.OIDC_ROLES_CLAIM)):
        for role in mapping.get(value, "").split("+"):
            if role in ROLES and role not in roles:
                roles.append(role)
    return roles


def team_from_claims(claims: dict[str, Any]) -> str | None:
    """The team's slug: from ``OIDC_TEAM_CLAIM`` through ``OIDC_TEAM_MAP`` (or the value itself
    when no map is set); the default team when no team claim is configured; None when the claim
    is configured but gives no team."""
    claim = settings.OIDC_TEAM_CLAIM
    if not claim:
        return settings.TRYGGEST_DEFAULT_TEAM
    mapping = _pairs(settings.OIDC_TEAM_MAP)
    for value in _values(claims.get(claim)):
        slug = mapping.get(value) if mapping else value
        if slug:
            return slug
    return None


class MunicipalOIDCBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Listed among the backends always; inert (and unconfigured) until OIDC_* are set.
        self.enabled = configured()
        if self.enabled:
            super().__init__(*args, **kwargs)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not self.enabled or request is None or "code_verifier" not in kwargs:
            return None  # not a callback of our flow (PKCE is always used)
        user = super().authenticate(request, **kwargs)
        if user is not None:
            request.signin_method = "oidc"  # for the audit event (audit.signals)
        return user

    def get_user(self, user_id: Any) -> Any:
        return get_user_model().objects.filter(pk=user_id, is_active=True).first()

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        # Entra ID puts app roles in the ID token, not in the userinfo answer: the verified token
        # is the source, and userinfo (when configured) only adds what the token lacks.
        claims: dict[str, Any] = {}
        if settings.OIDC_OP_USER_ENDPOINT:
            claims.update(super().get_userinfo(access_token, id_token, payload))
        claims.update(payload)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        issuer = settings.OIDC_OP_ISSUER
        if issuer and claims.get("iss") != issuer:
            logger.warning("OIDC sign-in refused: unexpected issuer")
            return False
        if settings.OIDC_RP_CLIENT_ID not in _values(claims.get("aud")):
            logger.warning("OIDC sign-in refused: the token is not for this client")
            return False
        if float(claims.get("exp") or 0) < time.time():
            logger.warning("OIDC sign-in refused: the token has expired")
            return False
        if not claims.get("sub"):
            return False
        if not roles_from_claims(claims):
            logger.warning("OIDC sign-in refused: no TryggEst role in the claims")
            return False
        if team_from_claims(claims) is None:
            logger.warning("OIDC sign-in refused: no team in the claims")
            return False
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        # Found and created in one place (get_or_create_user below), by the stable subject.
        return get_user_model().objects.none()

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("Claims verification failed")
        try:
            user = services.user_sync_from_sso(
                issuer=str(claims.get("iss") or ""),
                subject=str(claims["sub"]),
                username=str(claims.get(settings.OIDC_USERNAME_CLAIM) or ""),
                email=str(claims.get("email") or ""),
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
                roles=roles_from_claims(claims),
                team_slug=team_from_claims(claims) or settings.TRYGGEST_DEFAULT_TEAM,
            )
        except ValidationError as exc:
            logger.warning("OIDC sign-in refused: %s", "; ".join(exc.messages))
            raise SuspiciousOperation("The identity is not valid") from None
        if not user.is_active:
            raise SuspiciousOperation("The user is deactivated")
        return user
