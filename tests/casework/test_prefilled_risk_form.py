"""The risk form starts from what is known (issue 16 item 8): answers given at intake are
pre-filled and marked as such, the description is beside the assessment and forwarding forms,
and suggested services are ticked only where the rule says so."""

from __future__ import annotations

from typing import Any

import pytest

from casework import services as casework_services
from routing.models import RoutingRule
from tests.factories import make_enquiry


def assess_page(enquiry: Any) -> str:
    return f"/admin/intake/enquiry/{enquiry.pk}/transition/assess/"


@pytest.mark.django_db
def test_answers_from_intake_are_prefilled_and_marked(alice: Any, as_user: Any) -> None:
    enquiry = make_enquiry(
        actor=alice,
        subject_consent_capacity_doubted=True,
        children_in_household=True,
        immediate_danger=True,
        description="Naboen hører roping hver kveld.",
    )
    response = as_user(alice).get(assess_page(enquiry))
    form = response.context["form"]
    html = response.content.decode()
    assert form["item_vulnerability_consent_capacity_doubted"].initial is True
    assert form["item_vulnerability_children_in_household"].initial is True
    assert form["item_danger_weapon"].initial is False
    assert sorted(form.prefilled_from_intake) == [
        "item_vulnerability_children_in_household",
        "item_vulnerability_consent_capacity_doubted",
    ]
    assert html.count("Forhåndsutfylt: besvart ved mottak.") == 2
    assert "Naboen hører roping hver kveld." in html
    assert "Akutt fare ble meldt ved mottak" in html


@pytest.mark.django_db
def test_nothing_is_prefilled_that_intake_did_not_say(alice: Any, as_user: Any) -> None:
    enquiry = make_enquiry(actor=alice, subject_consent_capacity_doubted=None)
    form = as_user(alice).get(assess_page(enquiry)).context["form"]
    assert not form.prefilled_from_intake
    assert not any(form[name].initial for name in form.fields if name.startswith("item_"))


@pytest.mark.django_db
def test_suggested_services_are_ticked_only_where_the_rule_says_so(
    alice: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(
        actor=alice, immediate_danger=True, violence_types=["economic"], description="Pengene tas."
    )
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    response = as_user(alice).get(f"/admin/intake/enquiry/{enquiry.pk}/transition/forward/")
    suggested = [s.service for s in response.context["suggestions"]]
    assert "politiet-vestfold" in suggested and len(suggested) > 1
    assert response.context["form"].fields["services"].initial == ["politiet-vestfold"]
    assert "Pengene tas." in response.content.decode()
    RoutingRule.objects.filter(service__slug="politiet-vestfold").update(preselect=False)
    response = as_user(alice).get(f"/admin/intake/enquiry/{enquiry.pk}/transition/forward/")
    assert response.context["form"].fields["services"].initial == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_prefilled_risk_form_in_a_browser(page: Any, alice: Any) -> None:
    from tests.browser import axe_violations, sign_in

    enquiry = make_enquiry(
        actor=alice,
        subject_consent_capacity_doubted=True,
        children_in_household=True,
        description="Datteren forteller om slag.",
    )
    sign_in(page, alice, next_url=assess_page(enquiry))
    assert page.is_checked("#id_item_vulnerability_consent_capacity_doubted")
    assert page.is_checked("#id_item_vulnerability_children_in_household")
    assert not page.is_checked("#id_item_danger_weapon")
    assert page.locator("#id_item_vulnerability_children_in_household_prefilled").inner_text() == (
        "Forhåndsutfylt: besvart ved mottak."
    )
    assert "Datteren forteller om slag." in page.locator("#enquiry-description").inner_text()
    assert axe_violations(page) == []
    # The assessor may untick what intake said; the answer given is the one stored.
    page.uncheck("#id_item_vulnerability_children_in_household")
    page.click("#content-main form input[type=submit]")
    page.wait_for_url(f"**/admin/intake/enquiry/{enquiry.pk}/change/")
    latest = enquiry.assessments.get()
    assert latest.answers["vulnerability_consent_capacity_doubted"] is True
    assert latest.answers["vulnerability_children_in_household"] is False
    assert not page.problems, page.problems
