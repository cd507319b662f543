from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebsiteConfig(AppConfig):
    name = "website"
    verbose_name = _("The residents' website")

    def ready(self) -> None:
        # Django's one place to register checks: after the app registry is ready.
        from website import checks  # noqa: F401, PLC0415 - registers the system checks
