from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework import demo
from kernel import arguments

# A demo goes through the services one enquiry at a time (seconds per hundred); bench/generate.py
# loads volumes.
MAX_DEMO_ENQUIRIES = 10_000


class Command(BaseCommand):
    help = (
        "Load a realistic demo: users demo-* for every role (with e-mail addresses) and N "
        "enquiries over the last 21 months, in every state, with a plausible mix of risk levels."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enquiries",
            type=arguments.whole_number(low=0, high=MAX_DEMO_ENQUIRIES),
            default=180,
            help=f"How many demo enquiries (0 to {MAX_DEMO_ENQUIRIES}; default 180).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even when DEBUG is off, or add more enquiries when a demo is already loaded.",
        )

    def handle(self, *args: Any, enquiries: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo users have known passwords: refusing with DEBUG off (use --force)."
            )
        if demo.already_loaded() and not force:
            demo.ensure_users()
            self.stdout.write("The demo is already loaded; nothing added.")
        else:
            demo.load(enquiries=enquiries)
            self.stdout.write(self.style.SUCCESS(f"Loaded {enquiries} demo enquiries."))
        self.stdout.write("\nDemo users (log in at http://127.0.0.1:8000/admin/):")
        for spec in demo.DEMO_USERS:
            self.stdout.write(
                f"  {spec.username:<22} password: {demo.DEMO_PASSWORD}   role: {', '.join(spec.roles)}"
                f"   team: {spec.team}   e-mail: {spec.email}"
            )
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                f"\nE-mail (reminders, referral links) is written to {settings.EMAIL_FILE_PATH}/,"
                " one file per message."
            )
        if settings.TRYGGEST_MFA_REQUIRED:
            self.stdout.write(
                "\nEvery sign-in asks for a second step: the first one sets up an authenticator "
                "app or a security key (README: Signing in)."
            )
        else:
            self.stdout.write(
                "\nThe second sign-in step is OFF for this development server "
                "(TRYGGEST_MFA_REQUIRED=False, set by `make run`): the demo users sign in with the "
                "password alone, unless they set up a second step under 'Sign-in and security'. "
                "With DEBUG off it is always required."
            )
