"""The same adult on the team's pages (issue 17): the enquiry page's panel (earlier and later
enquiries about the adult, links, close as a duplicate), the create form's hint, and the person
search. Thin: the look-ups are ``intake.persons`` (scoped, logged), the writes ``casework.links``.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms, http
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import links
from casework.models import Duplicate, EnquiryLink, LinkKind
from intake import persons, policies, selectors
from intake.models import Enquiry
from kernel.errors import ConflictError, TransitionRefused
from kernel.national_id import is_valid as national_id_is_valid

PAGE_SIZE = 25


def panel(request: http.HttpRequest, enquiry: Enquiry) -> dict[str, Any]:
    """What the enquiry page shows about the adult's other enquiries (one logged look-up)."""
    user = request.user
    found = persons.related_to(actor=user, enquiry=enquiry, where="enquiry_page")
    may_link = policies.may_view(user, enquiry) and user.has_perm("intake.change_enquiry")
    return {
        "related": found,
        "links": links.active_links(enquiry) if policies.may_view(user, enquiry) else [],
        "duplicate": Duplicate.objects.filter(enquiry=enquiry).select_related("kept").first()
        if enquiry.outcome == "duplicate"
        else None,
        "link_form": LinkForm() if may_link else None,
        "duplicate_form": DuplicateForm()
        if enquiry.is_open and policies.may_transition(user, enquiry, "close")
        else None,
    }


class LinkForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Reference of the other enquiry"), max_length=20, strip=True
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=LinkKind.choices)


class DuplicateForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Reference of the enquiry to keep"), max_length=20, strip=True
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _other(user: Any, reference: str) -> Enquiry | None:
    # Only the user's team's enquiries are found by reference: another team's is "not found".
    return selectors.enquiries_visible_to(user).filter(reference=reference.strip().upper()).first()


def link_view(model_admin: Any, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
    """POST: link the enquiry to another (by reference), or undo a link (``undo`` = its id)."""
    change_url = reverse("admin:intake_enquiry_change", args=[object_id])
    if request.method != "POST":
        return http.HttpResponseNotAllowed(["POST"])
    try:
        enquiry = selectors.enquiry_for_actor(actor=request.user, pk=object_id)
    except Enquiry.DoesNotExist:
        return redirect("admin:intake_enquiry_changelist")
    try:
        if request.POST.get("undo"):
            link = EnquiryLink.objects.filter(pk=_int(request.POST["undo"])).first()
            if link is None or enquiry.pk not in (link.enquiry_id, link.other_id):
                raise ValidationError(_("No such link."))
            links.enquiry_unlink(link=link, actor=request.user)
            model_admin.message_user(request, _("The link is undone."), messages.SUCCESS)
            return redirect(change_url)
        form = LinkForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Give the other enquiry's reference and the kind of link."))
        other = _other(request.user, form.cleaned_data["reference"])
        if other is None:
            raise ValidationError(_("No enquiry of your team has this reference."))
        links.enquiry_link(
            enquiry=enquiry, other=other, kind=form.cleaned_data["kind"], actor=request.user
        )
        model_admin.message_user(request, _("The enquiries are linked."), messages.SUCCESS)
    except ValidationError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
    except PermissionDenied:
        model_admin.message_user(request, _("You may not do this."), messages.ERROR)
    return redirect(change_url)


def duplicate_view(
    model_admin: Any, request: http.HttpRequest, object_id: str
) -> http.HttpResponse:
    """POST: close the enquiry as a duplicate of another of the team's (by reference)."""
    change_url = reverse("admin:intake_enquiry_change", args=[object_id])
    if request.method != "POST":
        return http.HttpResponseNotAllowed(["POST"])
    try:
        enquiry = selectors.enquiry_for_actor(actor=request.user, pk=object_id)
    except Enquiry.DoesNotExist:
        return redirect("admin:intake_enquiry_changelist")
    form = DuplicateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the reference of the enquiry to keep."))
        kept = _other(request.user, form.cleaned_data["reference"])
        if kept is None:
            raise ValidationError(_("No enquiry of your team has this reference."))
        links.enquiry_close_as_duplicate(
            enquiry=enquiry, kept=kept, actor=request.user, note=form.cleaned_data["note"]
        )
        model_admin.message_user(
            request, _("Closed as a duplicate of %(ref)s.") % {"ref": kept.reference}
        )
    except ValidationError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
    except (PermissionDenied, ConflictError, TransitionRefused) as exc:
        model_admin.message_user(request, str(exc) or _("You may not do this."), messages.ERROR)
    return redirect(change_url)


def _int(value: str) -> int:
    return int(value) if re.fullmatch(r"[0-9]{1,11}", value) else 0


class IdentityForm(forms.Form):
    """What a person is looked up by: a national id, or a name with a birth date or year."""

    national_id = forms.CharField(
        label=gettext_lazy("National identity number or D-number"), required=False, max_length=11
    )
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=200)
    birth_date = forms.DateField(label=gettext_lazy("Birth date"), required=False)
    birth_year = forms.IntegerField(
        label=gettext_lazy("Birth year"), required=False, min_value=1850, max_value=2100
    )

    def clean_national_id(self) -> str:
        value = self.cleaned_data.get("national_id", "").replace(" ", "")
        if value and not national_id_is_valid(value):
            raise ValidationError(_("Not a valid national identity number or D-number."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not self.identity().searchable:
            raise ValidationError(
                _("Give a national identity number, or a name with a birth date or birth year.")
            )
        return data

    def identity(self) -> persons.Identity:
        data = getattr(self, "cleaned_data", {})
        return persons.Identity(
            national_id=data.get("national_id") or "",
            name=data.get("name") or "",
            birth_date=data.get("birth_date"),
            birth_year=data.get("birth_year"),
        )


# The create form's fields → the identity they describe.
HINT_FIELDS = {
    "subject_national_id": "national_id",
    "subject_name": "name",
    "subject_birth_date": "birth_date",
    "subject_birth_year": "birth_year",
}


def hint_view(model_admin: Any, request: http.HttpRequest) -> http.HttpResponse:
    """POST from the create form's script: the hint about earlier enquiries for what has been
    typed (an HTML fragment). Nothing for incomplete or invalid input; every look-up is logged."""
    if request.method != "POST":
        return http.HttpResponseNotAllowed(["POST"])
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = IdentityForm({name: request.POST.get(field, "") for field, name in HINT_FIELDS.items()})
    found = None
    if form.is_valid():
        found = persons.related(actor=request.user, identity=form.identity(), where="create_form")
    html = render_to_string(
        "admin/casework/_same_adult_hint.html", {"related": found}, request=request
    )
    return http.HttpResponse(html)


def search_view(model_admin: Any, request: http.HttpRequest) -> http.HttpResponse:
    """Search by person (POST only: a person is never looked up by a URL); paged by a posted
    ``page``; each page shown is an audit event naming the enquiries on it."""
    user = request.user
    if not (user.has_perm("intake.view_enquiry") or user.has_perm("audit.view_auditevent")):
        raise PermissionDenied
    form = IdentityForm(request.POST if request.method == "POST" else None)
    page = None
    if form.is_valid():
        found = persons.persons_search(actor=user, identity=form.identity())
        page = Paginator(found, PAGE_SIZE).get_page(request.POST.get("page"))
        shown = list(page.object_list)
        persons.log_person_search(actor=user, shown=shown, page=page.number)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Search by person"),
        "form": form,
        "page": page,
        "may_open": user.has_perm("intake.view_enquiry"),
    }
    return TemplateResponse(request, "admin/casework/person_search.html", context)
