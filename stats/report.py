"""The statistics as a person reads them: sections and rows with names (never codes or slugs),
months by name, a period beside the same period last year, hidden counts as "<5" or "hidden";
and the same as a CSV file for Excel in a Norwegian locale.

Built from what ``stats.selectors.published_case_flows`` returns (already protected by
``stats.disclosure``); nothing here sees an unprotected count.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team
from kernel.vocabulary import label
from routing.models import HelpService
from stats.rollup import COUNTED, LISTED, REFERRAL_MEASURES

# The breakdowns in the order a report shows them, with their titles.
BREAKDOWNS = [
    ("by_state", gettext_lazy("State")),
    ("by_channel", gettext_lazy("Channel")),
    ("by_reporter_type", gettext_lazy("Who reported")),
    ("by_risk_level", gettext_lazy("Risk level")),
    ("by_violence_type", gettext_lazy("Type of violence")),
    ("by_risk_factor", gettext_lazy("Vulnerability")),
    ("by_relation", gettext_lazy("Perpetrator's relation")),
    ("by_location", gettext_lazy("Location")),
    ("by_outcome", gettext_lazy("Outcome of closed enquiries")),
    ("by_outcome_asked", gettext_lazy("Was the adult asked what outcome they want?")),
    ("by_outcome_achieved", gettext_lazy("Was it achieved?")),
    ("by_measure", gettext_lazy("Measures taken in closed enquiries")),
    ("by_age_group", gettext_lazy("Age group")),
    ("by_gender", gettext_lazy("Gender")),
    ("by_team", gettext_lazy("Team")),
    ("by_repeat", gettext_lazy("First enquiry or repeat")),
]
# Issue 17: the repeat breakdown's codes are not vocabulary (stats.selectors.REPEAT_CODES).
REPEAT_LABELS = {
    "first": gettext_lazy("First enquiry about this adult"),
    "repeat_within_12_months": gettext_lazy("Repeat within 12 months"),
}
GROUPS = {key: group for key, (_column, group) in {**COUNTED, **LISTED}.items()}
MEASURES = {
    "sent": gettext_lazy("Sent"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "declined": gettext_lazy("Declined"),
    "completed": gettext_lazy("Completed"),
    "withdrawn": gettext_lazy("Withdrawn"),
}
assert set(MEASURES) == set(REFERRAL_MEASURES)
TIMES = [
    ("median_hours_to_assessment", gettext_lazy("To the first risk assessment, median")),
    ("p90_hours_to_assessment", gettext_lazy("To the first risk assessment, 9 in 10 within")),
    (
        "median_hours_to_forward",
        gettext_lazy("From the first assessment to the first forwarding, median"),
    ),
    (
        "p90_hours_to_forward",
        gettext_lazy("From the first assessment to the first forwarding, 9 in 10 within"),
    ),
    ("median_hours_to_acknowledgement", gettext_lazy("To the service's acknowledgement, median")),
    (
        "p90_hours_to_acknowledgement",
        gettext_lazy("To the service's acknowledgement, 9 in 10 within"),
    ),
]

SMALL = "small"  # 1–4
PROTECTING = "protecting"  # hidden so that a small count cannot be worked out


@dataclass(frozen=True)
class Cell:
    """One number of a report: a count, a time in hours, or a hidden count."""

    value: int | float | None
    hidden: str = ""

    @property
    def text(self) -> str:
        if self.hidden == SMALL:
            return "<5"
        if self.hidden == PROTECTING:
            return str(_("hidden"))
        if self.value is None:
            return "–"
        if isinstance(self.value, float):
            return formats.number_format(self.value, 1)
        return str(self.value)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    percent: int = 0  # the first period's bar, against the largest count of the section


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)

    @property
    def withheld(self) -> bool:
        """Every count hidden to protect the others: the breakdown is not shown at all."""
        return bool(self.rows) and all(r.cells[0].hidden == PROTECTING for r in self.rows)


@dataclass
class Report:
    periods: list[str]  # "1. januar 2026 – 30. november 2026", then last year's
    columns: list[str]  # the same, short enough for a column head: "2026", "2025"
    headline: list[Row]
    months: Section
    sections: list[Section]
    referrals: Section
    times: Section


def _cell(data: dict[str, Any], path: str) -> Cell:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None and path in data.get("suppressed", []):
        kind = PROTECTING if path in data.get("hidden_to_protect", []) else SMALL
        return Cell(None, kind)
    return Cell(value)


def period_label(date_from: dt.date, date_to: dt.date) -> str:
    return f"{formats.date_format(date_from)} – {formats.date_format(date_to)}"


def column_label(date_from: dt.date, date_to: dt.date) -> str:
    """A period's column head: its year, or its years ("2025–2026")."""
    if date_from.year == date_to.year:
        return str(date_from.year)
    return f"{date_from.year}–{date_to.year}"


def month_label(key: str) -> str:
    """ "2026-03" as "Mars 2026" (the active language's month name)."""
    year, month = (int(part) for part in key.split("-"))
    return capfirst(formats.date_format(dt.date(year, month, 1), "F Y"))


def _with_bars(section: Section) -> Section:
    top = max((r.cells[0].value or 0 for r in section.rows), default=0) or 1
    for row in section.rows:
        row.percent = round(100 * (row.cells[0].value or 0) / top)
    return section


def build(periods: list[dict[str, Any]], ranges: list[tuple[dt.date, dt.date]]) -> Report:
    """The report of ``periods`` (published statistics, the first one the period of interest)
    over ``ranges`` (the same order)."""
    first = periods[0]
    services = dict(HelpService.objects.values_list("slug", "name"))
    teams = dict(Team.objects.values_list("slug", "name"))

    def row(text: str, path: str) -> Row:
        return Row(str(text), [_cell(data, path) for data in periods])

    headline = [row(_("Enquiries received"), "total_received")]
    months = Section("by_month", str(_("Enquiries by month")))
    for index, key in enumerate(first["by_month"]):
        cells = []
        for data in periods:
            keys = list(data["by_month"])
            cells.append(
                _cell(data, f"by_month.{keys[index]}") if index < len(keys) else Cell(None)
            )
        months.rows.append(Row(month_label(key), cells))

    sections = []
    for key, title in BREAKDOWNS:
        section = Section(key, str(title))
        for code in first[key]:
            if key == "by_team":
                name = teams.get(code, code)
            elif key == "by_repeat":
                name = str(REPEAT_LABELS[code])
            else:
                name = str(label(GROUPS[key], code))
            section.rows.append(row(name, f"{key}.{code}"))
        sections.append(_with_bars(section))

    referrals = Section("referrals_by_service", str(_("Referrals per service")))
    for slug in first["referrals_by_service"]:
        cells = [
            _cell(data, f"referrals_by_service.{slug}.{measure}")
            for data in periods
            for measure in MEASURES
        ]
        if any(c.value or c.hidden for c in cells):
            referrals.rows.append(Row(services.get(slug, slug), cells))

    times = Section("times", str(_("Time taken, in hours")))
    for key, text in TIMES:
        times.rows.append(row(str(text), key))

    return Report(
        periods=[period_label(a, b) for a, b in ranges],
        columns=[column_label(a, b) for a, b in ranges],
        headline=headline,
        months=_with_bars(months),
        sections=sections,
        referrals=referrals,
        times=times,
    )


def _excel_number(cell: Cell) -> str:
    """A cell as Excel in a Norwegian locale reads it: a decimal comma, "<5" and "hidden" as text."""
    if isinstance(cell.value, float) and not cell.hidden:
        return f"{cell.value:.1f}".replace(".", ",")
    return cell.text


def write_excel_csv(report: Report, out: Any, *, notes: list[str]) -> None:
    """The report as a CSV file for Excel in a Norwegian locale: UTF-8 with a byte-order mark (so
    Excel reads æøå), ``;`` between fields (the list separator where the comma is the decimal
    sign), decimal commas, a header row a person reads, one row per number. ``notes`` (the
    municipality, the period, rounding) and an explanation of "<5" and "hidden" follow the table
    after an empty row, so that the first row is the header."""
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    period_headers = [_("Number, %(period)s") % {"period": p} for p in report.periods]
    writer.writerow([_("Area"), _("Category"), *period_headers])
    for row in report.headline:
        writer.writerow([_("In short"), row.label, *(_excel_number(c) for c in row.cells)])
    for row in report.months.rows:
        writer.writerow([report.months.title, row.label, *(_excel_number(c) for c in row.cells)])
    for section in report.sections:
        for row in section.rows:
            writer.writerow([section.title, row.label, *(_excel_number(c) for c in row.cells)])
    measures = len(MEASURES)
    for row in report.referrals.rows:
        for index, measure in enumerate(MEASURES.values()):
            cells = row.cells[index::measures]
            writer.writerow(
                [
                    _("Referrals: %(measure)s") % {"measure": str(measure).lower()},
                    row.label,
                    *(_excel_number(c) for c in cells),
                ]
            )
    for row in report.times.rows:
        writer.writerow([report.times.title, row.label, *(_excel_number(c) for c in row.cells)])
    writer.writerow([])
    for note in notes:
        writer.writerow([note])
    writer.writerow(
        [_("<5: from 1 to 4 enquiries, not shown so that no person can be recognised.")]
    )
    writer.writerow(
        [_("hidden: not shown, so that a count under 5 cannot be worked out from the others.")]
    )
