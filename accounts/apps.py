from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and teams")

    def ready(self) -> None:
        # Imported here: models and the admin's template tags need the app registry ready.
        from django.contrib.auth.models import Group  # noqa: PLC0415

        from accounts.roles import role_label  # noqa: PLC0415
        from kernel import admin_display  # noqa: PLC0415

        # A role is a group named by its code ("team_member"); every list, filter and read-only
        # field that shows a group shows the role's label instead (issue 20, item 1).
        Group.__str__ = lambda group: role_label(group.name)  # type: ignore[method-assign]
        admin_display.install()
