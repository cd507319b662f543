"""Strict validation: every bad input is a 4xx that names the field, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from casework import services as casework_services
from intake.models import Enquiry
from tests.api.conftest import staff_client, submission


def _post(client: Any, body: Any, **extra: Any) -> Any:
    return client.post("/api/v1/enquiries/", body, format="json", **extra)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (submission(immediate_dangr=True), "immediate_dangr"),
        (submission(reporter={"type": "resident", "nmae": "Kari"}), "reporter.nmae"),
        (submission(subject={"name": "Ola", "nationl_id": "x"}), "subject.nationl_id"),
        (submission(violence_types=["economic", "telepathic"]), "violence_types.1"),
        (submission(reporter={"type": "alien"}), "reporter.type"),
        (submission(location="moon"), "location"),
        (submission(subject={"national_id": "01014010006"}), "subject.national_id"),
        (submission(subject={"national_id": "01019912345"}), "subject.national_id"),
        (submission(subject={"birth_date": "2999-01-01"}), "subject.birth_date"),
        (submission(reporter={"type": "anonymous", "name": "Kari"}), "reporter.name"),
        (submission(reporter={"type": "anonymous", "email": "k@example.no"}), "reporter.email"),
        (submission(description=""), "description"),
        (submission(description="x" * 10_001), "description"),
        (submission(description="null\x00byte"), "description"),
        (submission(description="bell\x07"), "description"),
        (submission(subject={"name": "Ola\x1b[31m"}), "subject.name"),
        (submission(channel="phone"), "channel"),
        ({"description": "Bare tekst"}, "reporter"),
        (submission(immediate_danger="maybe"), "immediate_danger"),
        (submission(subject={"birth_year": "nineteen"}), "subject.birth_year"),
        # The wrong JSON type is refused, not converted.
        (submission(description=5), "description"),
        (submission(immediate_danger="yes"), "immediate_danger"),
        (submission(immediate_danger=1), "immediate_danger"),
        (submission(subject={"birth_year": "1940"}), "subject.birth_year"),
        (submission(subject={"birth_year": True}), "subject.birth_year"),
        (submission(subject={"knows_about_enquiry": 0}), "subject.knows_about_enquiry"),
        (submission(reporter={"type": "relative", "name": 42}), "reporter.name"),
    ],
)
def test_bad_input_is_400_naming_the_field(nav: Any, body: Any, path: str) -> None:
    response = _post(nav, body)
    assert response.status_code == 400, response.json()
    data = response.json()
    assert data["detail"]
    assert path in data["errors"], data
    assert Enquiry.objects.count() == 0
    assert not AuditEvent.objects.filter(action="create", object_type="enquiry").exists()


def test_an_anonymous_reporter_without_contact_is_accepted(nav: Any) -> None:
    body = submission(reporter={"type": "anonymous"})
    assert _post(nav, body).status_code == 201


def test_staff_must_choose_a_channel(alice: Any) -> None:
    client = staff_client(alice)
    assert _post(client, submission()).status_code == 400
    assert _post(client, submission(channel="api")).status_code == 400
    created = _post(client, submission(channel="letter"))
    assert created.status_code == 201
    assert Enquiry.objects.get().channel == "letter"


def test_a_body_over_64_kib_is_413(nav: Any) -> None:
    body = submission(description="x" * (65 * 1024))
    response = _post(nav, body)
    assert response.status_code == 413
    assert Enquiry.objects.count() == 0


def test_a_body_over_64_kib_is_413_even_without_content_length(nav: Any) -> None:
    import io

    from kernel.api_parser import LimitedJSONParser, PayloadTooLarge

    with pytest.raises(PayloadTooLarge):
        LimitedJSONParser().parse(io.BytesIO(b'"' + b"x" * (70 * 1024) + b'"'))


def test_not_json_is_415(nav: Any) -> None:
    response = nav.post(
        "/api/v1/enquiries/", "description=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    response = nav.post("/api/v1/enquiries/", "<xml/>", content_type="text/xml")
    assert response.status_code == 415


@pytest.mark.parametrize(
    "raw", [b"{", b'{"description": NaN}', b"\xff\xfe", b"[" * 50_000, b"[]", b"42"]
)
def test_malformed_json_is_400(nav: Any, raw: bytes) -> None:
    response = nav.post("/api/v1/enquiries/", raw, content_type="application/json")
    assert response.status_code == 400
    assert Enquiry.objects.count() == 0


def test_echoed_lone_surrogates_do_not_break_the_response(nav: Any) -> None:
    raw = b'{"\\ud800": 1, "reporter": {"type": "resident"}, "description": "x"}'
    response = nav.post("/api/v1/enquiries/", raw, content_type="application/json")
    assert response.status_code == 400


def test_transition_errors_are_mapped_to_their_fields(alice: Any, enquiry: Any) -> None:
    client = staff_client(alice)
    url = f"/api/v1/enquiries/{enquiry.pk}/"
    response = client.post(url + "assessment/", {"answers": {"no_such_item": True}}, format="json")
    assert response.status_code == 400 and "answers.no_such_item" in response.json()["errors"]
    response = client.post(url + "assessment/", {"answers": {}, "bogus": 1}, format="json")
    assert response.status_code == 400 and "bogus" in response.json()["errors"]
    response = client.post(url + "close/", {"outcome": "vanished"}, format="json")
    assert response.status_code == 400 and "outcome" in response.json()["errors"]
    response = client.post(
        url + "assessment/", {"answers": {"danger_weapon": "yes"}}, format="json"
    )
    assert response.status_code == 400 and "answers" in response.json()["errors"]
    response = client.post(url + "close/", {"outcome": "duplicate", "note": 5}, format="json")
    assert response.status_code == 400 and "note" in response.json()["errors"]


def test_control_characters_in_transition_text_are_400_and_nothing_changes(
    alice: Any, bob: Any, assessed: Any
) -> None:
    """Notes and reasons follow the enquiry's own rule: no control characters reach the database."""
    from tests.factories import make_enquiry

    closed = make_enquiry(actor=alice)
    casework_services.enquiry_close(enquiry=closed, actor=alice, outcome="duplicate")
    client = staff_client(alice)
    url = f"/api/v1/enquiries/{assessed.pk}/"
    bad = "see \x1b[2Jhere\x07"
    calls = [
        (client, url + "assessment/", {"answers": {}, "override_reason": bad}, "override_reason"),
        (
            client,
            url + "forward/",
            {"services": ["nav-tonsberg"], "legal_basis": "consent", "note": bad},
            "note",
        ),
        (client, url + "close/", {"outcome": "risk_reduced", "note": bad}, "note"),
        (staff_client(bob), f"/api/v1/enquiries/{closed.pk}/reopen/", {"reason": bad}, "reason"),
    ]
    writes = AuditEvent.objects.exclude(action="view")  # each call's read of the enquiry is logged
    events = writes.count()
    for caller, path, body, field in calls:
        response = caller.post(path, body, format="json")
        assert response.status_code == 400, (path, response.json())
        assert field in response.json()["errors"]
    assessed.refresh_from_db()
    closed.refresh_from_db()
    assert (assessed.state, closed.state) == ("risk_assessed", "closed")
    assert assessed.assessments.count() == 1 and not assessed.referrals.exists()
    assert writes.count() == events


def test_lowering_a_high_level_needs_a_reason(alice: Any, enquiry: Any) -> None:
    client = staff_client(alice)
    items = client.get("/api/v1/assessment-instrument/").json()["items"]
    danger = next(i["code"] for i in items if i["group"] == "danger")
    url = f"/api/v1/enquiries/{enquiry.pk}/assessment/"
    refused = client.post(url, {"answers": {danger: True}, "level_override": "low"}, format="json")
    assert refused.status_code == 400
    assert "override_reason" in refused.json()["errors"]
    accepted = client.post(
        url,
        {
            "answers": {danger: True},
            "level_override": "low",
            "override_reason": "Avklart med politiet",
        },
        format="json",
    )
    assert accepted.status_code == 201
    assert accepted.json()["computed_level"] == "high"
    assert accepted.json()["level"] == "low"


def test_forwarding_on_consent_needs_the_adults_consent(alice: Any, assessed: Any) -> None:
    from intake.models import Enquiry as E

    E.objects.filter(pk=assessed.pk).update(subject_consents_to_forwarding=False)
    client = staff_client(alice)
    url = f"/api/v1/enquiries/{assessed.pk}/forward/"
    refused = client.post(
        url, {"services": ["nav-tonsberg"], "legal_basis": "consent"}, format="json"
    )
    assert refused.status_code == 400
    assert "legal_basis" in refused.json()["errors"]
    unknown = client.post(
        url, {"services": ["no-such-service"], "legal_basis": "consent"}, format="json"
    )
    assert unknown.status_code == 400
    assert "services" in unknown.json()["errors"]


def test_list_filters_are_validated_and_applied(alice: Any, enquiry: Any, closed: Any) -> None:
    client = staff_client(alice)
    assert client.get("/api/v1/enquiries/?state=nonsense").status_code == 400
    assert client.get("/api/v1/enquiries/?received_after=yesterday").status_code == 400
    assert client.get("/api/v1/enquiries/?assigned_to=bob").status_code == 400
    assert client.get("/api/v1/enquiries/?state=closed").json()["count"] == 1
    assert client.get("/api/v1/enquiries/?assigned_to=me").json()["count"] == 0
    assert client.get("/api/v1/enquiries/?received_after=2000-01-01").json()["count"] == 1
    assert client.get("/api/v1/enquiries/?received_before=2000-01-01").json()["count"] == 0


def test_overdue_lists_unassessed_enquiries_past_their_deadline(alice: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from intake import services
    from tests.factories import enquiry_values

    now = timezone.now()
    services.enquiry_create(
        actor=alice,
        values=enquiry_values(immediate_danger=True),
        channel="phone",
        received_at=now - dt.timedelta(hours=2),
    )
    services.enquiry_create(
        actor=alice,
        values=enquiry_values(),
        channel="phone",
        received_at=now - dt.timedelta(hours=2),
    )
    services.enquiry_create(
        actor=alice,
        values=enquiry_values(),
        channel="phone",
        received_at=now - dt.timedelta(days=10),
    )
    client = staff_client(alice)
    overdue = client.get("/api/v1/enquiries/?overdue=true").json()
    assert overdue["count"] == 2
    assert client.get("/api/v1/enquiries/?overdue=false").json()["count"] == 3


def test_a_list_is_audit_logged_with_the_ids_it_showed(alice: Any, enquiry: Any) -> None:
    staff_client(alice).get("/api/v1/enquiries/?state=received")
    event = AuditEvent.objects.filter(action="list").latest("seq")
    assert event.enquiry_ids == [str(enquiry.pk)]
    assert event.filters == {"state": "received"}


def test_throttled_callers_get_429_with_retry_after(nav: Any, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"service": "2/min", "user": "2/min"},
    }
    codes = [nav.get("/api/v1/services/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = nav.get("/api/v1/services/")
    assert int(response["Retry-After"]) > 0


def test_staff_posts_need_the_csrf_token(alice: Any) -> None:
    client = staff_client(alice)
    client.handler.enforce_csrf_checks = True  # signed in; from now on as a browser would be
    response = client.post("/api/v1/enquiries/", submission(channel="phone"), format="json")
    assert response.status_code == 403
    assert Enquiry.objects.count() == 0


def test_staff_are_throttled_per_user(alice: Any, bob: Any, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"service": "100/min", "user": "1/min"},
    }
    assert staff_client(alice).get("/api/v1/services/").status_code == 200
    assert staff_client(alice).get("/api/v1/services/").status_code == 429
    assert staff_client(bob).get("/api/v1/services/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    ["0709-08-10T11:53:11.24-19:12", "2026-05-01T10:00:00+23:59", "2026-05-01T10:00:00-23:59"],
)
def test_a_filter_time_with_any_offset_python_reads_is_no_500(alice: Any, moment: str) -> None:
    """Found by the fuzzer on PostgreSQL: an offset beyond ±15:59 reached the query and the
    database refused it (a 500). The moment is compared in UTC."""
    client = staff_client(alice)
    for name in ("received_after", "received_before"):
        response = client.get("/api/v1/enquiries/", {name: moment})
        assert response.status_code == 200, response.content
