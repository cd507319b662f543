"""Writes of staff users and teams."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import ServiceKey, ServiceOrganisation, Team, User
from accounts.roles import ROLES
from audit import events


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    roles: Iterable[str],
    team_slug: str = "tonsberg",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
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
        username=username,
        password=password,
        email=email,
        team=team,
        is_staff=True,
        first_name=first_name,
        last_name=last_name,
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    events.object_created(actor=None, obj=user)
    return user


@transaction.atomic
def organisation_key_create(
    *, slug: str, name: str = ""
) -> tuple[ServiceKey, str, ServiceOrganisation, bool]:
    """A new key for the organisation ``slug`` (created, named ``name``, if missing).

    Returns the key, its plain text (shown once, never stored), the organisation and whether it
    was created. ``routing.services.service_key_create`` links a directory service to it.
    """
    slug = (slug or "").strip()
    if not slug or len(slug) > 80 or not slug.replace("-", "").replace("_", "").isalnum():
        raise ValidationError(_("Give the organisation's slug (letters, digits, - and _)."))
    organisation, created = ServiceOrganisation.objects.get_or_create(
        slug=slug, defaults={"name": name or slug}
    )
    if created:
        events.object_created(actor=None, obj=organisation)
    key_name = (name or organisation.name)[:50]
    key, plain = ServiceKey.objects.create_key(name=key_name, organisation=organisation)
    # The key's primary key embeds its hash; the audit trail names it by its public prefix.
    events.record(action="create", actor=None, object_type="servicekey", object_id=key.prefix)
    return key, plain, organisation, created


@transaction.atomic
def team_ensure(*, slug: str, name: str) -> Team:
    """The team ``slug``, created with ``name`` if missing, and named ``name`` if it still bears
    its slug as its name (``user_create`` makes a missing team so). For set-up commands (the
    demo); audited."""
    team, created = Team.objects.get_or_create(slug=slug, defaults={"name": name})
    if created:
        events.object_created(actor=None, obj=team)
    elif team.name == slug and name != slug:
        team.name = name
        team.save(update_fields=["name"])
        events.object_changed(actor=None, obj=team, fields=["name"])
    return team


@transaction.atomic
def user_email_set(*, user: User, email: str) -> User:
    """Give a user the e-mail address reminders go to (for set-up commands: the demo users of a
    database loaded before they had one); audited, the field's name only."""
    validate_email(email)
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
        events.object_changed(actor=None, obj=user, fields=["email"])
    return user
