"""The TryggEst team's own contact for residents: phone, address and opening hours, and words for
when something is open.

The phone, address and hours are settings (``TRYGGEST_TEAM_PHONE``, ``TRYGGEST_TEAM_ADDRESS``,
``TRYGGEST_TEAM_HOURS``); with DEBUG off the service refuses to start without the phone
(``website.checks``), because the residents' pages tell people to call the team.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kernel import opening_hours
from kernel.calendar import OSLO, is_public_holiday

DAY_WORDS = {
    "mon-fri": gettext_lazy("weekdays"),
    "mon-sun": gettext_lazy("every day"),
    "sat-sun": gettext_lazy("weekends"),
}
# Our own names of the days: Django's are missing in some residents' languages.
WEEKDAYS = [
    pgettext_lazy("weekday", "Monday"),
    pgettext_lazy("weekday", "Tuesday"),
    pgettext_lazy("weekday", "Wednesday"),
    pgettext_lazy("weekday", "Thursday"),
    pgettext_lazy("weekday", "Friday"),
    pgettext_lazy("weekday", "Saturday"),
    pgettext_lazy("weekday", "Sunday"),
]


def tel_uri(number: str) -> str:
    """``tel:`` address of a phone number as people write it ("33 35 91 91" → tel:33359191)."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def hours_text(hours: Any) -> str:
    """Opening hours in words, e.g. "weekdays 08:00–15:30"; "" when unknown or "24/7"."""
    if not isinstance(hours, list):
        return ""
    return ", ".join(
        f"{DAY_WORDS.get(period['days'], period['days'])} {period['from']}–{period['to']}"
        for period in hours
    )


def moment_text(moment: dt.datetime, now: dt.datetime) -> str:
    """When something opens, in words: "today at 08:00", "tomorrow at 08:00" or
    "Monday 18.5. at 08:00" (Oslo time)."""
    local, today = moment.astimezone(OSLO), now.astimezone(OSLO).date()
    time = local.strftime("%H:%M")
    if local.date() == today:
        return _("today at %(time)s") % {"time": time}
    if local.date() == today + dt.timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": time}
    return _("%(weekday)s %(date)s at %(time)s") % {
        "weekday": WEEKDAYS[local.weekday()],
        "date": f"{local.day}.{local.month}.",
        "time": time,
    }


@dataclass(frozen=True)
class OpeningState:
    """Whether something is open at a moment, and if not, when it opens (words for residents)."""

    always: bool  # open day and night
    known: bool  # False when the directory has no hours
    open_now: bool
    opens: str  # "" when open, unknown or never within two weeks
    holiday: bool  # today is a Norwegian public holiday

    @classmethod
    def of(cls, hours: Any, now: dt.datetime) -> OpeningState:
        holiday = is_public_holiday(now.astimezone(OSLO).date())
        if hours is None:
            return cls(always=False, known=False, open_now=False, opens="", holiday=holiday)
        is_open = bool(opening_hours.is_open(hours, now))
        opens = ""
        if not is_open:
            moment = opening_hours.next_opening(hours, now)
            opens = moment_text(moment, now) if moment else ""
        return cls(
            always=hours == opening_hours.ALWAYS,
            known=True,
            open_now=is_open,
            opens=opens,
            holiday=holiday,
        )


@dataclass(frozen=True)
class TeamContact:
    phone: str
    phone_uri: str
    address: str
    hours: str  # "weekdays 08:00–15:30"
    state: OpeningState


def team_contact(now: dt.datetime | None = None) -> TeamContact:
    """The team's contact and whether it is at work now (settings; Oslo time, Norwegian holidays)."""
    now = now or timezone.now()
    phone = settings.TRYGGEST_TEAM_PHONE.strip()
    return TeamContact(
        phone=phone,
        phone_uri=tel_uri(phone) if phone else "",
        address=settings.TRYGGEST_TEAM_ADDRESS.strip(),
        hours=hours_text(settings.TRYGGEST_TEAM_HOURS),
        state=OpeningState.of(settings.TRYGGEST_TEAM_HOURS, now),
    )
