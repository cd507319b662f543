"""System checks for what the residents' pages promise: a phone number to call."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

# The made-up number of `make run` and of `docker compose up` from a fresh clone (not a Norwegian
# subscriber number: none begins with 1 and has eight digits).
DEMO_TEAM_PHONE = "12 34 56 78"


@register()
def team_contact_configured(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Refuse to run in production when the residents' pages would say "call the team" without a
    number (every public page offers the team's phone; the form's messages tell people to call).

    With DEBUG on (``make run`` sets demo values) nothing is checked.
    """
    if settings.DEBUG:
        return []
    problems: list[Any] = []
    if not settings.TRYGGEST_TEAM_PHONE.strip():
        problems.append(
            Error(
                "TRYGGEST_TEAM_PHONE is not set: the residents' pages tell people to call the "
                "TryggEst team, and would give no number.",
                hint="Set TRYGGEST_TEAM_PHONE (and TRYGGEST_TEAM_ADDRESS) in the environment.",
                id="website.E001",
            )
        )
    elif settings.TRYGGEST_TEAM_PHONE.strip() == DEMO_TEAM_PHONE:
        problems.append(
            Warning(
                "TRYGGEST_TEAM_PHONE is the demo number: the residents' pages would send people "
                "to a number nobody answers.",
                hint="Fine for trying out `docker compose up` on localhost; set the reception's "
                "real number before anyone else can reach the service.",
                id="website.W002",
            )
        )
    if not settings.TRYGGEST_DATA_PROTECTION_OFFICER.strip():
        problems.append(
            Warning(
                "TRYGGEST_DATA_PROTECTION_OFFICER is not set: the privacy statement (/personvern/) "
                "must give the data protection officer's contact (GDPR Art. 13(1)(b)).",
                hint="Set it to an e-mail address or phone number of the municipality's officer.",
                id="website.W001",
            )
        )
    return problems
