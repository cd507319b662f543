"""If the event cannot be written, the action fails, and leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from audit import events
from audit.models import AuditEvent
from casework import services as casework_services
from intake import services
from intake.models import Enquiry, RiskAssessment, StateChange
from tests.factories import TEST_PASSWORD, enquiry_values


class TrailUnavailable(RuntimeError):
    pass


def _refuse(**kwargs: Any) -> None:
    raise TrailUnavailable("the audit table is unavailable")


@pytest.fixture
def broken_trail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "record", _refuse)


pytestmark = pytest.mark.django_db


def test_a_create_without_its_event_stores_nothing(alice: Any, broken_trail: None) -> None:
    count = Enquiry.objects.count()
    with pytest.raises(TrailUnavailable):
        services.enquiry_create(actor=alice, values=enquiry_values(), channel="phone")
    assert Enquiry.objects.count() == count


def test_an_update_without_its_event_changes_nothing(
    alice: Any, enquiry: Any, broken_trail: None
) -> None:
    version = enquiry.version
    with pytest.raises(TrailUnavailable):
        services.enquiry_update(enquiry=enquiry, actor=alice, changes={"subject_name": "Per Olsen"})
    enquiry.refresh_from_db()
    assert (enquiry.subject_name, enquiry.version) == ("Ola Hansen", version)


def test_a_transition_without_its_event_changes_nothing(
    alice: Any, enquiry: Any, broken_trail: None
) -> None:
    with pytest.raises(TrailUnavailable):
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    enquiry.refresh_from_db()
    assert enquiry.state == "received"
    assert not RiskAssessment.objects.filter(enquiry=enquiry).exists()
    assert not StateChange.objects.filter(enquiry=enquiry).exists()


def test_a_view_without_its_event_shows_nothing(
    alice: Any, enquiry: Any, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = as_user(alice)
    monkeypatch.setattr(events, "record", _refuse)
    with pytest.raises(TrailUnavailable):
        client.get(f"/admin/intake/enquiry/{enquiry.pk}/change/")
    with pytest.raises(TrailUnavailable):
        client.get("/admin/intake/enquiry/")


def test_a_login_without_its_event_does_not_log_in(
    alice: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "record", _refuse)
    with pytest.raises(TrailUnavailable):
        client.post("/admin/login/", {"username": "alice", "password": TEST_PASSWORD})
    monkeypatch.undo()
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_reading_the_trail_without_its_event_shows_nothing(
    aud: Any, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = as_user(aud)
    monkeypatch.setattr(events, "record", _refuse)
    with pytest.raises(TrailUnavailable):
        client.get("/api/v1/audit/events/")
    assert AuditEvent.objects.filter(actor="aud", action="view").count() == 0
