from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """The auditor's and the data protection officer's tools: reading the audit trail and the
    access reports (who read or changed what about an enquiry or a person)."""

    name = "oversight"
    verbose_name = _("Oversight")
