from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.sqlite_triggers import keep_after_migrations
from stats import triggers


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        # Django's one place to register checks: after the app registry is ready.
        from stats import checks  # noqa: F401, PLC0415 - registers the system checks

        # A rebuild of the enquiry or referral table on SQLite drops their marking triggers.
        keep_after_migrations(
            self, introduced_by="0006_rollup_by_differences", statements=triggers.sqlite_sql
        )
