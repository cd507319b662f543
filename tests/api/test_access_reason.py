"""The break-the-glass reason in ``X-Access-Reason`` is read as UTF-8, and a reason that is too
long or not text is refused with a message that says so, never cut or garbled (issue 14,
fault 6)."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from intake import selectors
from tests.api.conftest import staff_client
from tests.factories import make_enquiry


@pytest.fixture
def faerder_enquiry(tor: Any) -> Any:
    return make_enquiry(actor=tor)


def on_the_wire(text: str) -> str:
    """What a WSGI server hands Django for a header sent as UTF-8 bytes (PEP 3333: latin-1)."""
    return text.encode("utf-8").decode("latin-1")


def break_glass(user: Any, enquiry: Any, raw_header: str) -> Any:
    return staff_client(user).get(
        f"/api/v1/enquiries/{enquiry.pk}/", HTTP_X_ACCESS_REASON=raw_header
    )


@pytest.mark.parametrize(
    "reason",
    [
        "Tidligere sak på nabo i Tønsberg",
        "Øyeblikkelig fare – politiet ringte",
        "Ærlig talt: ÆØÅ æøå – “sitat”",
    ],
)
def test_a_reason_sent_as_utf8_is_stored_as_written(
    reason: str, bob: Any, faerder_enquiry: Any
) -> None:
    response = break_glass(bob, faerder_enquiry, on_the_wire(reason))
    assert response.status_code == 200, response.json()
    event = AuditEvent.objects.filter(action="break_glass").get()
    assert event.reason == reason


def test_a_reason_that_is_not_utf8_is_refused_saying_so(bob: Any, faerder_enquiry: Any) -> None:
    latin1 = "Tidligere sak på nabo"  # sent as Latin-1 bytes: b"p\xe5"
    response = break_glass(bob, faerder_enquiry, latin1)
    assert response.status_code == 400
    [message] = response.json()["errors"]["X-Access-Reason"]
    assert "UTF-8" in message
    assert not AuditEvent.objects.filter(action="break_glass").exists()


def test_a_reason_over_the_limit_is_refused_not_cut(bob: Any, faerder_enquiry: Any) -> None:
    response = break_glass(bob, faerder_enquiry, "x" * 5_000)
    assert response.status_code == 400
    assert "1000" in " ".join(response.json()["errors"]["X-Access-Reason"])
    assert not AuditEvent.objects.filter(action="break_glass").exists()


def test_the_selector_refuses_a_long_reason_rather_than_cutting_it(
    bob: Any, faerder_enquiry: Any
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        selectors.enquiry_for_actor(actor=bob, pk=faerder_enquiry.pk, reason="x" * 5_000)
    assert not AuditEvent.objects.filter(action="break_glass").exists()
