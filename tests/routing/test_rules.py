"""Each default rule fires on an enquiry built to match it, and not on a near miss."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from casework import services as casework_services
from kernel.calendar import OSLO
from routing.defaults import rule_rows
from routing.models import RoutingRule
from routing.selectors import suggestions_for
from tests.factories import make_enquiry, years_ago

pytestmark = pytest.mark.django_db


# An enquiry that no default rule matches; each case changes only what its rule looks at.
NEUTRAL = {
    "subject_birth_date": dt.date(1980, 6, 1),
    "risk_factors": [],
    "violence_types": ["neglect"],
    "perpetrator_relation": "stranger",
    "location": "community",
    "immediate_danger": False,
    "children_in_household": False,
}
ACUTE_ANSWER = {"acute_recent_abuse_repetition": True}

# rule: (overrides that match, level), (near-miss overrides, level); level None = not assessed,
# "acute*" = acute criteria met through the instrument.
CASES: dict[str, tuple[tuple[dict[str, Any], str | None], tuple[dict[str, Any], str | None]]] = {
    "acute-danger-police": (({"immediate_danger": True}, None), ({}, "high")),
    "acute-level-police": (({}, "acute"), ({}, "high")),
    "under-18-child-welfare": (
        ({"subject_birth_date": years_ago(18, days=-1)}, None),
        ({"subject_birth_date": years_ago(18)}, None),
    ),
    "children-in-household": (({"children_in_household": True}, None), ({}, "high")),
    "serious-violence-close-relation-police": (
        ({"violence_types": ["physical"], "perpetrator_relation": "partner"}, "high"),
        ({"violence_types": ["physical"], "perpetrator_relation": "acquaintance"}, "high"),
    ),
    "partner-violence-risk": (
        ({"perpetrator_relation": "former_partner"}, "high"),
        ({"perpetrator_relation": "former_partner"}, "moderate"),
    ),
    "shelter": (
        ({"violence_types": ["stalking"], "perpetrator_relation": "co_resident"}, "high"),
        ({"violence_types": ["stalking"], "perpetrator_relation": "informal_carer"}, "high"),
    ),
    "sexual-abuse-support": (
        ({"violence_types": ["sexual"]}, None),
        ({"violence_types": ["physical"]}, None),
    ),
    "sexual-abuse-recent": (
        ({"violence_types": ["sexual"]}, "acute*"),
        ({"violence_types": ["sexual"]}, "acute"),
    ),
    "intellectual-disability-barnehus": (
        ({"violence_types": ["physical"], "risk_factors": ["cognitive_disability"]}, None),
        ({"violence_types": ["physical"], "risk_factors": ["physical_disability"]}, None),
    ),
    "elderly": (
        ({"subject_birth_date": years_ago(62)}, None),
        ({"subject_birth_date": years_ago(62, days=-1)}, None),
    ),
    "social-control": (
        ({"violence_types": ["honour_related"]}, None),
        ({"violence_types": ["psychological"]}, None),
    ),
    "forced-marriage-fgm-police": (
        ({"violence_types": ["fgm"]}, None),
        ({"violence_types": ["honour_related"]}, None),
    ),
    "economic-abuse": (
        ({"violence_types": ["economic"]}, None),
        ({"violence_types": ["material"]}, None),
    ),
    "substance-mental-health": (
        ({"risk_factors": ["mental_illness"]}, None),
        ({"risk_factors": ["physical_illness"]}, None),
    ),
    "care-setting": (
        ({"perpetrator_relation": "care_staff", "location": "care_home"}, None),
        ({"perpetrator_relation": "care_staff", "location": "own_home"}, None),
    ),
    "perpetrator-treatment": (
        ({"perpetrator_relation": "informal_carer"}, None),
        ({"perpetrator_relation": "care_staff"}, None),
    ),
    "family-counselling": (
        ({"perpetrator_relation": "sibling"}, None),
        ({"perpetrator_relation": "informal_carer"}, None),
    ),
    "crime-victim-support": (
        ({"violence_types": ["material"]}, None),
        ({"violence_types": ["psychological"]}, None),
    ),
}


def build(alice: Any, overrides: dict[str, Any], level: str | None) -> Any:
    enquiry = make_enquiry(actor=alice, **{**NEUTRAL, **overrides})
    if level == "acute*":
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers=ACUTE_ANSWER)
    elif level is not None:
        casework_services.enquiry_assess(
            enquiry=enquiry, actor=alice, answers={}, level_override=level
        )
    enquiry.refresh_from_db()
    return enquiry


def fires(rule: RoutingRule, enquiry: Any) -> bool:
    return any(
        s.service == rule.service.slug and rule.reason_en in s.reasons
        for s in suggestions_for(enquiry, language="en")
    )


def test_every_default_rule_has_a_case() -> None:
    assert {row["name"] for row in rule_rows()} == set(CASES)


def test_the_neutral_enquiry_matches_no_rule(alice: Any) -> None:
    assert suggestions_for(build(alice, {}, None)) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_fires_on_a_match(name: str, alice: Any) -> None:
    (overrides, level), _ = CASES[name]
    assert fires(RoutingRule.objects.get(name=name), build(alice, overrides, level))


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_does_not_fire_on_a_near_miss(name: str, alice: Any) -> None:
    _, (overrides, level) = CASES[name]
    assert not fires(RoutingRule.objects.get(name=name), build(alice, overrides, level))


def test_a_service_appears_once_with_all_its_reasons(alice: Any) -> None:
    enquiry = build(alice, {"immediate_danger": True, "violence_types": ["fgm"]}, None)
    police = [
        s for s in suggestions_for(enquiry, language="en") if s.service == "politiet-vestfold"
    ]
    assert len(police) == 1
    assert len(police[0].reasons) == 2 and police[0].legal_duty == "avvergeplikt"


# Saturday 15 May 2027, 23:00 in Oslo; Monday 17 May is Constitution Day (and Whit Monday).
SATURDAY_NIGHT = dt.datetime(2027, 5, 15, 23, 0, tzinfo=OSLO)


def test_acute_on_a_saturday_night_puts_24_7_services_first(alice: Any) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        enquiry = build(
            alice,
            {
                "immediate_danger": True,
                "perpetrator_relation": "partner",
                "subject_birth_date": dt.date(1950, 1, 1),
                "violence_types": ["sexual"],
            },
            None,
        )
        suggestions = suggestions_for(enquiry, language="en")
    slugs = [s.service for s in suggestions]
    open_flags = [s.open_now is True for s in suggestions]
    assert open_flags[0] and "politiet-vestfold" in slugs[:3]
    # Every open service comes before every service that is closed or of unknown hours.
    assert open_flags == sorted(open_flags, reverse=True)
    elder_line = next(s for s in suggestions if s.service == "vern-for-eldre")
    assert elder_line.open_now is False
    assert elder_line.opens_at == dt.datetime(
        2027, 5, 18, 9, 0, tzinfo=OSLO
    )  # Tuesday after 17 May
    assert slugs.index("vern-for-eldre") > slugs.index("smiso-vestfold")


def test_not_acute_keeps_priority_order(alice: Any) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        enquiry = build(
            alice,
            {"perpetrator_relation": "partner", "subject_birth_date": dt.date(1950, 1, 1)},
            None,
        )
        suggestions = suggestions_for(enquiry)
    priorities = [s.priority for s in suggestions]
    assert priorities == sorted(priorities)
