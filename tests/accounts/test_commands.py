from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP

from accounts.models import User
from audit.models import AuditEvent
from intake.models import Enquiry
from routing.models import Referral
from tests.factories import TEST_TOTP_SECRET

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_create_user_makes_a_staff_user_who_can_sign_in_with_the_totp_secret(monkeypatch):
    monkeypatch.setenv("TRYGGEST_PASSWORD", "a-long-enough-password-2026")
    call_command(
        "create_user",
        "kari",
        "--role",
        "team_member",
        "--role",
        "coordinator",
        "--team",
        "horten",
        "--totp-secret",
        TEST_TOTP_SECRET,
    )
    user = User.objects.get(username="kari")
    assert user.team.slug == "horten"
    assert sorted(user.groups.values_list("name", flat=True)) == ["coordinator", "team_member"]
    # Signing in is about this test: the two steps by hand, with the secret the script gave.
    client = Client()
    response = client.post(
        "/admin/login/", {"username": "kari", "password": "a-long-enough-password-2026"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/verify/")
    assert client.get("/admin/").status_code == 302  # not yet: the second step is missing
    code = TOTP(base64.b32decode(TEST_TOTP_SECRET), step=30, digits=6).token()
    response = client.post("/admin/login/verify/", {"code": f"{code:06d}"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_create_user_refuses_a_missing_password(monkeypatch):
    monkeypatch.delenv("TRYGGEST_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError):
        call_command("create_user", "kari", "--role", "team_member")
    assert not User.objects.filter(username="kari").exists()


def test_load_demo_data_covers_every_state_and_referral_state(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo_data", "--enquiries", "20")
    out = capsys.readouterr().out
    for username in ("demo-saksbehandler", "demo-koordinator", "demo-leder", "demo-revisor"):
        assert username in out
    assert set(Enquiry.objects.values_list("state", flat=True)) == {
        "received",
        "risk_assessed",
        "forwarded",
        "closed",
    }
    assert set(Referral.objects.values_list("state", flat=True)) == {
        "sent",
        "acknowledged",
        "declined",
        "completed",
        "withdrawn",
    }
    # The demo went through the services, so the audit trail has it all.
    assert AuditEvent.objects.filter(action="create", object_type="enquiry").count() == 20
    # Running it again adds nothing.
    call_command("load_demo_data", "--enquiries", "20")
    assert Enquiry.objects.count() == 20


def test_load_demo_data_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo_data")


def test_migrate_installed_roles_team_directory_rules_and_instrument():
    from django.contrib.auth.models import Group

    from intake.models import AssessmentInstrument
    from routing.models import HelpService, RoutingRule

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "team_member",
        "coordinator",
        "manager",
        "auditor",
    }
    assert HelpService.objects.filter(slug="krisesenteret-vestfold", hours="24/7").exists()
    assert RoutingRule.objects.count() == 19  # every rule of routing-rules.yaml
    assert AssessmentInstrument.current().version == 1
    from accounts.models import Team

    assert Team.objects.filter(slug="tonsberg").exists()


def _settings_import(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "AUDIT_HMAC_KEY"}
    }
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tryggest.settings'; "
            "django.setup(); from django.conf import settings; print(settings.TIME_ZONE, settings.LANGUAGE_CODE)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_fail_loudly_without_a_secret_key_when_debug_is_off():
    result = _settings_import({"DEBUG": "False", "AUDIT_HMAC_KEY": "k"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_settings_refuse_a_misspelt_boolean():
    result = _settings_import({"DEBUG": "ja", "SECRET_KEY": "s", "AUDIT_HMAC_KEY": "k"})
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_settings_run_in_oslo_in_norwegian():
    result = _settings_import({"DEBUG": "False", "SECRET_KEY": "s", "AUDIT_HMAC_KEY": "k"})
    assert result.stdout.split() == ["Europe/Oslo", "nb"], result.stderr
