"""Every transition, allowed and refused, by state and by role (DOMAIN.md's state machine)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from casework import services as casework_services
from intake import services
from intake.models import Enquiry, State, StateChange
from kernel.errors import ConflictError, TransitionRefused
from tests.audit.helpers import events_after, last_seq
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


def assess(enquiry, actor, **kw):
    return casework_services.enquiry_assess(
        enquiry=enquiry, actor=actor, answers=kw.pop("answers", {}), **kw
    )


def forward(enquiry, actor, **kw):
    return casework_services.enquiry_forward(
        enquiry=enquiry,
        actor=actor,
        service_slugs=kw.pop("service_slugs", ["nav-tonsberg"]),
        legal_basis=kw.pop("legal_basis", "consent"),
        **kw,
    )


def close(enquiry, actor, **kw):
    return casework_services.enquiry_close(
        enquiry=enquiry,
        actor=actor,
        outcome=kw.pop("outcome", "risk_reduced"),
        outcome_asked=kw.pop("outcome_asked", "not_asked"),
        measures=kw.pop("measures", ["conversation"]),
        **kw,
    )


def reopen(enquiry, actor, **kw):
    return casework_services.enquiry_reopen(
        enquiry=enquiry, actor=actor, reason=kw.pop("reason", "Ny info")
    )


TRANSITIONS = {"assess": assess, "forward": forward, "close": close, "reopen": reopen}

# (state fixture, transition) → resulting state, or None when refused (409 in the API).
EXPECTED = {
    ("enquiry", "assess"): State.RISK_ASSESSED,
    ("enquiry", "forward"): None,
    ("enquiry", "close"): State.CLOSED,
    ("enquiry", "reopen"): None,
    ("assessed", "assess"): State.RISK_ASSESSED,  # a new assessment version
    ("assessed", "forward"): State.FORWARDED,
    ("assessed", "close"): State.CLOSED,
    ("assessed", "reopen"): None,
    ("forwarded", "assess"): State.FORWARDED,
    ("forwarded", "forward"): State.FORWARDED,
    ("forwarded", "close"): State.CLOSED,
    ("forwarded", "reopen"): None,
    ("closed", "assess"): None,
    ("closed", "forward"): None,
    ("closed", "close"): None,
    ("closed", "reopen"): State.RECEIVED,
}


@pytest.mark.parametrize(("fixture", "name"), sorted(EXPECTED))
def test_each_transition_from_each_state(request, fixture, name, alice, bob):
    enquiry = request.getfixturevalue(fixture)
    before = enquiry.state
    # reopen is the coordinator's; the rest are the team member's
    actor = bob if name == "reopen" else alice
    kwargs = {"service_slugs": ["krisesenteret-vestfold"]} if name == "forward" else {}
    expected = EXPECTED[(fixture, name)]
    if expected is None:
        with pytest.raises(TransitionRefused) as info:
            TRANSITIONS[name](enquiry, actor, **kwargs)
        assert info.value.state == before
        assert name not in info.value.allowed
        assert Enquiry.objects.get(pk=enquiry.pk).state == before
    else:
        events_before = last_seq()
        TRANSITIONS[name](enquiry, actor, **kwargs)
        assert Enquiry.objects.get(pk=enquiry.pk).state == expected
        # Each step leaves its event, in the same transaction: a transition, or an update when
        # assessing again adds a version and keeps the state.
        reassessed = name == "assess" and before != State.RECEIVED
        [event] = [e for e in events_after(events_before) if e.object_type == "enquiry"]
        assert (event.action, event.actor, event.enquiry_id) == (
            "update" if reassessed else "transition",
            actor.username,
            enquiry.pk,
        )
        if name == "assess":
            assert enquiry.assessments.count() == (2 if reassessed else 1)


ROLE_MAY = {
    # role fixture → transitions it may take on its own team's enquiries
    "alice": {"assess", "forward", "close"},
    "bob": {"assess", "forward", "close", "reopen"},
    "mona": set(),
    "aud": set(),
    "tor": set(),  # another team
}
STATE_FOR = {"assess": "enquiry", "forward": "assessed", "close": "enquiry", "reopen": "closed"}
TARGET = {
    "assess": State.RISK_ASSESSED,
    "forward": State.FORWARDED,
    "close": State.CLOSED,
    "reopen": State.RECEIVED,
}


@pytest.mark.parametrize("role", sorted(ROLE_MAY))
@pytest.mark.parametrize("name", sorted(STATE_FOR))
def test_each_role_may_take_only_its_transitions(request, role, name):
    enquiry = request.getfixturevalue(STATE_FOR[name])
    actor = request.getfixturevalue(role)
    before = enquiry.state
    if name in ROLE_MAY[role]:
        TRANSITIONS[name](enquiry, actor)
        assert Enquiry.objects.get(pk=enquiry.pk).state == TARGET[name]
    else:
        events_before = AuditEvent.objects.count()
        with pytest.raises(PermissionDenied):
            TRANSITIONS[name](enquiry, actor)
        assert Enquiry.objects.get(pk=enquiry.pk).state == before
        assert AuditEvent.objects.count() == events_before


def test_available_transitions_follow_state_and_role(enquiry, alice, bob, mona, tor):
    assert enquiry.transition_names_for(alice) == ["assess", "close"]
    assert enquiry.transition_names_for(bob) == ["assess", "close"]
    assert enquiry.transition_names_for(mona) == []
    assert enquiry.transition_names_for(tor) == []
    close(enquiry, alice)
    assert enquiry.transition_names_for(alice) == []
    assert enquiry.transition_names_for(bob) == ["reopen"]


def test_two_concurrent_transitions_one_wins_the_other_conflicts(enquiry, alice):
    first = Enquiry.objects.get(pk=enquiry.pk)
    second = Enquiry.objects.get(pk=enquiry.pk)
    assess(first, alice)
    with pytest.raises(ConflictError):
        close(second, alice)
    stored = Enquiry.objects.get(pk=enquiry.pk)
    assert stored.state == State.RISK_ASSESSED
    assert stored.outcome == ""


def test_a_stale_edit_does_not_overwrite_a_newer_change(enquiry, alice, bob):
    mine = Enquiry.objects.get(pk=enquiry.pk)
    theirs = Enquiry.objects.get(pk=enquiry.pk)
    services.enquiry_update(enquiry=theirs, actor=bob, changes={"subject_name": "Ola Nordmann"})
    with pytest.raises(ConflictError):
        services.enquiry_update(
            enquiry=mine, actor=alice, changes={"subject_address": "Storgata 2"}
        )
    stored = Enquiry.objects.get(pk=enquiry.pk)
    assert stored.subject_name == "Ola Nordmann"
    assert stored.subject_address == ""


def test_closing_records_outcome_and_reopening_keeps_the_history(enquiry, alice, bob):
    close(enquiry, alice, outcome="referred_elsewhere", note="Under 18")
    reopen(enquiry, bob, reason="Feil person")
    stored = Enquiry.objects.get(pk=enquiry.pk)
    assert stored.state == State.RECEIVED
    assert stored.outcome == "" and stored.closed_at is None
    history = list(
        StateChange.objects.filter(enquiry=enquiry).values_list("transition", "source", "target")
    )
    assert history == [("close", "received", "closed"), ("reopen", "closed", "received")]
    closing = StateChange.objects.get(enquiry=enquiry, transition="close")
    assert closing.details["outcome"] == "referred_elsewhere"


def test_reopen_needs_a_reason(closed, bob):
    with pytest.raises(ValidationError) as info:
        casework_services.enquiry_reopen(enquiry=closed, actor=bob, reason="  ")
    assert "reason" in info.value.message_dict
    assert Enquiry.objects.get(pk=closed.pk).state == State.CLOSED


def test_close_needs_a_known_outcome(enquiry, alice):
    with pytest.raises(ValidationError) as info:
        close(enquiry, alice, outcome="solved")
    assert "outcome" in info.value.message_dict
    assert Enquiry.objects.get(pk=enquiry.pk).state == State.RECEIVED


def test_forwarding_needs_consent_or_a_legal_duty(alice):
    enquiry = make_enquiry(actor=alice, subject_consents_to_forwarding=False)
    assess(enquiry, alice)
    with pytest.raises(ValidationError) as info:
        forward(enquiry, alice, legal_basis="consent")
    assert "legal_basis" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        forward(enquiry, alice, service_slugs=["no-such-service"])
    assert "services" in info.value.message_dict
    assert Enquiry.objects.get(pk=enquiry.pk).state == State.RISK_ASSESSED
    assert not enquiry.referrals.exists()


def test_forwarding_twice_to_the_same_open_referral_is_refused(forwarded, alice):
    with pytest.raises(ValidationError):
        forward(forwarded, alice, service_slugs=["nav-tonsberg"])
    assert forwarded.referrals.count() == 1


def test_every_transition_writes_its_audit_event(enquiry, alice, bob):
    assess(enquiry, alice)
    forward(enquiry, alice)
    close(enquiry, alice)
    reopen(enquiry, bob)
    transitions = list(
        AuditEvent.objects.filter(
            enquiry_id=enquiry.pk, action="transition", object_type="enquiry"
        ).values_list("filters__transition", flat=True)
    )
    assert transitions == ["assess", "forward", "close", "reopen"]


def test_assessing_again_is_offered_after_the_first_assessment(assessed, alice, mona, tor):
    """The contract allows a new assessment version from risk_assessed and forwarded."""
    assert assessed.transition_names_for(alice) == ["assess", "close", "forward"]
    assert assessed.transition_names_for(mona) == []
    assert assessed.transition_names_for(tor) == []
