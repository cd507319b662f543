"""Notices on the enquiry's admin change page (the under-18 rule, legal duties, the clock, the
latest reminders, links to renew), its timeline, and the header's counts of the user's overdue
enquiries and unread notices of new work."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import notifications, timeline
from casework import policies as casework_policies
from casework import selectors as casework_selectors
from casework.models import Reminder
from intake.models import EnquiryClock
from routing import selectors as routing_selectors
from routing.models import OPEN_REFERRAL_STATES

register = template.Library()


@register.inclusion_tag("admin/casework/_enquiry_notices.html")
def enquiry_notices(enquiry: Any) -> dict[str, Any]:
    if enquiry is None or getattr(enquiry, "pk", None) is None:
        return {"enquiry": None}
    duties = routing_selectors.duty_status(enquiry)
    return {
        "enquiry": enquiry,
        "child_welfare_case": routing_selectors.is_child_welfare_case(enquiry),
        "duties": duties,
        "undecided": [d for d in duties if d.decision is None],
        "duties_url": reverse("admin:intake_enquiry_legal_duties", args=[enquiry.pk]),
        "child_welfare_url": reverse("admin:intake_enquiry_child_welfare", args=[enquiry.pk]),
        # Reminders (issue 6): the running deadline, a pause, the latest reminders.
        "clock": EnquiryClock.objects.filter(enquiry=enquiry).first(),
        "clock_url": reverse("admin:intake_enquiry_clock", args=[enquiry.pk]),
        "recent_reminders": list(
            Reminder.objects.filter(enquiry=enquiry).select_related(
                "recipient_user", "recipient_service"
            )[:5]
        ),
        "now": timezone.now(),
        # Open referrals to services reached by e-mail: the team can send a new link.
        "linked_referrals": [
            (
                referral,
                reverse("admin:intake_enquiry_referral_new_link", args=[enquiry.pk, referral.pk]),
            )
            for referral in enquiry.referrals.filter(state__in=OPEN_REFERRAL_STATES)
            .exclude(service__email="")
            .select_related("service")
        ],
    }


@register.inclusion_tag("admin/casework/_overdue_badge.html", takes_context=True)
def overdue_badge(context: dict[str, Any]) -> dict[str, Any]:
    """The header's count of the user's overdue enquiries, linking to "my overdue"."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("intake.view_enquiry"):
        return {"count": 0}
    return {
        "count": casework_selectors.overdue_enquiries(user).count(),
        "url": reverse("admin:intake_enquiry_changelist") + "?overdue=mine",
    }


@register.inclusion_tag("admin/casework/_timeline.html", takes_context=True)
def enquiry_timeline(context: dict[str, Any], enquiry: Any) -> dict[str, Any]:
    """The enquiry's timeline (``casework.timeline``), filtered by ``?timeline=<kind>``."""
    if enquiry is None or getattr(enquiry, "pk", None) is None:
        return {"enquiry": None}
    request = context.get("request")
    kind = request.GET.get("timeline") if request is not None else None
    current = kind if kind in timeline.KINDS else None
    user = getattr(request, "user", None)
    return {
        "enquiry": enquiry,
        "kinds": list(timeline.KINDS.items()),
        "current": current,
        "items": timeline.timeline(enquiry, kind=current),
        "may_write": user is not None and casework_policies.may_write_journal(user, enquiry),
        # Once, not per item (200 items: the template's tags are most of the page's time).
        "journal_url": reverse("admin:intake_enquiry_journal", args=[enquiry.pk]),
        "written_label": _("written"),
        "correct_label": _("Correct"),
    }


@register.inclusion_tag("admin/casework/_notices_badge.html", takes_context=True)
def notices_badge(context: dict[str, Any]) -> dict[str, Any]:
    """The header's count of the user's unread notices of new work, and "My cases"."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("intake.view_enquiry"):
        return {"show": False}
    return {
        "show": True,
        "count": notifications.unread_count(user),
        "url": reverse("admin:intake_enquiry_notices"),
        "mine_url": reverse("admin:intake_enquiry_mine"),
    }
