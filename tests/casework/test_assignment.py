"""Taking and handing over cases, "Mine saker" and the "Frist" column (issue 16, item 2).

Alice is a team member, Bob a coordinator (both Tønsberg); Tor works in Færder; Aud is an
auditor and Mona a manager in Tønsberg: neither may be given a case."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from casework import followups
from intake.models import Enquiry
from tests.conftest import sign_in_client
from tests.factories import UserFactory, make_enquiry
from tests.html_forms import page_form_data

pytestmark = pytest.mark.django_db


def change_url(enquiry: Any) -> str:
    return f"/admin/intake/enquiry/{enquiry.pk}/change/"


def assign_api(user: Any, enquiry: Any, assignee: str | None) -> Any:
    client = sign_in_client(APIClient(), user)
    return client.post(
        f"/api/v1/enquiries/{enquiry.pk}/assign/", {"assignee": assignee}, format="json"
    )


def assignment_events(enquiry: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(enquiry_id=enquiry.pk, reason__startswith="assignment:")
        .order_by("seq")
        .values_list("reason", flat=True)
    )


def test_a_team_member_takes_the_case_from_its_page(enquiry: Any, alice: Any, as_user: Any) -> None:
    client = as_user(alice)
    page = client.get(change_url(enquiry)).content.decode()
    assert 'id="take-case"' in page
    response = client.post(f"/admin/intake/enquiry/{enquiry.pk}/take/")
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.assigned_to == alice
    assert assignment_events(enquiry) == ["assignment:taken"]
    # Taken: the button is gone.
    assert 'id="take-case"' not in client.get(change_url(enquiry)).content.decode()


def test_a_team_member_takes_through_the_api_but_cannot_hand_the_case_to_a_colleague(
    enquiry: Any, alice: Any, bob: Any
) -> None:
    colleague = UserFactory(username="carl", team=alice.team, roles=["team_member"])
    response = assign_api(alice, enquiry, "carl")
    assert response.status_code == 403
    assert Enquiry.objects.get(pk=enquiry.pk).assigned_to is None
    response = assign_api(alice, enquiry, "alice")
    assert response.status_code == 200
    assert response.json()["assigned_to"] == "alice"
    # Giving one's own case back is allowed; taking it from a colleague's hands is a takeover.
    assert assign_api(alice, enquiry, None).json()["assigned_to"] is None
    assert assignment_events(enquiry) == ["assignment:taken", "assignment:released"]
    assert colleague.pk


def test_a_coordinator_hands_the_case_to_a_member_of_its_team_only(
    enquiry: Any, alice: Any, bob: Any, tor: Any, aud: Any, mona: Any
) -> None:
    for outsider in ("tor", "aud", "mona", "nobody-at-all"):
        response = assign_api(bob, enquiry, outsider)
        assert response.status_code == 400, outsider
        assert "assignee" in response.json()["errors"]
    assert Enquiry.objects.get(pk=enquiry.pk).assigned_to is None
    response = assign_api(bob, enquiry, "alice")
    assert response.status_code == 200 and response.json()["assigned_to"] == "alice"
    assert assign_api(bob, enquiry, "bob").json()["assigned_to"] == "bob"
    assert assignment_events(enquiry) == ["assignment:handed_over", "assignment:taken"]


def test_the_coordinators_form_offers_the_team_only_and_a_forged_choice_is_refused(
    enquiry: Any, alice: Any, bob: Any, tor: Any, aud: Any, as_user: Any
) -> None:
    client = as_user(bob)
    html = client.get(change_url(enquiry)).content.decode()
    select = re.search(r'<select name="assigned_to".*?</select>', html, re.S)
    assert select
    offered = set(re.findall(r'<option value="(\d+)"', select.group(0)))
    assert offered == {str(alice.pk), str(bob.pk)}
    form = page_form_data(html)
    form["assigned_to"] = str(tor.pk)  # not offered: a forged request
    response = client.post(change_url(enquiry), form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["assigned_to"]
    assert Enquiry.objects.get(pk=enquiry.pk).assigned_to is None
    form["assigned_to"] = str(alice.pk)
    assert client.post(change_url(enquiry), form).status_code == 302
    assert Enquiry.objects.get(pk=enquiry.pk).assigned_to == alice
    assert assignment_events(enquiry) == ["assignment:handed_over"]


def test_a_team_member_sees_no_assignment_list_and_another_team_gets_404(
    enquiry: Any, alice: Any, tor: Any, as_user: Any
) -> None:
    html = as_user(alice).get(change_url(enquiry)).content.decode()
    assert '<select name="assigned_to"' not in html
    assert assign_api(tor, enquiry, "tor").status_code == 404


def test_mine_saker_lists_my_cases_by_their_next_deadline_and_my_tasks(
    alice: Any, bob: Any, as_user: Any
) -> None:
    later = make_enquiry(actor=alice)
    sooner = make_enquiry(actor=alice)
    not_mine = make_enquiry(actor=alice)
    for enquiry in (later, sooner):
        assign_api(alice, enquiry, "alice")
    task = followups.task_add(
        enquiry=sooner,
        actor=alice,
        title="Ringe fastlegen tilbake",
        due_at=timezone.now() + dt.timedelta(hours=3),
    )
    client = as_user(alice)
    html = client.get("/admin/intake/enquiry/mine/").content.decode()
    mine = re.search(r'<table id="my-enquiries">.*?</table>', html, re.S).group(0)
    assert mine.index(sooner.reference) < mine.index(later.reference)
    assert not_mine.reference not in mine
    assert len(re.findall(r'class="next-deadline">\d', mine)) == 2
    tasks = re.search(r'<table id="my-tasks">.*?</table>', html, re.S).group(0)
    assert task.title in tasks and sooner.reference in tasks
    assert 'id="my-cases-link"' in html


def test_the_list_has_a_deadline_column_and_sorts_by_it(alice: Any, as_user: Any) -> None:
    first = make_enquiry(actor=alice)
    second = make_enquiry(actor=alice)
    # The second gets a task due before either clock runs out.
    followups.task_add(
        enquiry=second,
        actor=alice,
        title="Følge opp",
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    client = as_user(alice)
    html = client.get("/admin/intake/enquiry/").content.decode()
    assert "column-next_deadline" in html
    headers = re.findall(r'<th scope="col" class="(?:sortable )?column-(\w+)', html)
    index = headers.index("next_deadline")
    html = client.get(f"/admin/intake/enquiry/?o={index}").content.decode()
    assert html.index(second.reference) < html.index(first.reference)
    html = client.get(f"/admin/intake/enquiry/?o=-{index}").content.decode()
    assert html.index(first.reference) < html.index(second.reference)
    assert User.objects.filter(username="alice").exists()
