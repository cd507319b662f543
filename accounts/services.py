"""Writes of staff users, teams, their second factors and sign-in locks."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterable
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import policies
from accounts.identity import clean_email, clean_username, normalise_username
from accounts.models import ExternalIdentity, ServiceKey, ServiceOrganisation, Team, User
from accounts.roles import ROLES
from audit import events

RECOVERY_CODES = 10


def username_taken(username: str, *, exclude_pk: Any = None) -> bool:
    """Whether another user has this username, whatever its case or surrounding spaces."""
    others = User.objects.filter(username__iexact=normalise_username(username))
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValidationError(
            {
                "roles": _("Unknown role(s): %(unknown)s. Roles: %(roles)s.")
                % {"unknown": ", ".join(unknown), "roles": ", ".join(ROLES)}
            }
        )
    if not roles:
        raise ValidationError({"roles": _("Give at least one role.")})
    return roles


def totp_key_from_base32(secret: str) -> str:
    """A TOTP secret as authenticator apps and provisioning scripts write it (RFC 4648 base32,
    any case, spaces and missing padding allowed) → django-otp's hex key. At least 80 bits
    (RFC 4226, section 4); ``ValidationError`` otherwise."""
    text = "".join(str(secret or "").split()).upper().rstrip("=")
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise ValidationError(
            {"totp_secret": _("The TOTP secret must be base32 (letters A-Z and digits 2-7).")}
        ) from None
    if len(raw) < 10:
        raise ValidationError(
            {"totp_secret": _("The TOTP secret must be at least 80 bits (16 base32 characters).")}
        )
    return raw.hex()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    roles: Iterable[str],
    team_slug: str = "tonsberg",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    totp_secret: str | None = None,
    actor: Any = None,
) -> User:
    """A staff user who signs in at /admin/login/ (or by single sign-on when ``password`` is
    None: no usable password).

    The username is normalised and must be unique whatever its case (``accounts.identity``); the
    e-mail address must be one; the password must pass the validators, run with this user (so
    a password like the username is refused). ``totp_secret`` (base32) enrols a TOTP second
    factor (RFC 6238: SHA-1, 6 digits, 30 s). Raises ``ValidationError`` keyed by field.
    """
    username = clean_username(username)
    email = clean_email(email)
    roles = _check_roles(roles)
    if username_taken(username):
        raise ValidationError(
            {"username": _("The user %(username)s exists already.") % {"username": username}}
        )
    totp_key = totp_key_from_base32(totp_secret) if totp_secret else None
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password is not None:
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    team, _created = Team.objects.get_or_create(slug=team_slug, defaults={"name": team_slug})
    # Every role signs in at /admin/login/, which needs is_staff.
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
    events.object_created(actor=actor, obj=user)
    events.object_changed(
        actor=actor, obj=user, fields=["roles"], changes={"roles": ([], sorted(roles))}
    )
    if totp_key:
        totp_enrol(user=user, key=totp_key, actor=actor)
    return user


# --- Second factors ---


@transaction.atomic
def totp_enrol(*, user: User, key: str, actor: Any = None, name: str = "TOTP") -> TOTPDevice:
    """A confirmed TOTP device (django-otp: SHA-1, 6 digits, 30 s) with the hex ``key``."""
    device = TOTPDevice.objects.create(
        user=user, key=key, name=name, digits=6, step=30, confirmed=True
    )
    events.object_created(actor=actor if actor is not None else user, obj=device)
    return device


@transaction.atomic
def recovery_codes_create(*, user: User, actor: Any = None) -> list[str]:
    """Ten new single-use recovery codes for ``user``; the old ones stop working. Returned
    once, to be shown once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_recovery_code() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    events.object_changed(
        actor=actor if actor is not None else user, obj=device, fields=["recovery_codes"]
    )
    return codes


def _recovery_code() -> str:
    # 10 characters from a 32-letter alphabet without look-alikes: 50 bits, single use.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _i in range(10))


def confirmed_devices(user: User) -> list[Any]:
    """The user's second factors (TOTP devices, security keys, the recovery codes)."""
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *WebAuthnCredential.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]


def has_primary_factor(user: User) -> bool:
    """Enrolled: a TOTP device or a security key (recovery codes alone are not enough)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


@transaction.atomic
def second_factor_reset(*, actor: Any, user: User, reason: str = "") -> int:
    """A coordinator removes every second factor of a user of their team (a lost phone, a lost
    key): the user's verified sessions stop being verified at once, and the next sign-in asks
    them to enrol again. Never one's own (another coordinator does it). Returns how many
    factors were removed; ``PermissionDenied`` for anyone else."""
    if not policies.may_manage_signin(actor, user):
        raise PermissionDenied(_("You may not reset this user's second factor."))
    removed = 0
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        count, _detail = model.objects.filter(user=user).delete()
        removed += count
    events.object_changed(
        actor=actor, obj=user, fields=["second_factor"], reason=(reason or "")[:1000]
    )
    return removed


@transaction.atomic
def signin_unlock(*, actor: Any, user: User) -> int:
    """A coordinator lifts the sign-in lock (django-axes) of a user of their team before it
    expires. Returns how many counters were cleared; ``PermissionDenied`` for anyone else."""
    if not policies.may_manage_signin(actor, user):
        raise PermissionDenied(_("You may not unlock this user's sign-in."))
    cleared = axes_reset(username=user.get_username())
    events.object_changed(actor=actor, obj=user, fields=["signin_lock"])
    return cleared


# --- Users and roles changed in the admin ---


@transaction.atomic
def user_changed(
    *,
    actor: Any,
    user: User,
    fields: Iterable[str],
    roles_before: Iterable[str] | None = None,
    created: bool = False,
) -> None:
    """Record a change of a user made in the admin: the names of the fields that changed (their
    values are personal data), and the roles before and after (not personal)."""
    if created:
        events.object_created(actor=actor, obj=user)
    roles_after = sorted(user.groups.values_list("name", flat=True))
    changes = {}
    if roles_before is not None and sorted(roles_before) != roles_after:
        changes["roles"] = (sorted(roles_before), roles_after)
    names = {f for f in fields if f not in {"groups", "password"}}
    if "password" in fields:
        names.add("password")
    if changes:
        names.add("roles")
    for flag in ("is_active", "is_staff", "is_superuser"):
        if flag in names:
            changes[flag] = (not getattr(user, flag), getattr(user, flag))
    if names:
        events.object_changed(actor=actor, obj=user, fields=sorted(names), changes=changes)


@transaction.atomic
def role_changed(
    *, actor: Any, group: Group, permissions_before: Iterable[str], created: bool = False
) -> None:
    """A role's (Django group's) permissions were changed in the admin: before and after."""
    if created:
        events.object_created(actor=actor, obj=group)
    after = sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    )
    before = sorted(permissions_before)
    if before != after:
        events.object_changed(
            actor=actor,
            obj=group,
            fields=["permissions"],
            changes={"permissions": (before, after)},
        )


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
    name_limit = ServiceOrganisation._meta.get_field("name").max_length
    if name and len(name) > name_limit:
        raise ValidationError(_("At most %(limit)d characters.") % {"limit": name_limit})
    organisation, created = ServiceOrganisation.objects.get_or_create(
        slug=slug, defaults={"name": name or slug}
    )
    if created:
        events.object_created(actor=None, obj=organisation)
    # The key's own name (the library allows 50 characters) is the day it was made, never a cut
    # of the organisation's name: the key list shows the organisation beside it.
    key_name = timezone.localdate().isoformat()
    key, plain = ServiceKey.objects.create_key(name=key_name, organisation=organisation)
    # The key's primary key embeds its hash; the audit trail names it by its public prefix.
    events.record(action="create", actor=None, object_type="servicekey", object_id=key.prefix)
    return key, plain, organisation, created


@transaction.atomic
def service_key_changed(
    *, actor: Any, key: ServiceKey, fields: Iterable[str], before: dict[str, Any]
) -> None:
    """A key changed in the admin (name, expiry, revoked): the fields, before and after. A key
    is named by its public prefix; its secret part is never stored."""
    changes = {
        name: (_plain(before.get(name)), _plain(getattr(key, name)))
        for name in fields
        if name in {"name", "revoked", "expiry_date"}
    }
    events.record(
        action="update",
        actor=actor,
        object_type="servicekey",
        object_id=key.prefix,
        fields=list(fields),
        filters={"changes": changes} if changes else None,
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- Single sign-on ---


@transaction.atomic
def user_sync_from_sso(
    *,
    issuer: str,
    subject: str,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[str],
    team_slug: str,
) -> User:
    """The staff user for a sign-in at the municipality's provider, made to agree with its claims.

    Found by the provider's stable subject (``ExternalIdentity``); on a first sign-in, a local
    user with the same (normalised) username is linked (the municipality created them before
    turning on single sign-on), otherwise one is created without a usable password. Roles and team
    become what the claims say. The username is normalised and validated as everywhere
    (``ValidationError`` when it is not a valid one); every change is an audit event.
    """
    username = clean_username(username)
    email = clean_email(email)
    roles = _check_roles(roles)
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
    else:
        user = User.objects.filter(username=username).first()
        if user is None:
            return _sso_user_create(
                issuer=issuer,
                subject=subject,
                username=username,
                email=email,
                first_name=first_name,
                last_name=last_name,
                roles=roles,
                team_slug=team_slug,
            )
        identity = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        events.object_created(actor=SSO_ACTOR, obj=identity)
    _sso_user_update(user=user, username=username, email=email, roles=roles, team_slug=team_slug)
    return user


SSO_ACTOR = events.Actor("system", "sso")


def _sso_user_create(
    *, issuer: str, subject: str, roles: list[str], team_slug: str, **fields: Any
) -> User:
    team, _created = Team.objects.get_or_create(slug=team_slug, defaults={"name": team_slug})
    user = User.objects.create_user(password=None, team=team, is_staff=True, **fields)
    user.groups.set(Group.objects.filter(name__in=roles))
    ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    events.object_created(actor=SSO_ACTOR, obj=user)
    events.object_changed(
        actor=SSO_ACTOR,
        obj=user,
        fields=["roles", "team"],
        changes={"roles": ([], sorted(roles)), "team": (None, team_slug)},
    )
    return user


def _sso_user_update(
    *, user: User, username: str, email: str, roles: list[str], team_slug: str
) -> None:
    fields: list[str] = []
    changes: dict[str, tuple[Any, Any]] = {}
    if user.username != username and not username_taken(username, exclude_pk=user.pk):
        user.username = username
        fields.append("username")
    if email and user.email != email:
        user.email = email
        fields.append("email")
    team, _created = Team.objects.get_or_create(slug=team_slug, defaults={"name": team_slug})
    if user.team_id != team.pk:
        changes["team"] = (user.team.slug if user.team else None, team.slug)
        user.team = team
        fields.append("team")
    if fields:
        user.save(update_fields=fields)
    before = sorted(user.groups.values_list("name", flat=True))
    if before != sorted(roles):
        user.groups.set(Group.objects.filter(name__in=roles))
        changes["roles"] = (before, sorted(roles))
        fields.append("roles")
    if fields:
        events.object_changed(actor=SSO_ACTOR, obj=user, fields=fields, changes=changes)


@transaction.atomic
def organisation_changed(
    *, actor: Any, organisation: ServiceOrganisation, fields: Iterable[str], created: bool
) -> None:
    """An organisation created or changed in the admin (its name, slug, whether active: not
    personal data, so old and new are kept)."""
    if created:
        events.object_created(actor=actor, obj=organisation)
        return
    names = list(fields)
    if names:
        events.object_changed(actor=actor, obj=organisation, fields=names)


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
