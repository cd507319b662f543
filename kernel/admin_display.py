"""Two of the Django admin's own displays that no template or catalogue can reach, made to read
in the user's language (issue 20, item 1); installed once by ``accounts.apps``.

- A boolean is shown as an icon whose ``alt`` is Python's ``True``/``False``/``None``
  (``django.contrib.admin.templatetags.admin_list._boolean_icon``, used by the lists and by
  read-only fields): here the alt says "Ja", "Nei" or "Ukjent".
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

_ICONS = {True: ("yes", _("Yes")), False: ("no", _("No")), None: ("unknown", _("Unknown"))}


def boolean_icon(value: Any) -> SafeString:
    """The admin's yes/no/unknown icon for ``value`` with a translated ``alt``."""
    icon, label = _ICONS[None if value is None else bool(value)]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), label)


def install() -> None:
    """Replace the admin's icon function (it is looked up at each call, so this reaches every
    list and read-only field)."""
    admin_list._boolean_icon = boolean_icon
