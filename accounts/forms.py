"""The sign-in forms (accounts.views) and the admin's user forms (accounts.admin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identity import clean_email, clean_username
from accounts.models import User


class PasswordStepForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6 digits your authenticator app shows for TryggEst, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class _IdentityMixin:
    """The admin's user forms normalise and validate the identity as ``create_user`` does."""

    cleaned_data: dict[str, Any]
    instance: User

    def clean_username(self) -> str:
        try:
            username = clean_username(self.cleaned_data.get("username"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["username"]) from None
        others = User.objects.filter(username__iexact=username)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("A user with that username already exists."))
        return username

    def clean_email(self) -> str:
        try:
            return clean_email(self.cleaned_data.get("email"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["email"]) from None


class StaffUserCreationForm(_IdentityMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


class StaffUserChangeForm(_IdentityMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
