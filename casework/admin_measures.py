"""The measures page under an enquiry (issue 16): what was done for the adult, recorded during
the case (``casework.services.enquiry_measures_record``); closing asks for the final list.
Mounted by ``casework.admin.EnquiryAdmin.get_urls``."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import http
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from casework import services
from casework.forms import MeasuresForm
from intake import policies
from intake.admin import enquiry_or_redirect, enquiry_page_context
from intake.models import Enquiry
from kernel.errors import ConflictError
from kernel.forms import add_errors


def measures_view(model_admin: Any, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    may_record = policies.may_edit(request.user, enquiry) and enquiry.is_open
    form = MeasuresForm(request.POST or None, enquiry=enquiry)
    if request.method == "POST":
        if not may_record:
            messages.error(request, _("You may not do this with this enquiry."))
            return redirect(request.path)
        if form.is_valid():
            enquiry.version = form.cleaned_data["version"]
            try:
                services.enquiry_measures_record(
                    enquiry=enquiry, actor=request.user, measures=form.cleaned_data["measures"]
                )
            except ValidationError as exc:
                add_errors(form, exc)
            except (ConflictError, PermissionDenied) as exc:
                messages.error(request, str(exc) or _("You may not do this with this enquiry."))
                return redirect(request.path)
            else:
                messages.success(request, _("The measures are recorded."))
                return redirect(request.path)
    context = {
        **enquiry_page_context(model_admin, request, enquiry, _("Measures")),
        "form": form if may_record else None,
        "recorded": enquiry.get_measures_display_list(),
    }
    return TemplateResponse(request, "admin/casework/measures.html", context)


def enquiry_pages(model_admin: Any) -> list[URLPattern]:
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<path:object_id>/measures/",
            view(partial(measures_view, model_admin)),
            name="intake_enquiry_measures",
        )
    ]
