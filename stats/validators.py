"""The dates a statistics range may take: the same for the dashboard and the API."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The yearly report's years too (stats.views.YearForm). Beyond them a date has no enquiries, and
# the calendar arithmetic of a range (the day after its end) would overflow at year 9999.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


def validate_statistics_date(value: dt.date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(
            _("Give a date from %(earliest)s to %(latest)s."),
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            code="out_of_range",
        )
