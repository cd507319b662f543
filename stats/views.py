"""The managers' dashboard at /stats/ and the yearly report: numbers and charts, no persons, no CDN,
no JavaScript. Each shows a period beside the same period last year, and downloads as a CSV file
for Excel (Norwegian, ``;``, with a byte-order mark) or plain UTF-8 for machines (the API's form).
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.calendar import oslo_today
from stats import report
from stats.selectors import published_case_flows, same_period_last_year, write_csv
from stats.validators import EARLIEST, LATEST, validate_statistics_date

DOWNLOADS = ("excel", "csv")


class RangeForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_statistics_date],
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_statistics_date],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The start must not be after the end."))
        return data


def _with_last_year(this: tuple[dt.date, dt.date]) -> list[tuple[dt.date, dt.date]]:
    """The range and the same days last year (when last year is within the years covered)."""
    last = same_period_last_year(*this)
    return [this, last] if last[0] >= EARLIEST else [this]


def _download(
    *,
    kind: str,
    periods: list[dict[str, Any]],
    ranges: list[tuple[dt.date, dt.date]],
    filename: str,
    notes: list[str],
) -> HttpResponse:
    """The statistics as a CSV file: ``excel`` (a person's table, for Excel in a Norwegian locale)
    or ``csv`` (the machine-readable path,value form of the API, plain UTF-8)."""
    out = io.StringIO()
    if kind == "excel":
        report.write_excel_csv(report.build(periods, ranges), out, notes=notes)
        content_type, name = "text/csv; charset=utf-8", f"{filename}-excel.csv"
    else:
        write_csv(periods[0], out)
        content_type, name = "text/csv; charset=utf-8", f"{filename}.csv"
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _notes(ranges: list[tuple[dt.date, dt.date]], *, rounded: bool) -> list[str]:
    notes = [
        _("TryggEst, %(municipality)s: enquiries received %(period)s.")
        % {
            "municipality": settings.TRYGGEST_MUNICIPALITY,
            "period": report.period_label(*ranges[0]),
        }
    ]
    if len(ranges) > 1:
        notes.append(
            _("Compared with the same period last year: %(period)s.")
            % {"period": report.period_label(*ranges[1])}
        )
    if rounded:
        notes.append(_("Every count shown is rounded to the nearest 5."))
    return notes


@login_required
@permission_required("intake.view_statistics", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Any range (for the municipality's own follow-up, not for publication): exact counts with
    small ones hidden, beside the same days last year."""
    today = oslo_today()
    params = {k: v for k, v in request.GET.items() if k in ("date_from", "date_to")}
    form = RangeForm(params or {"date_from": dt.date(today.year, 1, 1), "date_to": today})
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Case-flow statistics"),
        "form": form,
        "municipality": settings.TRYGGEST_MUNICIPALITY,
    }
    if not form.is_valid():
        return render(request, "stats/dashboard.html", context, status=400)
    this = (form.cleaned_data["date_from"], form.cleaned_data["date_to"])
    ranges = _with_last_year(this)
    download = request.GET.get("format")
    periods = published_case_flows(actor=request.user, ranges=ranges, export=download in DOWNLOADS)
    if download in DOWNLOADS:
        return _download(
            kind=download,
            periods=periods,
            ranges=ranges,
            filename=f"tryggest-{this[0].isoformat()}-{this[1].isoformat()}",
            notes=_notes(ranges, rounded=False),
        )
    context.update(
        report=report.build(periods, ranges),
        data=periods[0],
        query=f"date_from={this[0].isoformat()}&date_to={this[1].isoformat()}",
    )
    return render(request, "stats/dashboard.html", context)


def publishable_months(year: int, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The whole calendar months of ``year`` that are over by ``today``: the whole year once it is
    past, January up to last month during it, None before its first month is over."""
    if year < today.year:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if year > today.year or today.month == 1:
        return None
    last_month = today.month - 1
    return dt.date(year, 1, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=EARLIEST.year, max_value=LATEST.year
    )

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if publishable_months(year, oslo_today()) is None:
            raise forms.ValidationError(
                _("The report covers whole months that are over; %(year)s has none yet.")
                % {"year": year}
            )
        return year


@login_required
@permission_required("intake.view_statistics", raise_exception=True)
def yearly_report(request: HttpRequest) -> HttpResponse:
    """The year's figures for the council, Bufdir and the plan's evaluation: printable, or as CSV.

    Meant for publication, so whole calendar months only (the current year up to the end of last
    month) and every count rounded to the nearest 5, beside the same months of the year before
    (``stats.disclosure``: why)."""
    today = oslo_today()
    default_year = today.year if today.month > 1 else today.year - 1
    form = YearForm({"year": request.GET.get("year") or default_year})
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Yearly report"),
        "form": form,
        "municipality": settings.TRYGGEST_MUNICIPALITY,
    }
    if not form.is_valid():
        return render(request, "stats/yearly.html", context, status=400)
    year = form.cleaned_data["year"]
    this = publishable_months(year, today)
    assert this is not None  # the form refused a year without a whole month
    ranges = _with_last_year(this)
    download = request.GET.get("format")
    periods = published_case_flows(
        actor=request.user, ranges=ranges, export=download in DOWNLOADS, round_to_5=True
    )
    if download in DOWNLOADS:
        return _download(
            kind=download,
            periods=periods,
            ranges=ranges,
            filename=f"tryggest-arsrapport-{year}",
            notes=_notes(ranges, rounded=True),
        )
    context.update(
        title=_("Yearly report %(year)s") % {"year": year},
        year=year,
        whole_year=this[1] == dt.date(year, 12, 31),
        report=report.build(periods, ranges),
        data=periods[0],
        period=report.period_label(*this),
        last_period=report.period_label(*ranges[1]) if len(ranges) > 1 else "",
    )
    return render(request, "stats/yearly.html", context)
