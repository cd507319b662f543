import contextlib
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from accounts import services
from accounts.forms import StaffUserChangeForm, StaffUserCreationForm
from accounts.models import ServiceKey, ServiceOrganisation, Team, User
from kernel.admin_search import PostedSearchAdmin


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "email")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A staff member may open their own team's page (an enquiry's page links to it).
        own = obj is not None and obj.pk == getattr(request.user, "team_id", None)
        return own or super().has_view_permission(request, obj)

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        context = {**(kwargs.pop("extra_context", None) or {}), "may_list": may_list(self, request)}
        return super().change_view(request, object_id, *args, extra_context=context, **kwargs)


def may_list(model_admin: admin.ModelAdmin, request: HttpRequest) -> bool:
    """Whether the user may open the model's list (its breadcrumbs are links only then)."""
    return bool(
        request.user.has_module_perms(model_admin.opts.app_label)
        and model_admin.has_view_or_change_permission(request)
    )


def _locked_usernames(usernames: list[str]) -> set[str]:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=since)
        .values("username")
        .annotate(total=Sum("failures_since_start"))
    )
    return {r["username"] for r in rows if r["total"] >= settings.AXES_FAILURE_LIMIT}


@admin.register(User)
class UserAdmin(PostedSearchAdmin, DjangoUserAdmin):
    """Superusers create and change users and their roles (every change is an audit event, with
    the roles before and after). Coordinators see their team's users, read-only, and may unlock
    a locked sign-in and reset a lost second factor (``accounts.policies.may_manage_signin``)."""

    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    list_display = ("username", "first_name", "last_name", "team", "is_active", "signin_locked")
    list_filter = ("team", "groups", "is_active")
    fieldsets = (*DjangoUserAdmin.fieldsets, (gettext_lazy("TryggEst"), {"fields": ("team",)}))
    actions = ["unlock_signin", "reset_second_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = super().get_queryset(request).select_related("team")
        if request.user.is_superuser:
            return users
        return users.filter(Q(team_id=request.user.team_id) & Q(team__isnull=False))

    def get_list_display(self, request: HttpRequest) -> Any:
        self._locked = None  # computed once per list page
        return super().get_list_display(request)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not (request.user.is_superuser or request.user.has_perm("accounts.manage_signin")):
            actions.pop("unlock_signin", None)
            actions.pop("reset_second_factor", None)
        return actions

    @admin.display(description=gettext_lazy("sign-in locked"), boolean=True)
    def signin_locked(self, user: User) -> bool:
        if getattr(self, "_locked", None) is None:
            self._locked = _locked_usernames(list(User.objects.values_list("username", flat=True)))
        return user.username in self._locked

    @admin.action(description=gettext_lazy("Unlock sign-in"))
    def unlock_signin(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._for_each(request, queryset, services.signin_unlock, _("Sign-in unlocked for %s."))

    @admin.action(description=gettext_lazy("Reset the second step (lost phone or key)"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._for_each(
            request,
            queryset,
            services.second_factor_reset,
            _("The second step of %s was reset; they set up a new one at their next sign-in."),
        )

    def _for_each(self, request: HttpRequest, queryset: Any, service: Any, done: str) -> None:
        for user in queryset:
            try:
                service(actor=request.user, user=user)
            except PermissionDenied as exc:
                self.message_user(request, f"{user.username}: {exc}", messages.ERROR)
            else:
                self.message_user(request, done % user.username, messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever works the team's enquiries may open a colleague's page (the enquiry's page
        # links to whoever it is assigned to); the list stays the coordinators'.
        colleague = (
            obj is not None
            and obj.team_id is not None
            and obj.team_id == getattr(request.user, "team_id", None)
            and request.user.has_perm("intake.view_enquiry")
        )
        return colleague or super().has_view_permission(request, obj)

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        context = {**(kwargs.pop("extra_context", None) or {}), "may_list": may_list(self, request)}
        return super().change_view(request, object_id, *args, extra_context=context, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # Only superusers set passwords: no "Reset password" link that leads to a refusal.
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "password"]})
            for name, opts in fieldsets
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the audit trail names users; deactivate instead

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        self._roles_before = (
            list(obj.groups.values_list("name", flat=True)) if change and obj.pk else []
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.user_changed(
            actor=request.user,
            user=form.instance,
            fields=form.changed_data,
            roles_before=getattr(self, "_roles_before", []),
            created=not change,
        )


# Roles are Django groups; a change of their permissions is an audit event (before and after).
with contextlib.suppress(admin.sites.NotRegistered):
    admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(PostedSearchAdmin, DjangoGroupAdmin):
    """Roles are groups; the search box is POSTed like every admin's here (kernel.admin_search)."""

    def save_model(self, request: HttpRequest, obj: Group, form: Any, change: bool) -> None:
        self._before = (
            [
                f"{p.content_type.app_label}.{p.codename}"
                for p in obj.permissions.select_related("content_type")
            ]
            if change and obj.pk
            else []
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.role_changed(
            actor=request.user,
            group=form.instance,
            permissions_before=getattr(self, "_before", []),
            created=not change,
        )


@admin.register(ServiceOrganisation)
class ServiceOrganisationAdmin(PostedSearchAdmin, admin.ModelAdmin):
    list_display = ("name", "slug", "answers_for", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")

    @admin.display(description=gettext_lazy("helping service"))
    def answers_for(self, organisation: ServiceOrganisation) -> object:
        # Linked from the directory's side (routing.HelpService.organisation).
        return organisation.service or "–"

    def save_model(
        self, request: HttpRequest, obj: ServiceOrganisation, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        services.organisation_changed(
            actor=request.user, organisation=obj, fields=form.changed_data, created=not change
        )


@admin.register(ServiceKey)
class ServiceKeyAdmin(PostedSearchAdmin, APIKeyModelAdmin):
    """Keys are created here or with ``create_service_key`` and shown once; revoking is final.
    Every creation and change is an audit event naming the key by its public prefix."""

    list_display = (*APIKeyModelAdmin.list_display, "organisation")
    list_filter = ("organisation", "revoked")

    def save_model(self, request: HttpRequest, obj: ServiceKey, form: Any, change: bool) -> None:
        before = {name: form.initial.get(name) for name in ("name", "revoked", "expiry_date")}
        super().save_model(request, obj, form, change)
        services.service_key_changed(
            actor=request.user,
            key=obj,
            fields=form.changed_data if change else ["created"],
            before=before if change else {},
        )


# The library's own key model is unused: every key belongs to an organisation (ServiceKey).
with contextlib.suppress(admin.sites.NotRegistered):
    admin.site.unregister(APIKey)


# Second factors are set up, listed and removed through the sign-in pages (the user's own) and the
# coordinator's audited reset (UserAdmin); django-otp's own admin pages would show a TOTP key or
# unused recovery codes and change devices with no audit event, so they are not offered.
for _device in (TOTPDevice, StaticDevice):
    with contextlib.suppress(admin.sites.NotRegistered):
        admin.site.unregister(_device)
