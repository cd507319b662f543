"""Directory contact details are security data (issue 15): a service's e-mail address decides
where referral links go. Only coordinators change the directory; every change of the directory,
the rules, the instrument, users, roles and keys is an audit event, with old and new values for
what is not personal data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from audit.models import AuditEvent
from routing.models import HelpService, RoutingRule
from routing.services import service_key_create
from tests.audit.helpers import events_after, last_seq
from tests.factories import UserFactory
from tests.html_forms import page_form_data

pytestmark = pytest.mark.django_db


def form_data(form: Any, **changes: Any) -> dict[str, Any]:
    """What the admin's change form would post back unchanged, with ``changes``."""
    from django.forms import MultiWidget

    data: dict[str, Any] = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else part
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if value is None:
            value = ""
        data[name] = value
    data.update(changes)
    return data


def change_url(service: HelpService) -> str:
    return f"/admin/routing/helpservice/{service.pk}/change/"


def test_a_coordinator_changes_a_services_e_mail_and_the_trail_has_old_and_new(
    bob: Any, as_user: Any
) -> None:
    service = HelpService.objects.get(slug="nav-tonsberg")
    old = service.email
    client = as_user(bob)
    page = client.get(change_url(service)).content.decode()
    before = last_seq()
    response = client.post(
        change_url(service),
        page_form_data(page, form_id="helpservice_form", email="ny@nav.example.no"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    service.refresh_from_db()
    assert service.email == "ny@nav.example.no"
    [event] = [e for e in events_after(before) if e.object_type == "helpservice"]
    assert (event.action, event.actor, event.object_id) == ("update", "bob", str(service.pk))
    assert event.fields == ["email"]
    assert event.filters["changes"] == {"email": [old, "ny@nav.example.no"]}
    assert event.reason == "contact details changed"


@pytest.mark.parametrize("who", ["alice", "mona", "aud"])
def test_only_coordinators_change_the_directory(who: str, request: Any, as_user: Any) -> None:
    user = request.getfixturevalue(who)
    service = HelpService.objects.get(slug="nav-tonsberg")
    old = service.email
    response = as_user(user).post(change_url(service), {"email": "evil@example.org"})
    assert response.status_code == 403
    service.refresh_from_db()
    assert service.email == old


def test_a_rule_change_records_old_and_new(bob: Any, as_user: Any) -> None:
    rule = RoutingRule.objects.get(name="elderly")
    client = as_user(bob)
    url = f"/admin/routing/routingrule/{rule.pk}/change/"
    page = client.get(url).content.decode()
    before = last_seq()
    response = client.post(
        url, page_form_data(page, form_id="routingrule_form", priority=rule.priority + 7)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = [e for e in events_after(before) if e.object_type == "routingrule"]
    assert event.filters["changes"] == {"priority": [rule.priority, rule.priority + 7]}


def test_a_superuser_changing_roles_is_recorded_with_roles_before_and_after(
    alice: Any, as_user: Any
) -> None:
    root = UserFactory(username="root", team=alice.team, is_superuser=True)
    client = as_user(root)
    url = f"/admin/accounts/user/{alice.pk}/change/"
    form = client.get(url).context["adminform"].form
    coordinator = Group.objects.get(name="coordinator")
    team_member = Group.objects.get(name="team_member")
    data = form_data(form, groups=[team_member.pk, coordinator.pk], user_permissions=[])
    data.pop("password", None)
    before = last_seq()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = [e for e in events_after(before) if e.object_type == "user"]
    assert event.actor == "root" and "roles" in event.fields
    assert event.filters["changes"]["roles"] == [
        ["team_member"],
        ["coordinator", "team_member"],
    ]
    assert "alice" not in json.dumps(event.filters)  # no personal values


def test_revoking_a_service_key_is_recorded(alice: Any, as_user: Any) -> None:
    key, _plain = service_key_create(slug="nav-tonsberg", name="NAV Tønsberg")
    root = UserFactory(username="root", team=alice.team, is_superuser=True)
    client = as_user(root)
    url = f"/admin/accounts/servicekey/{key.pk}/change/"
    form = client.get(url).context["adminform"].form
    before = last_seq()
    response = client.post(url, form_data(form, revoked="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = [e for e in events_after(before) if e.object_type == "servicekey"]
    assert event.object_id == key.prefix and event.fields == ["revoked"]
    assert event.filters["changes"] == {"revoked": [False, True]}
    assert User.objects.filter(username="root").exists()


def test_a_draft_question_change_is_recorded(bob: Any, as_user: Any) -> None:
    from intake.instrument import instrument_new_draft
    from intake.models import AssessmentInstrument

    draft = instrument_new_draft(source=AssessmentInstrument.current(), actor=bob)
    item = draft.items.order_by("position").first()
    before = last_seq()
    from intake.instrument import instrument_items_save

    old_text = item.text_en
    item.text_en = "Is there a weapon in the home?"
    instrument_items_save(instrument=draft, actor=bob, saved=[item], deleted=[])
    [event] = events_after(before)
    assert event.object_type == "instrumentitem"
    assert event.filters["changes"] == {"text_en": [old_text, "Is there a weapon in the home?"]}
    assert AuditEvent.objects.filter(seq=event.seq, actor="bob").exists()
