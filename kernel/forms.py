"""A service's ValidationError shown on the form that asked for it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_errors(form: forms.Form, exc: ValidationError, *, to: str | None = None) -> None:
    """Each message under its field when the form has one (else above the form), or all of them
    under the field ``to``."""
    for field, messages in exc.message_dict.items():
        target = to or (field if field in form.fields else None)
        for message in messages:
            form.add_error(target, message)
