"""Facts about the adult that the national id already tells (birth date, and with it age) are
derived in one place; a contradiction is refused naming the field, and where the facts are partial
or disagree, the rule that protects a child wins (issue 14, fault 2).

Through the doors people use: the API (as a service key and as staff), the team's admin and the
residents' form.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.cache import caches
from django.utils import timezone

from intake.models import Enquiry
from intake.public_forms import form_started_token
from kernel import national_id
from tests.api.conftest import staff_client, submission


def make_id(born: dt.date) -> str:
    """A fødselsnummer with valid check digits for ``born`` (individual numbers of its century)."""
    start = 500 if born.year >= 2000 else 0
    base_date = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}"
    for individual in range(start, start + 500):
        base = f"{base_date}{individual:03d}"
        for k1 in range(10):
            for k2 in range(10):
                candidate = f"{base}{k1}{k2}"
                if (
                    national_id.has_valid_check_digits(candidate)
                    and national_id.birth_date(candidate) == born
                ):
                    return candidate
    raise AssertionError("no valid id")


CHILD_BORN = dt.date(2010, 5, 5)
CHILD_ID = make_id(CHILD_BORN)


def child_submission(**subject: Any) -> dict[str, Any]:
    body = submission()
    body["subject"] = {"name": "Mia Hansen", "national_id": CHILD_ID, **subject}
    return body


def test_a_birth_date_that_contradicts_the_national_id_is_refused_naming_the_field(
    nav: Any,
) -> None:
    response = nav.post(
        "/api/v1/enquiries/", child_submission(birth_date="1940-01-01"), format="json"
    )
    assert response.status_code == 400, response.json()
    assert "subject.birth_date" in response.json()["errors"]
    assert Enquiry.objects.count() == 0


def test_a_birth_year_that_contradicts_the_national_id_is_refused_naming_the_field(
    nav: Any,
) -> None:
    response = nav.post("/api/v1/enquiries/", child_submission(birth_year=1940), format="json")
    assert response.status_code == 400, response.json()
    assert "subject.birth_year" in response.json()["errors"]
    assert Enquiry.objects.count() == 0


def test_a_birth_year_that_contradicts_the_birth_date_is_refused(nav: Any) -> None:
    body = submission()
    body["subject"] = {"birth_date": "1940-01-01", "birth_year": 1950}
    response = nav.post("/api/v1/enquiries/", body, format="json")
    assert response.status_code == 400
    assert "subject.birth_year" in response.json()["errors"]


def test_facts_that_agree_with_the_national_id_are_accepted(nav: Any) -> None:
    response = nav.post(
        "/api/v1/enquiries/",
        child_submission(birth_date=CHILD_BORN.isoformat(), birth_year=CHILD_BORN.year),
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_the_national_id_alone_makes_it_child_welfares_case(nav: Any, alice: Any) -> None:
    response = nav.post("/api/v1/enquiries/", child_submission(), format="json")
    assert response.status_code == 201, response.json()
    enquiry = Enquiry.objects.get()
    suggestions = staff_client(alice).get(f"/api/v1/enquiries/{enquiry.pk}/suggestions/").json()
    assert "barneverntjenesten" in [s["service"] for s in suggestions]


def test_when_stored_facts_disagree_the_youngest_age_wins(alice: Any, as_user: Any) -> None:
    # An enquiry stored before contradictions were refused: the id says 15 or 16, the birth date
    # says 86. The under-18 notice and child welfare's suggestion must not disappear.
    response = staff_client(alice).post(
        "/api/v1/enquiries/",
        {**child_submission(), "channel": "phone"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    enquiry = Enquiry.objects.get()
    Enquiry.objects.filter(pk=enquiry.pk).update(subject_birth_date=dt.date(1940, 1, 1))

    page = as_user(alice).get(f"/admin/intake/enquiry/{enquiry.pk}/change/").content.decode()
    assert 'id="child-welfare-notice"' in page
    suggestions = staff_client(alice).get(f"/api/v1/enquiries/{enquiry.pk}/suggestions/").json()
    assert "barneverntjenesten" in [s["service"] for s in suggestions]


def test_the_admin_refuses_a_contradicting_birth_date_beside_the_field(
    alice: Any, as_user: Any
) -> None:
    client = as_user(alice)
    response = client.post(
        "/admin/intake/enquiry/add/",
        {
            "channel": "phone",
            "reporter_type": "relative",
            "subject_national_id": CHILD_ID,
            "subject_birth_date": "1940-01-01",
            "description": "Bekymring.",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "subject_birth_date" in form.errors
    assert Enquiry.objects.count() == 0


def test_the_residents_form_refuses_a_contradicting_year_beside_the_field(tonsberg: Any) -> None:
    caches["public_throttle"].clear()
    from django.test import Client

    response = Client().post(
        "/meld/",
        {
            "started": form_started_token(time.time() - 120),
            "website": "",
            "description": "Naboen blir slått.",
            "reporter_type": "anonymous",
            "subject_national_id": CHILD_ID,
            "subject_birth_year": "1940",
        },
    )
    assert response.status_code == 400
    assert "subject_birth_year" in response.context["form"].errors
    assert Enquiry.objects.count() == 0


def test_a_birth_year_alone_counts_as_the_younger_age(nav: Any) -> None:
    # Born 17 or 18 years ago this year: unknown day, so "under 18" must not be missed.
    body = submission()
    body["subject"] = {"birth_year": timezone.localdate().year - 18}
    response = nav.post("/api/v1/enquiries/", body, format="json")
    assert response.status_code == 201
    from routing.selectors import is_child_welfare_case

    assert is_child_welfare_case(Enquiry.objects.get())
