"""The ID token's claims, shaped like Entra ID's: ``preferred_username``, ``email``, the app roles
in ``roles`` and a team in ``tryggest_team``. For this test provider a user's roles are kept in
``first_name`` (comma-separated) and the team in ``last_name``."""

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class EntraLikeClaims(OAuth2Validator):
    oidc_claim_scope = None  # every claim in every token

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        claims: dict[str, Any] = {
            "preferred_username": user.username,
            "email": user.email,
            "name": user.username,
        }
        roles = [r for r in user.first_name.split(",") if r]
        if roles:
            claims["roles"] = roles
        if user.last_name:
            claims["tryggest_team"] = user.last_name
        return claims
