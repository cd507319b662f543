"""The team's admin, through the test client, as the team uses it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intake.models import Enquiry, State
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db


def change_url(enquiry: Enquiry) -> str:
    return reverse("admin:intake_enquiry_change", args=[enquiry.pk])


def transition_url(enquiry: Enquiry, name: str) -> str:
    return reverse("admin:intake_enquiry_transition", args=[enquiry.pk, name])


def test_the_list_is_in_norwegian_and_shows_only_the_teams_enquiries(enquiry, tor, alice, as_user):
    theirs = make_enquiry(actor=tor)
    response = as_user(alice).get(reverse("admin:intake_enquiry_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Henvendelser" in html
    assert "Mottatt" in html
    assert enquiry.reference in html
    assert theirs.reference not in html
    event = AuditEvent.objects.filter(action="list").latest("seq")
    assert event.enquiry_ids == [str(enquiry.pk)]


def test_the_list_filters_by_state_and_searches_by_reference(alice, as_user):
    first, second = make_enquiry(actor=alice), make_enquiry(actor=alice)
    client = as_user(alice)
    html = client.post(
        reverse("admin:intake_enquiry_changelist"), {"q": second.reference}
    ).content.decode()
    assert second.reference in html and first.reference not in html
    html = client.get(
        reverse("admin:intake_enquiry_changelist"), {"state__exact": "closed"}
    ).content.decode()
    assert second.reference not in html


def test_the_change_page_offers_the_transitions_the_user_may_take(enquiry, alice, as_user):
    html = as_user(alice).get(change_url(enquiry)).content.decode()
    assert 'value="assess"' in html
    assert 'value="close"' in html
    assert 'value="reopen"' not in html
    assert 'value="forward"' not in html


def test_a_team_member_logs_a_phone_enquiry(alice, as_user):
    response = as_user(alice).post(
        reverse("admin:intake_enquiry_add"),
        {
            "channel": "phone",
            "reporter_type": "relative",
            "reporter_name": "Kari",
            "description": "Datteren ringer om moren.",
            "violence_types": ["economic"],
            "subject_birth_year": "1941",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    enquiry = Enquiry.objects.get()
    assert (enquiry.channel, enquiry.created_by, enquiry.team.slug) == ("phone", alice, "tonsberg")
    assert enquiry.violence_types == ["economic"]
    assert AuditEvent.objects.filter(action="create", enquiry_id=enquiry.pk).count() == 1


def test_a_bad_enquiry_is_shown_with_its_errors_and_nothing_is_stored(alice, as_user):
    response = as_user(alice).post(
        reverse("admin:intake_enquiry_add"),
        {
            "channel": "phone",
            "reporter_type": "anonymous",
            "reporter_name": "Kari",
            "description": "x",
            "subject_national_id": "01017012345",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    assert not Enquiry.objects.exists()


def test_a_team_member_assesses_forwards_and_closes_in_the_admin(enquiry, alice, as_user):
    client = as_user(alice)
    # The transition button posts the change form and leads to the step's form.
    form_page = client.get(transition_url(enquiry, "assess"))
    assert form_page.status_code == 200
    assert "Utøveren har brukt eller truet med våpen" in form_page.content.decode()
    response = client.post(
        transition_url(enquiry, "assess"),
        {"version": enquiry.version, "item_danger_weapon": "on"},
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert (enquiry.state, enquiry.risk_level) == (State.RISK_ASSESSED, "high")

    page = client.get(transition_url(enquiry, "forward")).content.decode()
    assert "Foreslåtte tjenester" in page  # suggestions beside the forward form
    response = client.post(
        transition_url(enquiry, "forward"),
        {
            "version": enquiry.version,
            "services": ["nav-tonsberg"],
            "legal_basis": "consent",
            "note": "Ring meg",
        },
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.state == State.FORWARDED
    assert enquiry.referrals.get().service.slug == "nav-tonsberg"

    response = client.post(
        transition_url(enquiry, "close"),
        {
            "version": enquiry.version,
            "outcome": "risk_reduced",
            "outcome_asked": "asked_expressed",
            "outcome_achieved": "partially",
            "measures": ["conversation"],
        },
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert (enquiry.state, enquiry.outcome, enquiry.outcome_achieved) == (
        State.CLOSED,
        "risk_reduced",
        "partially",
    )


def test_the_transition_button_leads_to_the_form(enquiry, alice, as_user):
    client = as_user(alice)
    page = client.get(change_url(enquiry))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "risk_factors": enquiry.risk_factors,
            "violence_types": enquiry.violence_types,
            "_fsm_transition_to": "close",
            "subject_birth_date": "1940-01-01",
            "subject_knows_about_enquiry": "unknown",
            "subject_consents_to_forwarding": "true",
            "subject_consent_capacity_doubted": "unknown",
        }
    )
    for prefix in ("assessments", "referrals", "state_changes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(change_url(enquiry), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    assert response["Location"] == transition_url(enquiry, "close")
    assert Enquiry.objects.get(pk=enquiry.pk).state == State.RECEIVED  # nothing yet


def test_a_transition_posted_by_a_user_who_may_not_take_it_is_refused(closed, alice, as_user):
    response = as_user(alice).post(
        transition_url(closed, "reopen"), {"version": closed.version, "reason": "x"}
    )
    assert response.status_code == 302
    assert Enquiry.objects.get(pk=closed.pk).state == State.CLOSED


def test_the_coordinator_reopens_with_a_reason(closed, bob, as_user):
    client = as_user(bob)
    response = client.post(
        transition_url(closed, "reopen"), {"version": closed.version, "reason": ""}
    )
    assert response.status_code == 200  # the form again, with its error
    assert Enquiry.objects.get(pk=closed.pk).state == State.CLOSED
    response = client.post(
        transition_url(closed, "reopen"), {"version": closed.version, "reason": "Ny melding"}
    )
    assert response.status_code == 302
    assert Enquiry.objects.get(pk=closed.pk).state == State.RECEIVED


def test_a_stale_form_gets_the_reload_message(enquiry, alice, bob, as_user):
    from intake import services

    stale_version = enquiry.version
    services.enquiry_update(enquiry=enquiry, actor=bob, changes={"subject_name": "Per"})
    response = as_user(alice).post(
        transition_url(enquiry, "close"),
        {"version": stale_version, "outcome": "duplicate", "outcome_asked": "not_asked"},
        follow=True,
    )
    assert "endret av noen andre" in response.content.decode()
    assert Enquiry.objects.get(pk=enquiry.pk).state == State.RECEIVED


def test_a_lower_level_needs_a_reason_in_the_admin(enquiry, alice, as_user):
    response = as_user(alice).post(
        transition_url(enquiry, "assess"),
        {"version": enquiry.version, "item_danger_weapon": "on", "level_override": "low"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["override_reason"]
    assert Enquiry.objects.get(pk=enquiry.pk).state == State.RECEIVED
    assert not enquiry.assessments.exists()


@pytest.mark.parametrize("role", ["mona", "aud"])
def test_managers_and_auditors_cannot_open_the_enquiry_admin(request, enquiry, role, as_user):
    client = as_user(request.getfixturevalue(role))
    assert client.get(reverse("admin:intake_enquiry_changelist")).status_code == 403
    before = AuditEvent.objects.filter(action="permission_denied", actor=role).count()
    response = client.get(change_url(enquiry))
    assert response.status_code == 302  # "not found", like any enquiry one may not see
    assert enquiry.reference not in client.get(response.url).content.decode()
    refusals = AuditEvent.objects.filter(action="permission_denied", actor=role)
    assert refusals.count() == before + 1
    assert refusals.latest("seq").enquiry_id == enquiry.pk


def test_another_teams_member_cannot_open_the_enquiry(enquiry, tor, as_user):
    response = as_user(tor).get(change_url(enquiry), follow=True)
    assert enquiry.reference not in response.content.decode()
    assert AuditEvent.objects.filter(action="permission_denied", actor="tor").exists()


def test_coordinators_edit_the_instrument_and_rules_team_members_do_not(alice, bob, as_user):
    rules = reverse("admin:routing_routingrule_changelist")
    assert as_user(bob).get(rules).status_code == 200
    assert as_user(bob).get(reverse("admin:routing_routingrule_add")).status_code == 200
    assert as_user(alice).get(reverse("admin:routing_routingrule_add")).status_code == 403
    assert as_user(alice).get(reverse("admin:intake_assessmentinstrument_add")).status_code == 403
    assert as_user(bob).get(reverse("admin:intake_assessmentinstrument_add")).status_code == 200


def test_an_assessed_enquiry_can_be_assessed_again_from_its_page(forwarded, alice, as_user):
    client = as_user(alice)
    html = client.get(change_url(forwarded)).content.decode()
    assert transition_url(forwarded, "assess") in html
    response = client.post(
        transition_url(forwarded, "assess"),
        {"version": forwarded.version, "item_danger_weapon": "on"},
    )
    assert response.status_code == 302
    forwarded.refresh_from_db()
    assert (forwarded.state, forwarded.risk_level, forwarded.assessments.count()) == (
        State.FORWARDED,
        "high",
        2,
    )


def test_the_change_page_shows_assessments_referrals_and_history(forwarded, alice, as_user):
    response = as_user(alice).get(change_url(forwarded))
    html = response.content.decode()
    inline_rows = {
        formset.formset.prefix: len(formset.formset.forms)
        for formset in response.context["inline_admin_formsets"]
    }
    assert inline_rows == {"assessments": 1, "referrals": 1, "state_changes": 2}
    assert "NAV Tønsberg" in html  # the referral's service
