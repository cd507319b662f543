"""The enquiry page's notice of referrals still to be phoned (issue 16 item 7): services
without e-mail until the team records the call, and e-mails that failed, with the service's
phone numbers and hours. Rendered by casework's enquiry page (``change_form.html``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from routing import selectors

register = template.Library()


@register.inclusion_tag("admin/routing/_referrals_to_contact.html")
def referrals_to_contact(enquiry: Any) -> dict[str, Any]:
    if enquiry is None or getattr(enquiry, "pk", None) is None:
        return {"rows": [], "enquiry": None}
    rows = [
        (
            referral,
            contact,
            reverse("admin:intake_enquiry_referral_phone_call", args=[enquiry.pk, referral.pk]),
        )
        for referral, contact in selectors.referrals_to_contact(enquiry)
    ]
    return {
        "rows": rows,
        "enquiry": enquiry,
        "consents_url": reverse("admin:intake_enquiry_consents", args=[enquiry.pk]),
        "measures_url": reverse("admin:intake_enquiry_measures", args=[enquiry.pk]),
    }
