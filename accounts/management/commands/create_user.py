from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.roles import ROLES
from accounts.services import user_create
from kernel import arguments


class Command(BaseCommand):
    help = (
        "Create a staff user who signs in at /admin/login/. The password comes from the "
        "environment variable TRYGGEST_PASSWORD, or a prompt. The username is stored in lower "
        "case without surrounding spaces, and must be unique whatever its case."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", action="append", choices=ROLES, required=True, dest="roles")
        parser.add_argument(
            "--team",
            type=arguments.slug(max_length=50),
            default="tonsberg",
            help="Team slug (created if missing).",
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--totp-secret",
            default=None,
            help="Enrol a TOTP second factor with this base32 secret (RFC 6238: SHA-1, 6 digits, "
            "30 s), for provisioning scripts. Without it, the user sets one up at first sign-in.",
        )

    def handle(
        self,
        *args: Any,
        username: str,
        roles: list[str],
        team: str,
        email: str,
        totp_secret: str | None,
        **options: Any,
    ) -> None:
        password = os.environ.get("TRYGGEST_PASSWORD")
        if not password:
            if not os.isatty(0):
                raise CommandError("Set TRYGGEST_PASSWORD or run in a terminal to be asked.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = user_create(
                username=username,
                password=password,
                roles=roles,
                team_slug=team,
                email=email,
                totp_secret=totp_secret,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        factor = " with a TOTP second factor" if totp_secret else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {user.username} ({', '.join(roles)}) in team {team}{factor}."
            )
        )
