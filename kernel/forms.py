"""A service's ValidationError shown on the form that asked for it; text limits stated, never
enforced by the browser's cut."""

from __future__ import annotations

from typing import Any

from django import forms, http
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def add_errors(form: forms.Form, exc: ValidationError, *, to: str | None = None) -> None:
    """Each message under its field when the form has one (else above the form), or all of them
    under the field ``to``. A ValidationError without fields goes above the form (or to ``to``)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(to, message)
        return
    for field, messages in exc.message_dict.items():
        target = to or (field if field in form.fields else None)
        for message in messages:
            form.add_error(target, message)


class ServiceRefusalsOnForm:
    """For a ModelAdmin whose ``save_model`` (or ``delete_model``) calls a service: a
    ValidationError the service raises after the form was valid is shown on the form, beside
    its field, with what the user typed; never a 500.

    Django's admin has no hook between saving and rendering, so the refused save (whose writes
    the admin's transaction has rolled back) is answered by validating the same POST again with
    the service's errors added to the form's own.
    """

    def changeform_view(
        self,
        request: http.HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> http.HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            if request.method != "POST" or hasattr(request, "_service_refusal"):
                raise
            request._service_refusal = exc  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def get_form(self, request: http.HttpRequest, *args: Any, **kwargs: Any) -> Any:
        form_class = super().get_form(request, *args, **kwargs)  # type: ignore[misc]
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class

        class RefusedByTheService(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> Any:
                data = super().clean()
                add_errors(self, refusal)
                return data

        RefusedByTheService.__name__ = form_class.__name__
        return RefusedByTheService


class LimitsStated(forms.Form):
    """A form whose text limits are stated and enforced on the server, never by the browser.

    Django gives a text field with ``max_length`` a ``maxlength`` attribute, and browsers cut a
    pasted or typed text there without a word: a case worker's note would lose its end and the
    page would say it was saved. Here the attribute is removed and the limit is said in the
    field's help text; a longer text is refused on the field with the whole text kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            limit = getattr(field, "max_length", None)
            if not limit or "maxlength" not in field.widget.attrs:
                continue
            del field.widget.attrs["maxlength"]
            stated = _("At most %(limit)d characters.") % {"limit": limit}
            field.help_text = f"{field.help_text} {stated}".strip() if field.help_text else stated
