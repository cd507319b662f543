"""Makes the provider's users and the TryggEst client: ``python -m tests.oidc_provider.setup
REDIRECT_URI CLIENT_ID CLIENT_SECRET`` (after ``migrate``)."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

redirect_uri, client_id, client_secret = sys.argv[1:4]
users = {
    # username: (roles claim, team claim)
    "Kari.Nordmann@tonsberg.example": ("TryggEst.Koordinator", "tonsberg"),
    "ola.uten.rolle@tonsberg.example": ("Office.User", "tonsberg"),
}
for username, (roles, team) in users.items():
    User.objects.create_user(
        username=username,
        password="provider-password-2026",
        email=username,
        first_name=roles,
        last_name=team,
    )
Application.objects.create(
    name="TryggEst",
    client_id=client_id,
    client_secret=client_secret,
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=redirect_uri,
    algorithm=Application.RS256_ALGORITHM,
    skip_authorization=True,
)
sys.stdout.write("ok\n")
