"""A closed enquiry is read-only until a coordinator reopens it with a reason: in the admin, the
API and the services (issue 14, fault 13)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from casework import services as casework_services
from intake import clock, public
from intake import services as intake_services
from intake.models import Enquiry, EnquiryReceipt, State
from kernel.errors import EnquiryClosed
from routing import services as routing_services
from tests.api.conftest import staff_client


class _FormFields(HTMLParser):
    """The values a browser would send for the page's main form (inputs, text areas, selects)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[-1] = (self._textarea, self.data[-1][1] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_as_sent(html: str) -> dict[str, Any]:
    parser = _FormFields()
    parser.feed(html)
    data: dict[str, Any] = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value.lstrip("\n"))
    return data


def change_url(enquiry: Any) -> str:
    return f"/admin/intake/enquiry/{enquiry.pk}/change/"


def test_the_admin_edits_an_open_enquiry(enquiry: Any, alice: Any, as_user: Any) -> None:
    # The control: the same form, on an open enquiry, saves.
    client = as_user(alice)
    data = form_as_sent(client.get(change_url(enquiry)).content.decode())
    data["subject_name"] = ["Per Olsen"]
    response = client.post(change_url(enquiry), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    enquiry.refresh_from_db()
    assert enquiry.subject_name == "Per Olsen"


def test_a_closed_enquiry_cannot_be_edited_in_the_admin(
    enquiry: Any, alice: Any, as_user: Any
) -> None:
    client = as_user(alice)
    data = form_as_sent(client.get(change_url(enquiry)).content.decode())
    casework_services.enquiry_close(
        enquiry=enquiry, actor=alice, outcome="duplicate", outcome_asked="not_asked"
    )
    enquiry.refresh_from_db()
    data["seen_version"] = [str(enquiry.version)]
    data["subject_name"] = ["Per Olsen"]
    data["description"] = ["Endret etter avslutning."]
    updates_before = AuditEvent.objects.filter(action="update").count()

    client.post(change_url(enquiry), data)

    enquiry.refresh_from_db()
    assert enquiry.subject_name == "Ola Hansen"
    assert enquiry.description != "Endret etter avslutning."
    assert AuditEvent.objects.filter(action="update").count() == updates_before


def test_a_closed_enquirys_page_is_read_only_with_reopen_for_a_coordinator(
    closed: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    page = as_user(alice).get(change_url(closed)).content.decode()
    assert 'name="subject_name"' not in page and 'name="_save"' not in page
    page = as_user(bob).get(change_url(closed)).content.decode()
    assert 'name="subject_name"' not in page
    assert 'value="reopen"' in page


def test_the_services_refuse_every_change_to_a_closed_enquiry(
    closed: Any, alice: Any, bob: Any
) -> None:
    with pytest.raises(EnquiryClosed):
        intake_services.enquiry_update(
            enquiry=closed, actor=alice, changes={"subject_name": "Per Olsen"}
        )
    with pytest.raises(EnquiryClosed):
        casework_services.enquiry_assign(enquiry=closed, actor=bob, assignee=alice)
    with pytest.raises(PermissionDenied):
        clock.enquiry_clock_pause(
            enquiry=closed,
            actor=alice,
            until=closed.received_at.replace(year=closed.received_at.year + 1),
            reason="Venter på politiet",
        )
    with pytest.raises(PermissionDenied):
        routing_services.duty_decision_record(
            enquiry=closed,
            actor=alice,
            duty="avvergeplikt",
            decision="not_applicable",
            reason="Ikke aktuelt",
        )
    EnquiryReceipt.objects.create(enquiry=closed, code_hash="x" * 64, created_at=closed.received_at)
    with pytest.raises(EnquiryClosed):
        public.reporter_message_send(enquiry=closed, actor=alice, text="Hei")
    closed.refresh_from_db()
    assert (closed.subject_name, closed.assigned_to) == ("Ola Hansen", None)


def test_the_api_refuses_a_step_on_a_closed_enquiry_with_409(closed: Any, alice: Any) -> None:
    response = staff_client(alice).post(
        f"/api/v1/enquiries/{closed.pk}/assessment/", {"answers": {}}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["state"] == "closed"


def test_after_reopening_the_enquiry_can_be_edited_again(closed: Any, alice: Any, bob: Any) -> None:
    casework_services.enquiry_reopen(enquiry=closed, actor=bob, reason="Ny bekymring")
    intake_services.enquiry_update(
        enquiry=closed, actor=alice, changes={"subject_name": "Per Olsen"}
    )
    assert Enquiry.objects.get(pk=closed.pk).subject_name == "Per Olsen"
    assert Enquiry.objects.get(pk=closed.pk).state == State.RECEIVED
