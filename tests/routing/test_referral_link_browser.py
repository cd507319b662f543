"""A receiving service opens its e-mailed link in a real browser and answers the referral."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from casework import services as casework_services
from routing.models import HelpService, Referral

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LINK = re.compile(r"https?://[^\s]+(/henvisning/[A-Za-z0-9_-]+/)")


def test_the_service_opens_the_link_and_acknowledges(page: Any, alice: Any, settings: Any) -> None:
    HelpService.objects.filter(slug="nav-tonsberg").update(email="nav.tonsberg@example.no")
    from tests.factories import make_enquiry

    enquiry = make_enquiry(actor=alice)
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    casework_services.enquiry_forward(
        enquiry=enquiry, actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
    )
    [message] = [m for m in mail.outbox if "nav.tonsberg@example.no" in m.to]
    path = LINK.search(message.body).group(1)

    page.goto(path)
    assert "Ola Hansen" not in page.content()  # nothing before the service chooses to open it
    page.get_by_role("button", name="Åpne henvisningen").click()
    assert "Ola Hansen" in page.content()
    page.get_by_role("button", name=re.compile("Bekreft|mottatt", re.I)).first.click()
    referral = Referral.objects.get(enquiry=enquiry)
    assert referral.state == "acknowledged"
    assert not page.problems, page.problems
