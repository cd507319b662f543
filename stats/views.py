"""The managers' dashboard at /stats/: numbers and charts, no persons, no CDN, no JavaScript."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from kernel.calendar import oslo_today
from kernel.vocabulary import label
from stats.rollup import COUNTED, LISTED
from stats.selectors import published_case_flow, write_csv
from stats.validators import EARLIEST, LATEST, validate_statistics_date

BREAKDOWNS = [
    ("by_state", _("State")),
    ("by_channel", _("Channel")),
    ("by_reporter_type", _("Who reported")),
    ("by_risk_level", _("Risk level")),
    ("by_violence_type", _("Type of violence")),
    ("by_risk_factor", _("Vulnerability")),
    ("by_relation", _("Perpetrator's relation")),
    ("by_location", _("Location")),
    ("by_outcome", _("Outcome of closed enquiries")),
    ("by_outcome_asked", _("Was the adult asked what outcome they want?")),
    ("by_outcome_achieved", _("Was it achieved?")),
]
GROUPS = {key: group for key, (_field, group) in {**COUNTED, **LISTED}.items()}


class RangeForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_statistics_date],
    )
    date_to = forms.DateField(
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_statistics_date],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start must not be after the end."))
        return data


def _rows(counts: dict[str, int | None], group: str | None) -> list[dict[str, Any]]:
    top = max([v for v in counts.values() if v] or [1])
    return [
        {
            "code": code,
            "label": label(group, code) if group else code,
            "value": value,
            "percent": round(100 * (value or 0) / top),
        }
        for code, value in counts.items()
    ]


def _report_context(data: dict[str, Any]) -> dict[str, Any]:
    """What the dashboard and the yearly report show of the statistics: charts and tables."""
    return {
        "data": data,
        "charts": [
            {"key": key, "title": title, "rows": _rows(data[key], GROUPS.get(key))}
            for key, title in BREAKDOWNS
        ],
        "months": _rows(data["by_month"], None),
        "referrals": data["referrals_by_service"],
    }


@login_required
@permission_required("intake.view_statistics", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = oslo_today()
    form = RangeForm(request.GET or {"date_from": dt.date(today.year, 1, 1), "date_to": today})
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Case-flow statistics"),
        "form": form,
    }
    if form.is_valid():
        data = published_case_flow(
            actor=request.user,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
        context.update(_report_context(data))
    return render(request, "stats/dashboard.html", context, status=200 if form.is_valid() else 400)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=EARLIEST.year, max_value=LATEST.year)
    rounded = forms.BooleanField(
        label=_("Round to the nearest 5 (for publication)"), required=False
    )


@login_required
@permission_required("intake.view_statistics", raise_exception=True)
def yearly_report(request: HttpRequest) -> HttpResponse:
    """The year's figures for Bufdir and the plan's evaluation: printable, or CSV."""
    form = YearForm(request.GET or {"year": oslo_today().year})
    if not form.is_valid():
        return render(
            request,
            "stats/yearly.html",
            {**admin.site.each_context(request), "title": _("Yearly report"), "form": form},
            status=400,
        )
    year = form.cleaned_data["year"]
    as_csv = request.GET.get("format") == "csv"
    data = published_case_flow(
        actor=request.user,
        date_from=dt.date(year, 1, 1),
        date_to=dt.date(year, 12, 31),
        export=as_csv,
        round_to_5=form.cleaned_data["rounded"],
    )
    if as_csv:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="tryggest-arsrapport-{year}.csv"'
        write_csv(data, response)
        return response
    context = {
        **admin.site.each_context(request),
        "title": _("Yearly report %(year)s") % {"year": year},
        "form": form,
        "year": year,
        "rounded": form.cleaned_data["rounded"],
        **_report_context(data),
    }
    return render(request, "stats/yearly.html", context)
