from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from accounts.identity import normalise_username
from audit.events import Actor


class Team(models.Model):
    """A TryggEst team. Every enquiry belongs to exactly one; staff see only their own team's."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("team e-mail"), blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffUserManager(UserManager):
    def get_by_natural_key(self, username: str | None) -> User:
        # Whatever the sign-in form got ("Kari ", "KARI"), it looks up the one stored form.
        return self.get(**{self.model.USERNAME_FIELD: normalise_username(username)})


class User(AbstractUser):
    """A staff user. Roles are Django groups (see accounts.roles).

    The username is stored normalised (``accounts.identity``) and is unique whatever its case,
    by a database constraint as well.
    """

    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )

    objects = StaffUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            (
                "manage_signin",
                _("Can unlock sign-in and reset the second factor of the team's users"),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message=_("A user with that username already exists."),
            )
        ]

    @classmethod
    def normalize_username(cls, username: str) -> str:
        return normalise_username(username)


class ExternalIdentity(models.Model):
    """The link between a staff user and their account at the sign-in provider (OIDC ``iss`` and
    ``sub``; for Entra ID the object id is stable, the name may change)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(_("issuer"), max_length=300)
    subject = models.CharField(_("subject"), max_length=300)
    linked_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="accounts_externalidentity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"


class ServiceOrganisation(models.Model):
    """An outside organisation that calls the API with a key: a submitting service (NAV, home
    nursing, a GP office) or a receiving helping service from the directory, or both.

    It stands in for ``request.user`` when a key authenticates, so it answers the few questions
    the permission code asks of a user, always as "no team, no permission": staff policies can
    never mistake it for a member of a team.
    """

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # Duck-typing a user for DRF and the policies: authenticated, but no team and no permissions.
    is_authenticated = True
    is_anonymous = False
    is_staff = False
    team_id = None

    class Meta:
        verbose_name = _("service organisation")
        verbose_name_plural = _("service organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def get_username(self) -> str:
        return self.slug

    @property
    def service(self) -> Any:
        """The directory entry (``routing.HelpService``) whose referrals this organisation
        answers, or None for a submitter only. The link is kept on the directory's side
        (``HelpService.organisation``): accounts sits below routing and never points up at it."""
        return getattr(self, "help_service", None)

    def audit_actor(self) -> Actor:
        return Actor("service", self.slug, str(self.pk))


class ServiceKey(AbstractAPIKey):
    """An organisation's API key, stored hashed (djangorestframework-api-key); shown once."""

    organisation = models.ForeignKey(
        ServiceOrganisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="keys",
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("service key")
        verbose_name_plural = _("service keys")
