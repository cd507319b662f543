"""What the web process checks before it serves (tryggest/wsgi.py)."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def refuse_to_serve_when_misconfigured() -> None:
    """Raise ImproperlyConfigured when a system check finds an error (e.g. website.E001: the
    residents' pages would tell people to call a number that is not configured).

    Management commands run the checks before they start; a WSGI server (gunicorn) does not, so
    the web process runs them itself and refuses to start instead of serving a broken promise.
    Database checks are left to ``migrate``, which runs before the server (docker-compose.yml).
    """
    errors = [
        message
        for message in checks.run_checks()
        if message.is_serious() and not message.is_silenced()
    ]
    if errors:
        raise ImproperlyConfigured("\n".join(str(message) for message in errors))
