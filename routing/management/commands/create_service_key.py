from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kernel import arguments
from routing.services import service_key_create


class Command(BaseCommand):
    help = (
        "Create an API key for a directory service (or a submitting organisation with that slug) "
        "and print it once. Revoke keys in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("service_slug", type=arguments.slug(max_length=80))
        parser.add_argument(
            "--name",
            type=arguments.text(max_length=200),
            default="",
            help="The organisation's name, at most 200 characters.",
        )

    def handle(self, *args: Any, service_slug: str, name: str, **options: Any) -> None:
        try:
            key, plain = service_key_create(slug=service_slug, name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        organisation = key.organisation
        linked = organisation.service.slug if organisation.service else "none"
        self.stderr.write(
            f"Key {key.prefix} for {organisation.slug} (helping service: {linked}). "
            "Store it now; it is not shown again."
        )
        self.stdout.write(plain)
