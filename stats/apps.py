from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        # Django's one place to register checks: after the app registry is ready.
        from stats import checks  # noqa: F401, PLC0415 - registers the system checks
