"""Breaking the glass in the admin: Bob states a reason to open another team's enquiry."""

from __future__ import annotations

import time
from typing import Any

import pytest
import time_machine

from audit.models import AuditEvent
from tests.audit.helpers import events_after, last_seq
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

REASON = "The police called about an acute case in our municipality."


@pytest.fixture
def faerder_enquiry(tor: Any) -> Any:
    return make_enquiry(actor=tor, subject_name="Eva Berg")


def url(enquiry: Any) -> str:
    return f"/admin/intake/enquiry/{enquiry.pk}/change/"


def test_a_coordinator_is_asked_for_a_reason_before_anything_is_read(
    bob: Any, faerder_enquiry: Any, as_user: Any
) -> None:
    client = as_user(bob)
    before = last_seq()
    response = client.get(url(faerder_enquiry))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="reason"' in page
    assert "Eva Berg" not in page and faerder_enquiry.reference not in page
    assert events_after(before) == []


def test_a_stated_reason_opens_the_enquiry_read_only_and_is_logged(
    bob: Any, faerder_enquiry: Any, as_user: Any
) -> None:
    client = as_user(bob)
    client.get(url(faerder_enquiry))
    before = last_seq()
    response = client.post(url(faerder_enquiry), {"_break_glass": "1", "reason": REASON})
    assert response.status_code == 302 and response.url == url(faerder_enquiry)

    response = client.get(url(faerder_enquiry))
    assert response.status_code == 200
    assert "Eva Berg" in response.content.decode()
    [event] = events_after(before)
    assert (event.action, event.actor, event.enquiry_id) == (
        "break_glass",
        "bob",
        faerder_enquiry.pk,
    )
    assert event.reason == REASON

    # Read-only: a change is refused, and the enquiry stays as it was.
    version = faerder_enquiry.version
    client.post(url(faerder_enquiry), {"subject_name": "Changed"})
    faerder_enquiry.refresh_from_db()
    assert (faerder_enquiry.subject_name, faerder_enquiry.version) == ("Eva Berg", version)
    assert not AuditEvent.objects.filter(action="update", enquiry_id=faerder_enquiry.pk).exists()


def test_a_too_short_reason_is_not_enough(bob: Any, faerder_enquiry: Any, as_user: Any) -> None:
    client = as_user(bob)
    before = last_seq()
    response = client.post(url(faerder_enquiry), {"_break_glass": "1", "reason": "because"})
    assert response.status_code == 200
    assert "Eva Berg" not in response.content.decode()
    assert events_after(before) == []


def test_the_grant_expires(bob: Any, faerder_enquiry: Any, as_user: Any) -> None:
    client = as_user(bob)
    client.post(url(faerder_enquiry), {"_break_glass": "1", "reason": REASON})
    with time_machine.travel(time.time() + 16 * 60):
        response = client.get(url(faerder_enquiry))
    assert 'name="reason"' in response.content.decode()
    assert "Eva Berg" not in response.content.decode()


def test_the_grant_covers_only_that_enquiry(
    bob: Any, tor: Any, faerder_enquiry: Any, as_user: Any
) -> None:
    other = make_enquiry(actor=tor, subject_name="Nils Dahl")
    client = as_user(bob)
    client.post(url(faerder_enquiry), {"_break_glass": "1", "reason": REASON})
    assert "Nils Dahl" not in client.get(url(other)).content.decode()


def test_a_coordinator_opens_their_own_teams_enquiry_without_a_reason(
    bob: Any, enquiry: Any, as_user: Any
) -> None:
    client = as_user(bob)
    before = last_seq()
    response = client.get(url(enquiry))
    assert response.status_code == 200
    assert [e.action for e in events_after(before)] == ["view"]
