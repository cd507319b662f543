"""A start page per role (issue 20, item 3): ``/`` sends each signed-in role to its work, the
admin's index lists it, residents see the public start page, and nobody with a place to be is
told they have no permission."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework import services
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

NO_PERMISSION = "Du har ikke tillatelse"


@pytest.mark.parametrize(
    ("who", "start"),
    [
        ("alice", "/admin/intake/enquiry/mine/"),
        ("tor", "/admin/intake/enquiry/mine/"),
        ("bob", "/admin/intake/enquiry/?overdue=team&assigned=nobody"),
        ("mona", "/stats/"),
        ("aud", "/admin/audit/auditevent/"),
    ],
)
def test_the_start_page_leads_each_role_to_its_work(
    who: str, start: str, request: Any, as_user: Any
) -> None:
    client = as_user(request.getfixturevalue(who))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == start
    page = client.get(start)
    assert page.status_code == 200
    index = client.get("/admin/").content.decode()
    assert f'href="{start.replace("&", "&amp;")}"' in index
    assert NO_PERMISSION not in index and NO_PERMISSION not in page.content.decode()


def test_residents_see_the_public_start_page() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert b"/meld/" in response.content


def test_the_team_member_start_shows_their_own_enquiries(
    alice: Any, bob: Any, as_user: Any
) -> None:
    mine = make_enquiry(actor=alice)
    services.enquiry_assign(enquiry=mine, actor=bob, assignee=alice)
    others = make_enquiry(actor=alice)
    services.enquiry_assign(enquiry=others, actor=bob, assignee=bob)
    nobodys = make_enquiry(actor=alice)

    shown = as_user(alice).get("/admin/intake/enquiry/?assigned=me").context["cl"].result_list
    assert [e.pk for e in shown] == [mine.pk]
    start = as_user(alice).get(as_user(alice).get("/")["Location"]).content.decode()
    assert mine.reference in start
    assert others.reference not in start and nobodys.reference not in start
    shown = as_user(bob).get("/admin/intake/enquiry/?assigned=nobody").context["cl"].result_list
    assert [e.pk for e in shown] == [nobodys.pk]


def test_the_managers_index_leads_to_the_statistics(mona: Any, as_user: Any) -> None:
    page = as_user(mona).get("/admin/").content.decode()
    assert 'href="/stats/"' in page and "Statistikk" in page
    assert NO_PERMISSION not in page
