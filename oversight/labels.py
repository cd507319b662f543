"""What the trail's codes mean, as the auditor reads them: the kinds of object an event is
about (``AuditEvent.object_type``: a model's name, or one of the trail's own kinds)."""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext_lazy as _

_OWN_KINDS = {
    "access_report": _("access report"),
    "auditevent": _("audit trail"),
    "refusal_count": _("refusals counted"),
    "second_factor": _("second sign-in step"),
    "signin_lock": _("sign-in lock"),
    "statistics": _("statistics"),
}


def object_type_label(code: str) -> str:
    """The kind of object ``code`` names ("henvendelse" for ``enquiry``); the code itself for a
    kind nobody has named."""
    if not code:
        return ""
    if code in _OWN_KINDS:
        return str(_OWN_KINDS[code])
    for model in apps.get_models():
        if model._meta.model_name == code:
            return str(model._meta.verbose_name)
    return code
