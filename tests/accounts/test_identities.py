"""Issue 14, fault 8: usernames that differ by case or a space were two people, and an e-mail
address that is none was accepted. Identities are normalised, validated and unique whatever their
case at every door that creates users: create_user, the admin, single sign-on."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import User
from accounts.services import user_sync_from_sso
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    # The messages are matched in English; the service speaks Norwegian by default.
    with translation.override("en"):
        yield


PASSWORD = "a-long-enough-password-2026"


@pytest.fixture
def koordinator(tonsberg: Any, monkeypatch: Any) -> User:
    monkeypatch.setenv("TRYGGEST_PASSWORD", PASSWORD)
    call_command("create_user", "demo-koordinator", "--role", "coordinator")
    return User.objects.get(username="demo-koordinator")


def test_create_user_refuses_a_name_that_differs_only_by_case(koordinator: User) -> None:
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_user", "DEMO-KOORDINATOR", "--role", "team_member")
    assert User.objects.filter(username__iexact="demo-koordinator").count() == 1


def test_create_user_refuses_a_name_that_differs_only_by_a_space(koordinator: User) -> None:
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_user", "demo-koordinator ", "--role", "team_member")
    assert User.objects.count() == 1


def test_create_user_stores_the_normalised_name_which_can_sign_in(
    tonsberg: Any, monkeypatch: Any, client: Any
) -> None:
    monkeypatch.setenv("TRYGGEST_PASSWORD", PASSWORD)
    call_command("create_user", " Kari.Nordmann ", "--role", "team_member")
    assert User.objects.get().username == "kari.nordmann"
    # The name as people type it reaches the same account (the password step only; signing in
    # is what this test is about).
    response = client.post("/admin/login/", {"username": "KARI.Nordmann ", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/enrol/")


def test_create_user_refuses_a_name_with_spaces_inside(tonsberg: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("TRYGGEST_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="no spaces"):
        call_command("create_user", "kari nordmann", "--role", "team_member")
    assert not User.objects.exists()


def test_create_user_refuses_an_e_mail_address_that_is_none(
    tonsberg: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("TRYGGEST_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="valid e-mail"):
        call_command("create_user", "kari", "--role", "team_member", "--email", "not-an-email")
    assert not User.objects.exists()


def test_create_user_refuses_a_password_like_the_username(tonsberg: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("TRYGGEST_PASSWORD", "kari.nordmann1")
    with pytest.raises(CommandError, match="too similar"):
        call_command("create_user", "kari.nordmann", "--role", "team_member")
    monkeypatch.setenv("TRYGGEST_PASSWORD", "Tb7#kq2!xz")  # 10 characters: too short
    with pytest.raises(CommandError, match="at least 12"):
        call_command("create_user", "kari.nordmann", "--role", "team_member")
    assert not User.objects.exists()


def test_the_database_refuses_two_names_that_differ_by_case(alice: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username="Alice")])


def test_the_admin_refuses_a_name_that_differs_only_by_case(
    alice: User, tonsberg: Any, as_user: Any
) -> None:
    root = UserFactory(username="root", team=tonsberg, is_superuser=True)
    client = as_user(root)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "ALICE ",
            "password1": "another-long-password-2026",
            "password2": "another-long-password-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_the_admin_stores_the_normalised_name(tonsberg: Any, as_user: Any) -> None:
    root = UserFactory(username="root", team=tonsberg, is_superuser=True)
    client = as_user(root)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": " Ola.Hansen ",
            "password1": "another-long-password-2026",
            "password2": "another-long-password-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.filter(username="ola.hansen").exists()


def test_the_admin_refuses_an_e_mail_address_that_is_none(alice: User, as_user: Any) -> None:
    root = UserFactory(username="root", team=alice.team, is_superuser=True)
    client = as_user(root)
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/accounts/user/{alice.pk}/change/",
        {
            "username": "alice",
            "email": "not-an-email",
            "team": alice.team_id,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.email == ""


def test_single_sign_on_finds_the_same_person_whatever_the_case(alice: User) -> None:
    # The provider sends the name as it pleases; the local user made before SSO is linked.
    user = user_sync_from_sso(
        issuer="https://login.example",
        subject="oid-1",
        username=" ALICE ",
        email="Alice@Tonsberg.Kommune.no",
        first_name="Alice",
        last_name="",
        roles=["team_member"],
        team_slug="tonsberg",
    )
    assert user.pk == alice.pk
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.email == "Alice@tonsberg.kommune.no"


def test_single_sign_on_refuses_a_name_that_is_no_username(tonsberg: Any) -> None:
    with pytest.raises(ValidationError):
        user_sync_from_sso(
            issuer="https://login.example",
            subject="oid-2",
            username="kari nordmann",
            email="",
            first_name="",
            last_name="",
            roles=["team_member"],
            team_slug="tonsberg",
        )
    assert not User.objects.exists()


def test_sign_in_with_a_differently_cased_name_is_the_same_account(
    alice: User, client: Any
) -> None:
    response = client.post("/admin/login/", {"username": " ALICE", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user.pk == alice.pk
