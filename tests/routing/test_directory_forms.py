"""The directory's and the rules' forms in the admin: conditions as fields, phone numbers as rows,
opening hours as a week table with exceptions; valid input stored as the model's JSON through the
services (audited), invalid input refused with the message on its field and nothing stored."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audit.models import AuditEvent
from kernel.opening_hours import is_open
from kernel.vocabulary import codes
from routing.forms import RoutingRuleForm
from routing.models import CONDITION_KEYS, CONDITION_VOCABULARY, HelpService, RoutingRule
from tests.routing.test_opening_hours import oslo

pytestmark = pytest.mark.django_db

ADD_RULE = "/admin/routing/routingrule/add/"


def field_error(html: str, field: str) -> str:
    """The error list rendered for ``field`` (Django gives it the id ``id_<field>_error``), or ""."""
    match = re.search(rf'<ul class="errorlist" id="id_{re.escape(field)}_error">(.*?)</ul>', html)
    return match.group(1) if match else ""


# --- Routing rules: one field per condition ---


def rule_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "digital-abuse",
        "service": HelpService.objects.get(slug="politiet-vestfold").pk,
        "for_whom": "victim",
        "priority": 5,
        "legal_duty": "",
        "reason_nb": "Digital vold: vurder anmeldelse.",
        "reason_en": "Digital abuse: consider reporting.",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_every_condition_key_is_a_field_with_the_vocabularys_choices() -> None:
    form = RoutingRuleForm()
    for key in CONDITION_KEYS:
        assert key in form.fields, key
        group = CONDITION_VOCABULARY.get(key)
        if group:
            offered = [code for code, _label in form.fields[key].choices if code]
            assert offered == codes(group), key
    assert "conditions" not in form.fields  # never typed as JSON


def test_bob_adds_a_rule_from_fields_and_it_is_stored_as_its_conditions(
    bob: Any, as_user: Any
) -> None:
    response = as_user(bob).post(
        ADD_RULE,
        rule_form(
            violence_any=["digital", "psychological"],
            relation_any=["former_partner"],
            risk_level_at_least="moderate",
            age_at_least="18",
            immediate_danger="on",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = RoutingRule.objects.get(name="digital-abuse")
    assert rule.conditions == {
        "immediate_danger": True,
        "risk_level_at_least": "moderate",
        "violence_any": ["digital", "psychological"],
        "relation_any": ["former_partner"],
        "age_at_least": 18,
    }
    event = AuditEvent.objects.get(object_type="routingrule", object_id=str(rule.pk))
    assert (event.actor, event.action) == ("bob", "create")


def test_empty_fields_do_not_constrain(bob: Any, as_user: Any) -> None:
    assert as_user(bob).post(ADD_RULE, rule_form(children_in_household="on")).status_code == 302
    assert RoutingRule.objects.get(name="digital-abuse").conditions == {
        "children_in_household": True
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"violence_any": ["karate"]}, "violence_any"),  # not in the vocabulary
        ({"location_any": ["moon"]}, "location_any"),
        ({"risk_level_at_least": "extreme"}, "risk_level_at_least"),
        ({"age_at_least": "-3"}, "age_at_least"),
        ({"age_below": "eighteen"}, "age_below"),
        ({"age_at_least": "67", "age_below": "18"}, "age_below"),  # no one is both
        ({"age_at_least": "200"}, "age_at_least"),
        ({"service": 999_999}, "service"),
        ({"legal_duty": "duty_to_gossip"}, "legal_duty"),
    ],
)
def test_a_wrong_condition_is_refused_with_the_message_on_its_field(
    bob: Any, as_user: Any, overrides: dict[str, Any], field: str
) -> None:
    response = as_user(bob).post(ADD_RULE, rule_form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error(html, field), html[:200]
    assert not RoutingRule.objects.filter(name="digital-abuse").exists()


def test_an_existing_rule_shows_its_conditions_in_the_fields(bob: Any, as_user: Any) -> None:
    rule = RoutingRule.objects.get(name="elderly")
    assert rule.conditions == {"age_at_least": 62}
    html = as_user(bob).get(f"/admin/routing/routingrule/{rule.pk}/change/").content.decode()
    assert re.search(r'<input[^>]*name="age_at_least"[^>]*value="62"', html)
    assert 'name="conditions"' not in html


def test_changing_a_condition_is_audited_as_a_change_of_the_conditions(
    bob: Any, as_user: Any
) -> None:
    rule = RoutingRule.objects.get(name="elderly")
    data = rule_form(
        name="elderly",
        service=rule.service_id,
        for_whom=rule.for_whom,
        priority=rule.priority,
        legal_duty=rule.legal_duty,
        reason_nb=rule.reason_nb,
        reason_en=rule.reason_en,
        age_at_least="65",
    )
    response = as_user(bob).post(f"/admin/routing/routingrule/{rule.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.conditions == {"age_at_least": 65}
    event = AuditEvent.objects.filter(object_type="routingrule", object_id=str(rule.pk)).get()
    assert event.action == "update" and "conditions" in event.fields


def test_bob_cannot_break_an_existing_rule(bob: Any, as_user: Any) -> None:
    rule = RoutingRule.objects.get(name="elderly")
    data = rule_form(name="elderly", service=rule.service_id, age_at_least="-3")
    response = as_user(bob).post(f"/admin/routing/routingrule/{rule.pk}/change/", data)
    assert response.status_code == 200
    rule.refresh_from_db()
    assert rule.conditions == {"age_at_least": 62}


def test_alice_cannot_edit_rules(alice: Any, as_user: Any) -> None:
    assert as_user(alice).post(ADD_RULE, rule_form()).status_code == 403
    assert not RoutingRule.objects.filter(name="digital-abuse").exists()


def test_the_rule_list_reads_the_conditions_in_words(bob: Any, as_user: Any) -> None:
    html = as_user(bob).get("/admin/routing/routingrule/").content.decode()
    assert "Alder minst 62" in html
    assert "age_at_least" not in html


# --- A service: phone numbers as rows, opening hours as a week table ---

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def service_form(service: HelpService, **overrides: Any) -> dict[str, Any]:
    """The change form of ``service`` as the page would post it: no phones, hours unknown."""
    data: dict[str, Any] = {
        "name": service.name,
        "slug": service.slug,
        "kind": service.kind,
        "category": service.category,
        "serves": service.serves,
        "active": "on",
        "age_min": "",
        "age_max": "",
        "referral_route": service.referral_route,
        "url": service.url,
        "email": service.email,
        "organisation": "",
        "notes": service.notes,
        "plan_ref": service.plan_ref,
        # The help page's fields (issue 19) as the page has them.
        "situations": list(service.situations or []),
        "public_order": service.public_order,
        "hours_kind": "unknown",
        "holidays": "closed",
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "0",
        "week-TOTAL_FORMS": "7",
        "week-INITIAL_FORMS": "0",
        "exceptions-TOTAL_FORMS": "2",
        "exceptions-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def office_week(opens: str = "08:00", closes: str = "15:30") -> dict[str, str]:
    return {
        key: value
        for index in range(5)
        for key, value in ((f"week-{index}-opens", opens), (f"week-{index}-closes", closes))
    }


@pytest.fixture
def family_office() -> HelpService:
    return HelpService.objects.get(slug="familievernkontoret-vestfold")


def change(client: Any, service: HelpService, data: dict[str, Any]) -> Any:
    return client.post(f"/admin/routing/helpservice/{service.pk}/change/", data)


def test_the_change_page_shows_phones_as_rows_and_the_week_table(
    bob: Any, as_user: Any, family_office: HelpService
) -> None:
    html = as_user(bob).get(f"/admin/routing/helpservice/{family_office.pk}/change/").content
    html = html.decode()
    assert re.search(r'name="phones-0-number"[^>]*value="46 61 81 80"', html)
    assert re.search(r'name="week-0-opens"[^>]*value="08:00"', html)  # Monday
    assert re.search(r'name="week-5-opens"(?![^>]*value=)', html)  # Saturday: closed
    assert '<label class="visually-hidden" for="id_week-0-opens">Mandag: Åpner</label>' in html
    assert 'name="phones"' not in html and 'name="hours"' not in html  # never JSON


def test_bob_saves_phone_rows_and_empty_rows_are_left_out(
    bob: Any, as_user: Any, family_office: HelpService
) -> None:
    data = service_form(
        family_office,
        **{
            "phones-TOTAL_FORMS": "3",
            "phones-0-label": "Sentralbord",
            "phones-0-number": "46  61 81 80",
            "phones-1-label": "Vakttelefon",
            "phones-1-number": "+47 33 35 91 91",
        },
    )
    response = change(as_user(bob), family_office, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    family_office.refresh_from_db()
    assert family_office.phones == [
        {"label": "Sentralbord", "number": "46 61 81 80"},
        {"label": "Vakttelefon", "number": "+47 33 35 91 91"},
    ]
    event = AuditEvent.objects.get(object_type="helpservice", object_id=str(family_office.pk))
    assert event.actor == "bob" and {"phones", "hours"} <= set(event.fields)


def test_a_deleted_phone_row_is_removed(bob: Any, as_user: Any, family_office: HelpService) -> None:
    data = service_form(
        family_office,
        **{
            "phones-INITIAL_FORMS": "1",
            "phones-0-label": "Familievernkontoret",
            "phones-0-number": "46 61 81 80",
            "phones-0-DELETE": "on",
        },
    )
    assert change(as_user(bob), family_office, data).status_code == 302
    family_office.refresh_from_db()
    assert family_office.phones == []


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"phones-0-label": "Sentralbord", "phones-0-number": "ring oss"}, "phones-0-number"),
        ({"phones-0-label": "Sentralbord", "phones-0-number": "1"}, "phones-0-number"),
        ({"phones-0-label": "", "phones-0-number": "33 35 91 91"}, "phones-0-label"),
        ({"phones-0-label": "Sentralbord", "phones-0-number": ""}, "phones-0-number"),
    ],
)
def test_a_wrong_phone_row_is_refused_with_the_message_on_its_field(
    bob: Any, as_user: Any, family_office: HelpService, row: dict[str, str], field: str
) -> None:
    before = family_office.phones
    response = change(as_user(bob), family_office, service_form(family_office, **row))
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error(html, field)
    assert "errornote" in html
    family_office.refresh_from_db()
    assert family_office.phones == before


def test_bob_saves_a_week_table_with_summer_hours_and_a_christmas_closure(
    bob: Any, as_user: Any, family_office: HelpService
) -> None:
    data = service_form(
        family_office,
        hours_kind="week",
        holidays="closed",
        **office_week(),
        **{
            "week-2-opens_2": "17:00",  # Wednesday evening too
            "week-2-closes_2": "19:00",
            "exceptions-0-date_from": "2027-07-01",
            "exceptions-0-date_to": "2027-08-08",
            "exceptions-0-note": "Sommertid",
            "exceptions-0-opens": "09:00",
            "exceptions-0-closes": "14:00",
            "exceptions-1-date_from": "2026-12-23",
            "exceptions-1-date_to": "2027-01-03",
            "exceptions-1-note": "Jul",
            "exceptions-1-closed": "on",
        },
    )
    response = change(as_user(bob), family_office, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    family_office.refresh_from_db()
    hours = family_office.hours
    assert hours["week"]["mon"] == [{"from": "08:00", "to": "15:30"}]
    assert hours["week"]["wed"] == [
        {"from": "08:00", "to": "15:30"},
        {"from": "17:00", "to": "19:00"},
    ]
    assert hours["week"]["sat"] == [] and hours["holidays"] == "closed"
    assert hours["exceptions"] == [
        {
            "from": "2027-07-01",
            "to": "2027-08-08",
            "note": "Sommertid",
            "hours": [{"from": "09:00", "to": "14:00"}],
        },
        {"from": "2026-12-23", "to": "2027-01-03", "note": "Jul", "hours": []},
    ]
    assert is_open(hours, oslo(2027, 7, 5, 8, 30)) is False  # summer: opens at nine
    assert is_open(hours, oslo(2026, 12, 28, 10, 0)) is False  # Christmas closure
    assert is_open(hours, oslo(2026, 12, 2, 18, 0)) is True  # Wednesday evening


@pytest.mark.parametrize(
    ("kind", "stored"), [("always", "24/7"), ("unknown", None)], ids=["24/7", "unknown"]
)
def test_always_open_and_unknown_are_one_choice(
    bob: Any, as_user: Any, family_office: HelpService, kind: str, stored: Any
) -> None:
    response = change(as_user(bob), family_office, service_form(family_office, hours_kind=kind))
    assert response.status_code == 302
    family_office.refresh_from_db()
    assert family_office.hours == stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"week-0-opens": "15:00", "week-0-closes": "08:00"}, "week-0-closes"),
        ({"week-1-closes": ""}, "week-1-closes"),  # half filled in
        ({"week-1-opens": ""}, "week-1-opens"),
        ({"week-0-opens": "kl. 8"}, "week-0-opens"),
        (
            {"week-2-opens": "08:00", "week-2-closes": "15:00", "week-2-opens_2": "14:00"},
            "week-2-opens_2",
        ),
        (
            {
                "exceptions-0-date_from": "2027-08-08",
                "exceptions-0-date_to": "2027-07-01",
                "exceptions-0-closed": "on",
            },
            "exceptions-0-date_to",
        ),
        (
            {"exceptions-0-date_from": "2027-07-01", "exceptions-0-date_to": "2027-07-31"},
            "exceptions-0-opens",  # neither hours nor closed
        ),
        (
            {
                "exceptions-0-date_from": "2027-07-01",
                "exceptions-0-date_to": "2027-07-31",
                "exceptions-0-closed": "on",
                "exceptions-1-date_from": "2027-07-20",
                "exceptions-1-date_to": "2027-08-10",
                "exceptions-1-closed": "on",
            },
            "exceptions-1-date_from",  # overlaps the first
        ),
        (
            {"exceptions-0-date_from": "31.02.2027", "exceptions-0-closed": "on"},
            "exceptions-0-date_from",
        ),
    ],
)
def test_wrong_hours_are_refused_with_the_message_on_their_field(
    bob: Any, as_user: Any, family_office: HelpService, overrides: dict[str, str], field: str
) -> None:
    before = family_office.hours
    data = service_form(family_office, hours_kind="week", **office_week())
    data.update(overrides)
    response = change(as_user(bob), family_office, data)
    assert response.status_code == 200
    assert field_error(response.content.decode(), field)
    family_office.refresh_from_db()
    assert family_office.hours == before


def test_a_week_table_without_any_open_day_is_refused(
    bob: Any, as_user: Any, family_office: HelpService
) -> None:
    response = change(as_user(bob), family_office, service_form(family_office, hours_kind="week"))
    assert response.status_code == 200
    assert field_error(response.content.decode(), "hours_kind")


def test_the_service_list_reads_the_hours_in_words(bob: Any, as_user: Any) -> None:
    html = as_user(bob).get("/admin/routing/helpservice/").content.decode()
    assert "Man–fre 08:00–15:30" in html
    assert "Hele døgnet (24/7)" in html


def test_alice_cannot_change_the_directory(
    alice: Any, as_user: Any, family_office: HelpService
) -> None:
    response = change(as_user(alice), family_office, service_form(family_office))
    assert response.status_code == 403
