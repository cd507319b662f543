"""Legal duties: a raised duty blocks closing until decided; no consent needs a notified duty."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from casework import services as casework_services
from intake.models import State
from kernel.errors import EnquiryClosed
from routing.models import LegalDutyDecision
from routing.selectors import duties_raised
from routing.services import duty_decision_record
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


def close(enquiry: Any, actor: Any, outcome: str = "risk_reduced") -> Any:
    return casework_services.enquiry_close(
        enquiry=enquiry,
        actor=actor,
        outcome=outcome,
        outcome_asked="not_asked",
        measures=["conversation"],
    )


def notify(enquiry: Any, actor: Any, duty: str = "avvergeplikt") -> LegalDutyDecision:
    return duty_decision_record(
        enquiry=enquiry,
        actor=actor,
        duty=duty,
        decision="notified",
        notified_whom="Politiet, operasjonssentralen",
        notified_at=timezone.now() - dt.timedelta(minutes=5),
    )


@pytest.fixture
def danger(alice: Any) -> Any:
    return make_enquiry(actor=alice, immediate_danger=True)


def test_a_raised_duty_blocks_closing_until_decided(danger: Any, alice: Any) -> None:
    assert duties_raised(danger) == ["avvergeplikt"]
    with pytest.raises(ValidationError) as exc:
        close(danger, alice)
    assert "avvergeplikt" in " ".join(exc.value.message_dict["legal_duties"]).lower()
    danger.refresh_from_db()
    assert danger.state == State.RECEIVED

    duty_decision_record(
        enquiry=danger,
        actor=alice,
        duty="avvergeplikt",
        decision="not_applicable",
        reason="Faren var over; politiet var allerede på stedet.",
    )
    close(danger, alice)
    danger.refresh_from_db()
    assert danger.state == State.CLOSED


def test_every_raised_duty_is_named(alice: Any) -> None:
    enquiry = make_enquiry(actor=alice, immediate_danger=True, children_in_household=True)
    notify(enquiry, alice)
    with pytest.raises(ValidationError) as exc:
        close(enquiry, alice)
    messages = exc.value.message_dict["legal_duties"]
    assert len(messages) == 1 and "opplysningsplikt" in messages[0].lower()


def test_duplicate_from_received_stays_possible_without_a_duty(enquiry: Any, alice: Any) -> None:
    assert duties_raised(enquiry) == []
    close(enquiry, alice, outcome="duplicate")
    enquiry.refresh_from_db()
    assert enquiry.state == State.CLOSED


def test_duplicate_with_a_raised_duty_needs_a_decision_too(danger: Any, alice: Any) -> None:
    with pytest.raises(ValidationError):
        close(danger, alice, outcome="duplicate")


def test_a_decision_is_recorded_with_who_and_when_and_audited(danger: Any, alice: Any) -> None:
    decision = notify(danger, alice)
    assert decision.decided_by == alice and decision.decided_at is not None
    assert AuditEvent.objects.filter(
        object_type="legaldutydecision",
        object_id=str(decision.pk),
        actor="alice",
        action="create",
        enquiry_id=danger.pk,
    ).exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"decision": "notified", "notified_at": None, "notified_whom": "Politiet"}, "notified_at"),
        ({"decision": "notified", "notified_whom": ""}, "notified_whom"),
        ({"decision": "not_applicable", "reason": " "}, "reason"),
        ({"decision": "maybe"}, "decision"),
        ({"duty": "unknown_duty", "decision": "not_applicable", "reason": "x"}, "duty"),
    ],
)
def test_a_decision_must_be_complete(
    danger: Any, alice: Any, values: dict[str, Any], field: str
) -> None:
    arguments = {
        "duty": "avvergeplikt",
        "notified_whom": "Politiet",
        "notified_at": timezone.now(),
        **values,
    }
    with pytest.raises(ValidationError) as exc:
        duty_decision_record(enquiry=danger, actor=alice, **arguments)
    assert field in exc.value.message_dict


@pytest.mark.parametrize("who", ["mona", "aud", "tor"])
def test_only_the_enquirys_team_records_decisions(danger: Any, who: str, request: Any) -> None:
    with pytest.raises(PermissionDenied):
        notify(danger, request.getfixturevalue(who))


def test_the_coordinator_records_decisions(danger: Any, bob: Any) -> None:
    assert notify(danger, bob).decided_by == bob


def test_forwarding_without_consent_needs_a_recorded_duty(alice: Any) -> None:
    enquiry = make_enquiry(actor=alice, immediate_danger=True, subject_consents_to_forwarding=False)
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    enquiry.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        casework_services.enquiry_forward(
            enquiry=enquiry,
            actor=alice,
            service_slugs=["politiet-vestfold"],
            legal_basis="avvergeplikt",
        )
    assert "legal_basis" in exc.value.message_dict

    duty_decision_record(
        enquiry=enquiry,
        actor=alice,
        duty="avvergeplikt",
        decision="not_applicable",
        reason="Ikke alvorlig nok.",
    )
    with pytest.raises(ValidationError):
        casework_services.enquiry_forward(
            enquiry=enquiry,
            actor=alice,
            service_slugs=["politiet-vestfold"],
            legal_basis="avvergeplikt",
        )

    notify(enquiry, alice)
    (referral,) = casework_services.enquiry_forward(
        enquiry=enquiry,
        actor=alice,
        service_slugs=["politiet-vestfold"],
        legal_basis="avvergeplikt",
    )
    assert referral.legal_basis == "avvergeplikt"


def test_no_decision_on_a_closed_enquiry(closed: Any, alice: Any) -> None:
    # Closed is read-only until reopened (issue 14, fault 13).
    with pytest.raises(EnquiryClosed):
        notify(closed, alice)
