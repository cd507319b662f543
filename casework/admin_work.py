"""The team's pages for the work on an enquiry (issue 16): the journal, "Ta saken", tasks, "Mine
saker" and the notices of new work. Thin: forms parse, services write, selectors read (logged)."""

from __future__ import annotations

from typing import Any

from django import http
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import assignment, followups, journal, notifications, policies
from casework.forms import JournalEntryForm, TaskCloseForm, TaskForm
from casework.models import JournalEntry, Task
from intake import selectors, submissions
from intake.admin import enquiry_or_redirect, enquiry_page_context
from intake.models import Enquiry
from kernel.errors import ConflictError
from kernel.forms import add_errors


def _already_received(request: http.HttpRequest) -> None:
    messages.info(request, _("This was already received; nothing was saved twice."))


def take_view(model_admin: Any, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
    """POST: "Ta saken", the user takes the enquiry for themselves."""
    if request.method != "POST":
        return http.HttpResponseNotAllowed(["POST"])
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    try:
        assignment.enquiry_take(enquiry=enquiry, actor=request.user)
    except (PermissionDenied, ConflictError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])) or str(exc))
    else:
        messages.success(request, _("You have taken the case."))
    return redirect(reverse("admin:intake_enquiry_change", args=[enquiry.pk]))


def journal_view(model_admin: Any, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
    """Write a journal entry, or a correction of one (``?corrects=<entry id>``)."""
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    change_url = reverse("admin:intake_enquiry_change", args=[enquiry.pk])
    if not policies.may_write_journal(request.user, enquiry):
        messages.error(request, _("You may not do this with this enquiry."))
        return redirect(change_url)
    corrected = None
    raw = request.POST.get("corrects") or request.GET.get("corrects") or ""
    if raw:
        corrected = (
            JournalEntry.objects.filter(pk=int(raw), enquiry=enquiry).first()
            if raw.isdigit() and len(raw) < 12
            else None
        )
        if corrected is None:
            messages.error(request, _("No such journal entry on this enquiry."))
            return redirect(change_url)
    initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    if corrected is not None:
        initial.update(kind=corrected.kind, corrects=corrected.pk, text=corrected.text)
        initial["occurred_at"] = timezone.localtime(corrected.occurred_at)
    form = JournalEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.use_once()
                journal.journal_add(
                    enquiry=enquiry,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    occurred_at=form.cleaned_data["occurred_at"],
                    text=form.cleaned_data["text"],
                    corrects=corrected,
                )
        except ValidationError as exc:
            add_errors(form, exc)
        except submissions.AlreadyReceived:
            _already_received(request)
            return redirect(change_url)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect(change_url)
        else:
            messages.success(request, _("Written in the journal."))
            return redirect(change_url + "#timeline")
    title = _("Correct a journal entry") if corrected else _("Write in the journal")
    context = {
        **enquiry_page_context(model_admin, request, enquiry, title),
        "form": form,
        "corrected": corrected,
    }
    return TemplateResponse(request, "admin/casework/journal.html", context)


def tasks_view(model_admin: Any, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
    """The enquiry's open tasks, and a form for a new one."""
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    may_add = policies.may_add_task(request.user, enquiry)
    owners = (
        selectors.assignable_users(enquiry)
        if policies.may_hand_over(request.user, enquiry)
        else selectors.assignable_users(enquiry).filter(pk=request.user.pk)
    )
    form = (
        TaskForm(request.POST or None, owners=owners, initial={"owner": request.user.pk})
        if may_add
        else None
    )
    if request.method == "POST":
        if form is None:
            messages.error(request, _("You may not do this with this enquiry."))
            return redirect(request.path)
        if form.is_valid():
            try:
                with transaction.atomic():
                    form.use_once()
                    followups.task_add(
                        enquiry=enquiry,
                        actor=request.user,
                        title=form.cleaned_data["title"],
                        due_at=form.cleaned_data["due_at"],
                        owner=form.cleaned_data["owner"],
                    )
            except ValidationError as exc:
                add_errors(form, exc)
            except submissions.AlreadyReceived:
                _already_received(request)
                return redirect(request.path)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect(request.path)
            else:
                messages.success(request, _("The task is saved."))
                return redirect(request.path)
    context = {
        **enquiry_page_context(model_admin, request, enquiry, _("Tasks and follow-ups")),
        "form": form,
        "tasks": followups.open_tasks(enquiry),
        "done": list(
            Task.objects.filter(enquiry=enquiry, closed_at__isnull=False)
            .select_related("owner", "closing_entry")
            .order_by("-closed_at")
        ),
        "user_id": request.user.pk,
        "is_coordinator": policies.may_hand_over(request.user, enquiry),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "admin/casework/tasks.html", context)


def task_close_view(
    model_admin: Any, request: http.HttpRequest, object_id: str, task_id: str
) -> http.HttpResponse:
    """The owner closes a task, writing what was done in the journal."""
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    tasks_url = reverse("admin:intake_enquiry_tasks", args=[enquiry.pk])
    task = (
        Task.objects.filter(pk=int(task_id), enquiry=enquiry).select_related("enquiry").first()
        if task_id.isdigit() and len(task_id) < 12
        else None
    )
    if task is None:
        messages.error(request, _("No such task on this enquiry."))
        return redirect(tasks_url)
    task.enquiry = enquiry
    if not policies.may_close_task(request.user, task) or not task.is_open:
        messages.error(request, _("Only the task's owner closes it."))
        return redirect(tasks_url)
    form = TaskCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            followups.task_close(
                task=task,
                actor=request.user,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            add_errors(form, exc, to="text")
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect(tasks_url)
        else:
            messages.success(request, _("The task is done and written in the journal."))
            return redirect(tasks_url)
    context = {
        **enquiry_page_context(model_admin, request, enquiry, _("Close the task")),
        "form": form,
        "task": task,
        "tasks_url": tasks_url,
    }
    return TemplateResponse(request, "admin/casework/task_close.html", context)


def my_cases_view(model_admin: Any, request: http.HttpRequest) -> http.HttpResponse:
    """ "Mine saker": the user's open enquiries with each one's next deadline, and their tasks."""
    if not request.user.has_perm("intake.view_enquiry"):
        raise PermissionDenied
    mine = assignment.my_cases(request.user)
    selectors.log_enquiries_listed(
        actor=request.user, enquiries=mine.enquiries, filters={"assigned_to": "me"}
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("My cases"),
        "enquiries": mine.enquiries,
        "tasks": mine.tasks,
        "now": timezone.now(),
    }
    return TemplateResponse(request, "admin/casework/my_cases.html", context)


def notices_view(model_admin: Any, request: http.HttpRequest) -> http.HttpResponse:
    """The user's notices of new work (reference and kind only); POST marks them all read."""
    if not request.user.has_perm("intake.view_enquiry"):
        raise PermissionDenied
    if request.method == "POST":
        notifications.notices_read(user=request.user)
        return redirect(request.path)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("New work"),
        "notices": notifications.notices_for(request.user),
    }
    return TemplateResponse(request, "admin/casework/notices.html", context)
