"""Every admin form offers only what its service accepts, and every refusal of a service reaches
the user as a message on the form, never a 500 (issue 14, fault 9)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from intake.models import Enquiry
from tests.casework.test_closed_read_only import change_url, form_as_sent


def assigned_to_choices(html: str) -> set[str]:
    select = html.split('name="assigned_to"')[1].split("</select>")[0]
    return {
        label.split("<")[0].strip()
        for label in select.split(">")[1:]
        if label.split("<")[0].strip() and not label.startswith("-")
    }


def test_the_assignee_list_offers_only_the_enquirys_team_workers(
    enquiry: Any, alice: Any, bob: Any, mona: Any, aud: Any, tor: Any, as_user: Any
) -> None:
    response = as_user(bob).get(change_url(enquiry))
    form = response.context["adminform"].form
    offered = set(form.fields["assigned_to"].queryset)
    assert offered == {alice, bob}


def test_choosing_someone_the_service_refuses_is_a_message_on_the_form_not_a_500(
    enquiry: Any, alice: Any, bob: Any, aud: Any, tor: Any, as_user: Any
) -> None:
    client = as_user(bob)
    data = form_as_sent(client.get(change_url(enquiry)).content.decode())
    for outsider in (aud, tor):
        data["assigned_to"] = [str(outsider.pk)]
        response = client.post(change_url(enquiry), data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["assigned_to"]
    enquiry.refresh_from_db()
    assert enquiry.assigned_to is None


def test_a_refusal_the_form_could_not_foresee_is_shown_on_it_and_nothing_is_kept(
    enquiry: Any, bob: Any, alice: Any, as_user: Any, monkeypatch: Any
) -> None:
    # A service that refuses after the form was valid (here: a rule the form does not know):
    # the user sees its words beside the field, keeps what they typed, and nothing is stored.
    from casework import services

    def refuse(**kwargs: Any) -> None:
        raise ValidationError({"assigned_to": ["Alice er på ferie."]})

    monkeypatch.setattr(services, "enquiry_assign", refuse)
    client = as_user(bob)
    data = form_as_sent(client.get(change_url(enquiry)).content.decode())
    data["assigned_to"] = [str(alice.pk)]
    data["subject_name"] = ["Per Olsen"]
    updates = AuditEvent.objects.filter(action="update").count()
    response = client.post(change_url(enquiry), data)
    assert response.status_code == 200
    assert "Alice er på ferie." in response.content.decode()
    assert 'value="Per Olsen"' in response.content.decode()
    assert Enquiry.objects.get(pk=enquiry.pk).subject_name == "Ola Hansen"
    assert AuditEvent.objects.filter(action="update").count() == updates


def test_a_routing_rule_the_service_refuses_is_shown_on_the_form(
    bob: Any, as_user: Any, monkeypatch: Any
) -> None:
    from routing import services as routing_services
    from routing.models import HelpService, RoutingRule

    def refuse(**kwargs: Any) -> None:
        raise ValidationError(["Regelen overlapper en annen."])

    monkeypatch.setattr(routing_services, "routing_rule_save", refuse)
    before = RoutingRule.objects.count()
    response = as_user(bob).post(
        "/admin/routing/routingrule/add/",
        {
            "name": "ny-regel",
            "conditions": '{"immediate_danger": true}',
            "service": HelpService.objects.filter(active=True).first().pk,
            "for_whom": "victim",
            "priority": "5",
            "reason_nb": "Grunn",
            "reason_en": "Reason",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Regelen overlapper en annen." in response.content.decode()
    assert RoutingRule.objects.count() == before


def test_the_forward_form_offers_only_what_forwarding_accepts(
    forwarded: Any, alice: Any, as_user: Any
) -> None:
    forwarded.refresh_from_db()
    Enquiry.objects.filter(pk=forwarded.pk).update(subject_consents_to_forwarding=None)
    page = as_user(alice).get(f"/admin/intake/enquiry/{forwarded.pk}/transition/forward/")
    form = page.context["form"]
    assert "consent" not in dict(form.fields["legal_basis"].choices)
    assert "nav-tonsberg" not in dict(form.fields["services"].choices)  # already referred
