"""Every management command answers a bad argument with a usage error, never a traceback.

Issue 14, fault 14: ``send_reminders --now 0001-01-01T00:00:00`` ended in an ``OverflowError``
traceback. The same kind was found in the other commands an operator runs: a batch size of 0 or
one PostgreSQL cannot read (``verify_audit``), a team slug too long for its column or not a slug
(``create_user``: a ``DataError`` on PostgreSQL, a team that cannot be linked to on SQLite), a
service key's name too long (``create_service_key``), and any number of demo enquiries.
Each is run as the operator runs it: ``call_command`` (the CommandError an operator sees), and
``manage.py`` itself for the exit status and the absence of a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ServiceOrganisation, Team, User

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

REFUSED = {
    "midnight on 1 January of year 1": ["send_reminders", "--now", "0001-01-01T00:00:00"],
    "year 1 in UTC": ["send_reminders", "--now", "0001-01-01T00:00:00+00:00"],
    "the last second of year 9999": ["send_reminders", "--now", "9999-12-31T23:59:59"],
    "the year 1899": ["send_reminders", "--now", "1899-12-31T12:00"],
    "no time at all": ["send_reminders", "--now", "i morgen"],
    "a month 13": ["send_reminders", "--now", "2026-13-01"],
    "a batch of none": ["verify_audit", "--batch-size", "0"],
    "a negative batch": ["verify_audit", "--batch-size", "-5"],
    "a batch beyond any database": ["verify_audit", "--batch-size", "99999999999999999999"],
    "a batch that is not a number": ["verify_audit", "--batch-size", "mange"],
    "demo enquiries beyond reason": ["load_demo_data", "--force", "--enquiries", "10000001"],
    "negative demo enquiries": ["load_demo_data", "--force", "--enquiries", "-1"],
    "a service slug too long": ["create_service_key", "x" * 81],
    "a key name too long": ["create_service_key", "nav-tonsberg", "--name", "N" * 201],
    "a team slug too long": ["create_user", "kari", "--role", "team_member", "--team", "t" * 51],
    "a team slug that is no slug": [
        "create_user",
        "kari",
        "--role",
        "team_member",
        "--team",
        "ugyldig lag!",
    ],
}


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRYGGEST_PASSWORD", "et-langt-passord-for-kari-2026")


@pytest.mark.parametrize("args", REFUSED.values(), ids=REFUSED.keys())
def test_a_bad_argument_is_a_command_error_and_changes_nothing(args: list[str]) -> None:
    users, teams, organisations = (
        User.objects.count(),
        Team.objects.count(),
        ServiceOrganisation.objects.count(),
    )
    with pytest.raises(CommandError, match=r"^Error: argument "):
        call_command(*args)
    assert User.objects.count() == users and Team.objects.count() == teams
    assert ServiceOrganisation.objects.count() == organisations


def test_the_error_names_what_is_accepted() -> None:
    with pytest.raises(CommandError) as error:
        call_command("send_reminders", "--now", "0001-01-01T00:00:00")
    assert "--now" in str(error.value) and "2000" in str(error.value)


@pytest.mark.parametrize(
    "now", ["2026-12-01T15:00", "2026-12-01T15:00:00+01:00", "2026-12-01", "2100-12-31T23:59"]
)
def test_send_reminders_takes_a_time_in_the_services_years(now: str, capsys: Any) -> None:
    call_command("send_reminders", "--now", now, "--dry-run")
    assert "0 due (dry run" in capsys.readouterr().out


def test_on_the_command_line_a_bad_argument_is_a_usage_error_without_a_traceback(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "x",
        "AUDIT_HMAC_KEY": "y",
        # A database of its own that is never created: the argument is refused before any query.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "send_reminders", "--now", "0001-01-01T00:00:00"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "argument --now" in done.stderr and "usage: manage.py send_reminders" in done.stderr
