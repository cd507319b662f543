"""Through the admin: coordinators see the next 30 days and set a legal hold, produce an adult's
data (POSTed, printable and JSON, the anonymous reporter withheld) and rectify a fact."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from intake.models import Enquiry
from retention.models import LegalHold, Rectification, RetentionRule
from routing.models import HelpService, ServiceConsent
from tests.factories import make_enquiry
from tests.retention.helpers import NATIONAL_ID, full_enquiry, oslo

pytestmark = pytest.mark.django_db

ACCESS = "/admin/retention/retentionrule/access/"


@pytest.fixture
def due_soon(alice: Any) -> Enquiry:
    """A duplicate closed 11 months and 20 days ago: anonymised within the next 30 days."""

    return full_enquiry(
        actor=alice,
        n=7,
        closed_at=timezone.now() - dt.timedelta(days=355),
        outcome="duplicate",
    )


def test_the_preview_lists_what_is_due_and_a_hold_is_set_from_it(
    due_soon: Enquiry, bob: Any, as_user: Any
) -> None:
    client = as_user(bob)
    page = client.get("/admin/retention/retentionrule/preview/")
    assert page.status_code == 200
    html = page.content.decode()
    assert due_soon.reference in html
    assert "Qsubjectname7" not in html
    link = f"/admin/retention/legalhold/add/?reference={due_soon.reference}"
    assert link in html
    assert client.get(link).status_code == 200
    response = client.post(
        "/admin/retention/legalhold/add/",
        {"reference": due_soon.reference, "reason": "Åpen politisak"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get(lifted_at=None)
    assert hold.enquiry == due_soon and hold.set_by == bob
    assert AuditEvent.objects.filter(object_type="legalhold", enquiry_id=due_soon.pk).exists()
    html = client.get("/admin/retention/retentionrule/preview/").content.decode()
    coming = html[html.index('id="coming"') : html.index('id="held"')]
    held = html[html.index('id="held"') : html.index('id="untouched"')]
    assert due_soon.reference not in coming and due_soon.reference in held
    # Without a reason nothing is stored, and the field is named.
    again = client.post("/admin/retention/legalhold/add/", {"reference": due_soon.reference})
    assert again.status_code == 200 and LegalHold.objects.filter(lifted_at=None).count() == 1


def test_a_team_member_cannot_see_the_preview_or_set_a_hold(alice: Any, as_user: Any) -> None:
    client = as_user(alice)
    assert client.get("/admin/retention/retentionrule/preview/").status_code == 403
    assert client.post(ACCESS, {"national_id": NATIONAL_ID}).status_code == 403


def test_a_coordinator_changes_a_rule_and_it_is_recorded(bob: Any, as_user: Any) -> None:
    rule = RetentionRule.objects.get(scope="closed", outcome="duplicate")
    client = as_user(bob)
    response = client.post(
        f"/admin/retention/retentionrule/{rule.pk}/change/",
        {"scope": "closed", "outcome": "duplicate", "months": "18", "note": rule.note},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.months == 18
    event = AuditEvent.objects.get(object_type="retentionrule")
    assert event.fields == ["months"] and event.filters == {"changes": {"months": [12, 18]}}


@pytest.mark.parametrize("months", ["99999999", "1201", "0"])
def test_a_period_beyond_a_century_is_refused_on_the_field_and_the_preview_still_works(
    bob: Any, as_user: Any, months: str
) -> None:
    """A typing error in the months (found by using the admin: 99999999 months made the preview
    a 500) is refused on the field; nothing is stored."""
    rule = RetentionRule.objects.get(scope="closed", outcome="duplicate")
    client = as_user(bob)
    response = client.post(
        f"/admin/retention/retentionrule/{rule.pk}/change/",
        {"scope": "closed", "outcome": "duplicate", "months": months, "note": rule.note},
    )
    assert response.status_code == 200
    assert "months" in response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert rule.months == 12
    assert client.get("/admin/retention/retentionrule/preview/").status_code == 200


def test_the_adults_data_withholds_an_anonymous_reporter(
    alice: Any, bob: Any, as_user: Any
) -> None:
    shown = full_enquiry(actor=alice, n=8, closed_at=oslo(2026, 1, 5, 9, 0), reporter_type="self")
    anonymous = make_enquiry(
        actor=alice,
        subject_national_id=NATIONAL_ID,
        subject_birth_date=None,
        reporter_type="anonymous",
        reporter_name="",
        reporter_phone="",
        reporter_organisation="",
        description="Naboen Qneighbour ser ham slått.",
    )
    make_enquiry(actor=alice, subject_birth_date=None)
    client = as_user(bob)
    page = client.post(ACCESS, {"national_id": NATIONAL_ID, "format": "html"})
    assert page.status_code == 200
    html = page.content.decode()
    assert shown.reference in html and anonymous.reference in html
    assert "Qreportername8" in html  # the adult reported it themselves
    assert 'class="review"' in html  # free text marked for review
    response = client.post(ACCESS, {"national_id": NATIONAL_ID, "format": "json"})
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    by_reference = {e["reference"]: e for e in data["enquiries"]}
    assert set(by_reference) == {shown.reference, anonymous.reference}
    withheld = by_reference[anonymous.reference]["reporter"]
    assert withheld == {
        "type": "anonymous",
        "type_label": "Anonym",
        "withheld": True,
        "basis": "anonymity_requested",
        "basis_label": "melderen ba om å være anonym",
    }
    concern = by_reference[anonymous.reference]["concern"]["description"]
    assert concern == {"text": "Naboen Qneighbour ser ham slått.", "review": True}
    assert by_reference[shown.reference]["referrals"][0]["note"]["review"] is True
    assert data["access_report"], "who read the data when"
    exports = AuditEvent.objects.filter(object_type="subject_access")
    assert exports.count() == 2
    assert sorted(exports.first().enquiry_ids) == sorted([str(shown.pk), str(anonymous.pk)])
    assert not AuditEvent.objects.filter(filters__icontains=NATIONAL_ID).exists()


def test_the_adults_data_holds_journal_tasks_measures_and_consents_in_norwegian(
    alice: Any, bob: Any, as_user: Any
) -> None:
    """Issue 18 (found by a tester): the journal, tasks, measures and consents to services are
    part of what is held; the printable page shows labels and Norwegian dates, never codes."""
    enquiry = full_enquiry(
        actor=alice, n=9, closed_at=oslo(2026, 3, 4, 14, 30), reporter_type="health_service"
    )
    ServiceConsent.objects.create(
        enquiry=enquiry,
        service=HelpService.objects.get(slug="nav-tonsberg"),
        given_at=oslo(2026, 2, 27, 10, 15),
        method="oral",
        recorded_by=alice,
        recorded_at=oslo(2026, 2, 27, 10, 20),
    )
    client = as_user(bob)
    data = json.loads(client.post(ACCESS, {"national_id": NATIONAL_ID, "format": "json"}).content)
    (held,) = data["enquiries"]
    (entry,) = held["journal"]
    assert entry["kind"] == "phone_call" and entry["kind_label"] == "Telefonsamtale"
    assert entry["text"] == {"text": "Qjournaltext9", "review": True}
    assert entry["author"] == alice.get_username()
    (task,) = held["tasks"]
    assert task["title"] == {"text": "Qtasktitle9", "review": True} and task["done"] is False
    assert held["measures"] == [{"code": "conversation", "label": "Samtale med den utsatte"}]
    (consent,) = held["consents"]
    assert consent["service"] and consent["method"] == "oral"
    assert consent["method_label"] == "Muntlig" and consent["withdrawn_at"] is None
    assert held["state"] == "closed" and held["state_label"] == "Avsluttet"

    page = client.post(ACCESS, {"national_id": NATIONAL_ID, "format": "html"})
    html = " ".join(page.content.decode().split())
    content = html[html.index('<section class="enquiry">') : html.index("</tbody>")]
    for shown in ("Qjournaltext9", "Qtasktitle9", "Samtale med den utsatte", "Muntlig"):
        assert shown in content
    assert "27.02.2026 10:15" in content  # the consent, in local time, as Norwegians write it
    assert "04.03.2026 14:30" in content  # closed
    for code in (
        "forwarded",
        "assess",
        "closed",
        "phone_call",
        "health_service",
        "review_fvl_19",
        "sent",
        "consent",
        "not_applicable",
        "avvergeplikt",
        "from_reporter",
        "subject_phone",
        "oral",
        "conversation",
        ">view<",
        ">create<",
        ">transition<",
    ):
        assert code not in content, code
    assert not re.search(r"\d{4}-\d{2}-\d{2}", content.replace(enquiry.reference, ""))  # no ISO


def test_a_bad_national_id_is_refused_naming_the_field(bob: Any, as_user: Any) -> None:
    page = as_user(bob).post(ACCESS, {"national_id": "12345678901", "format": "html"})
    assert page.status_code == 200
    assert page.context["form"].errors.keys() == {"national_id"}
    assert not AuditEvent.objects.filter(object_type="subject_access").exists()


def test_a_rectification_records_what_when_who_and_why(
    enquiry: Enquiry, bob: Any, as_user: Any
) -> None:
    client = as_user(bob)
    response = client.post(
        "/admin/retention/rectification/add/",
        {
            "reference": enquiry.reference,
            "field": "subject_address",
            "value": "Storgata 1",
            "reason": "Adressen var feil skrevet.",
        },
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.subject_address == "Storgata 1"
    rectification = Rectification.objects.get()
    assert (rectification.field, rectification.by) == ("subject_address", bob)
    assert rectification.reason == "Adressen var feil skrevet."
    event = AuditEvent.objects.get(object_type="rectification")
    assert event.fields == ["subject_address"] and "Storgata" not in json.dumps(event.filters)
    # A bad value is refused naming the field; nothing is stored.
    bad = client.post(
        "/admin/retention/rectification/add/",
        {
            "reference": enquiry.reference,
            "field": "subject_birth_date",
            "value": "not a date",
            "reason": "x",
        },
    )
    assert bad.status_code == 200 and "value" in bad.context["form"].errors
    assert Rectification.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject_birth_date", "2099-01-01"),  # in the future: would make an adult a child
        ("subject_birth_date", "1990-01-01"),  # contradicts the national id
        ("subject_name", ""),  # blanking is erasure, not a correction
        ("subject_name", "   "),
    ],
)
def test_a_rectification_is_validated_as_every_door_validates_the_enquiry(
    alice: Any, bob: Any, as_user: Any, field: str, value: str
) -> None:
    """Found by using the service: a birth date in 2099 was accepted, the enquiry page then
    offered the child welfare route for an 84-year-old; an empty name blanked the name."""
    enquiry = make_enquiry(
        actor=alice,
        subject_national_id=NATIONAL_ID,
        subject_birth_date=None,
        subject_name="Ola Nordmann",
    )
    before = Enquiry.objects.filter(pk=enquiry.pk).values().get()
    response = as_user(bob).post(
        "/admin/retention/rectification/add/",
        {"reference": enquiry.reference, "field": field, "value": value, "reason": "Feil."},
    )
    assert response.status_code == 200 and "value" in response.context["form"].errors
    assert Enquiry.objects.filter(pk=enquiry.pk).values().get() == before
    assert not Rectification.objects.exists()


def test_rectifying_the_national_id_moves_the_same_adult_keys(
    alice: Any, bob: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID, subject_birth_date=None)
    old_key = Enquiry.objects.get(pk=enquiry.pk).subject_national_id_key
    response = as_user(bob).post(
        "/admin/retention/rectification/add/",
        {
            "reference": enquiry.reference,
            "field": "subject_national_id",
            "value": "13097248022",
            "reason": "Feil fødselsnummer.",
        },
    )
    assert response.status_code == 302
    new_key = Enquiry.objects.get(pk=enquiry.pk).subject_national_id_key
    assert new_key and new_key != old_key
