from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Django's one place for receivers: after the app registry is ready (not a cycle dodged).
        from audit import signals  # noqa: F401, PLC0415 - login, failed login and logout events
