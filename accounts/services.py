"""Writes of staff users and teams."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Team, User
from accounts.roles import ROLES
from audit import events


@transaction.atomic
def user_create(
    *, username: str, password: str, roles: Iterable[str], team_slug: str = "tonsberg",
    email: str = "", first_name: str = "", last_name: str = "",
) -> User:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValidationError(f"Unknown role(s): {', '.join(unknown)}. Roles: {', '.join(ROLES)}.")
    if not roles:
        raise ValidationError("Give at least one role.")
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"The user {username} exists already.")
    team, _ = Team.objects.get_or_create(slug=team_slug, defaults={"name": team_slug})
    # Every role logs in at /admin/login/, which needs is_staff.
    user = User.objects.create_user(
        username=username, password=password, email=email, team=team, is_staff=True,
        first_name=first_name, last_name=last_name,
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    events.object_created(actor=None, obj=user)
    return user
