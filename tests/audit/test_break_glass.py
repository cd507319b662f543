"""Breaking the glass in the admin: Bob states a reason to open another team's enquiry."""

from __future__ import annotations

import time
from typing import Any

import pytest
import time_machine
from django import forms

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


def change_form_data(client: Any, enquiry: Any, **changes: Any) -> dict[str, Any]:
    """The enquiry's change form as its page fills it in for ``client``, with ``changes``."""
    form = client.get(url(enquiry)).context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(widget, forms.NullBooleanSelect):
            data[name] = {True: "true", False: "false"}.get(value, "unknown")
        elif isinstance(value, list):
            data[name] = value
        elif value is not None:
            data[name] = widget.format_value(value) or ""
    for prefix in ("assessments", "referrals", "state_changes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return {**data, **changes}


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
    bob: Any, tor: Any, faerder_enquiry: Any, as_user: Any
) -> None:
    client = as_user(bob)
    client.get(url(faerder_enquiry))
    before = last_seq()
    response = client.post(url(faerder_enquiry), {"_break_glass": "1", "reason": REASON})
    assert response.status_code == 302 and response.url == url(faerder_enquiry)

    response = client.get(url(faerder_enquiry))
    assert response.status_code == 200
    assert "Eva Berg" in response.content.decode()
    # Besides the page's look-up of the same adult in the coordinator's own team (issue 17):
    [event] = [e for e in events_after(before) if "same_adult" not in e.filters]
    assert (event.action, event.actor, event.enquiry_id) == (
        "break_glass",
        "bob",
        faerder_enquiry.pk,
    )
    assert event.reason == REASON

    # Read-only: the page offers no form, and the very form that saves for the enquiry's own
    # team (complete and valid, with a new name) is refused from Bob; nothing changes.
    assert 'name="subject_name"' not in response.content.decode()
    version = faerder_enquiry.version
    data = change_form_data(as_user(tor), faerder_enquiry, subject_name="Changed by Bob")
    refused = client.post(url(faerder_enquiry), data, follow=True)
    assert [str(m) for m in refused.context["messages"]] == [
        "Du har ikke tilgang til å gjøre dette."
    ]
    faerder_enquiry.refresh_from_db()
    assert (faerder_enquiry.subject_name, faerder_enquiry.version) == ("Eva Berg", version)
    assert not AuditEvent.objects.filter(action="update", enquiry_id=faerder_enquiry.pk).exists()

    # The same form from the enquiry's own team is valid and saves (so only read-only refused it).
    saved = as_user(tor).post(url(faerder_enquiry), {**data, "subject_name": "Eva Berg-Lund"})
    assert saved.status_code == 302
    faerder_enquiry.refresh_from_db()
    assert faerder_enquiry.subject_name == "Eva Berg-Lund"


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
    assert [e.action for e in events_after(before) if "same_adult" not in e.filters] == ["view"]
