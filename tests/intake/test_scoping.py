"""Staff see only their own team's enquiries; other roles see none."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from intake import selectors, services
from intake.models import Enquiry
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


def test_staff_see_only_their_teams_enquiries(enquiry, alice, bob, tor):
    theirs = make_enquiry(actor=tor)
    assert list(selectors.enquiries_visible_to(alice)) == [enquiry]
    assert list(selectors.enquiries_visible_to(bob)) == [enquiry]
    assert list(selectors.enquiries_visible_to(tor)) == [theirs]


@pytest.mark.parametrize("role", ["mona", "aud"])
def test_managers_and_auditors_see_no_enquiries(request, enquiry, role):
    assert not selectors.enquiries_visible_to(request.getfixturevalue(role)).exists()


def test_it_rejects_another_teams_enquiry_and_logs_the_refusal(enquiry, tor):
    with pytest.raises(Enquiry.DoesNotExist):
        selectors.enquiry_for_actor(actor=tor, pk=enquiry.pk)
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor, event.object_id) == (
        "permission_denied",
        "tor",
        str(enquiry.pk),
    )


def test_a_coordinator_may_break_the_glass_with_a_reason(tonsberg, faerder, tor, bob):
    theirs = make_enquiry(actor=tor)
    with pytest.raises(Enquiry.DoesNotExist):
        selectors.enquiry_for_actor(actor=bob, pk=theirs.pk)
    assert (
        selectors.enquiry_for_actor(
            actor=bob, pk=theirs.pk, reason="Akutt, teamet er ikke tilgjengelig"
        )
        == theirs
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.reason) == ("break_glass", "Akutt, teamet er ikke tilgjengelig")


def test_a_team_member_cannot_break_the_glass(tor, alice):
    theirs = make_enquiry(actor=tor)
    with pytest.raises(Enquiry.DoesNotExist):
        selectors.enquiry_for_actor(actor=alice, pk=theirs.pk, reason="nysgjerrig")


def test_it_rejects_edits_from_another_team(enquiry, tor):
    with pytest.raises(PermissionDenied):
        services.enquiry_update(enquiry=enquiry, actor=tor, changes={"subject_name": "X"})


def test_new_enquiries_belong_to_the_creators_team(tor, faerder):
    assert make_enquiry(actor=tor).team == faerder


def test_references_are_unique_and_numbered_per_year(alice):
    first, second = make_enquiry(actor=alice), make_enquiry(actor=alice)
    year = first.received_at.year
    assert first.reference.startswith(f"TE-{year}-")
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
