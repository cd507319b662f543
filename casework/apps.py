from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    """The workflow that ties intake and routing together: every transition with its side
    effects, reminders and escalation, and the team's pages and API over an enquiry."""

    name = "casework"
    verbose_name = _("Casework")
