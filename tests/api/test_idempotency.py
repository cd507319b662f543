"""Idempotency-Key: a retry after a timeout never creates a second enquiry."""

from __future__ import annotations

from typing import Any

import pytest

from intake import services
from intake.models import Enquiry, IdempotencyRecord
from tests.api.conftest import key_client, submission


def test_a_repeat_with_the_same_key_returns_the_first_enquiry(nav: Any) -> None:
    first = nav.post(
        "/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    again = nav.post(
        "/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["reference"] == again.json()["reference"]
    assert Enquiry.objects.count() == 1


def test_a_repeat_answers_with_the_first_answer_among_other_enquiries(nav: Any) -> None:
    # With other enquiries stored (before and after), the repeat is answered with exactly what the
    # first call answered: its own enquiry, not any other.
    nav.post("/api/v1/enquiries/", submission(description="Før."), format="json")
    first = nav.post(
        "/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="abc-3"
    )
    nav.post("/api/v1/enquiries/", submission(description="Etter."), format="json")
    again = nav.post(
        "/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="abc-3"
    )
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Location"] == first["Location"]
    assert Enquiry.objects.count() == 3


def test_the_same_key_with_another_body_is_422_and_stores_nothing(nav: Any) -> None:
    nav.post("/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    other = nav.post(
        "/api/v1/enquiries/",
        submission(description="Noe annet."),
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-2",
    )
    assert other.status_code == 422
    assert "detail" in other.json()
    assert Enquiry.objects.count() == 1


def test_keys_belong_to_their_caller(nav: Any, krisesenteret: Any) -> None:
    a = nav.post("/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    b = krisesenteret.post(
        "/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_without_a_key_each_post_is_a_new_enquiry(nav: Any) -> None:
    nav.post("/api/v1/enquiries/", submission(), format="json")
    nav.post("/api/v1/enquiries/", submission(), format="json")
    assert Enquiry.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "nøkkel", "tab\there"])
def test_a_malformed_key_is_400(nav: Any, key: str) -> None:
    response = nav.post("/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert Enquiry.objects.count() == 0


def test_a_failed_request_leaves_the_key_unused(nav: Any) -> None:
    bad = nav.post(
        "/api/v1/enquiries/", submission(description=""), format="json", HTTP_IDEMPOTENCY_KEY="k3"
    )
    assert bad.status_code == 400
    good = nav.post("/api/v1/enquiries/", submission(), format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert good.status_code == 201


def test_a_lost_race_returns_the_winners_enquiry(alice: Any) -> None:
    """Two retries that both passed the first lookup: the unique constraint decides, and the
    loser's enquiry (and its audit event) is rolled back."""
    from tests.factories import enquiry_values

    winner, created = services.enquiry_submit(
        actor=alice,
        values=enquiry_values(),
        channel="phone",
        idempotency_key="race",
        idempotency_caller="user:1",
        body_hash="h",
    )
    assert created
    original = services._idempotent_replay
    calls = {"n": 0}

    def miss_once(**kwargs: Any) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else original(**kwargs)

    services._idempotent_replay = (
        miss_once  # the loser's first lookup ran before the winner committed
    )
    try:
        loser, created = services.enquiry_submit(
            actor=alice,
            values=enquiry_values(),
            channel="phone",
            idempotency_key="race",
            idempotency_caller="user:1",
            body_hash="h",
        )
    finally:
        services._idempotent_replay = original
    assert not created
    assert loser.pk == winner.pk
    assert Enquiry.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_create_one_enquiry(nav_key: str) -> None:
    """Real concurrent requests on PostgreSQL: the unique constraint lets exactly one through and
    every retry gets the same enquiry back."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent transactions")
    results: list[Any] = []
    barrier = threading.Barrier(4)

    def retry() -> None:
        try:
            barrier.wait()
            response = key_client(nav_key).post(
                "/api/v1/enquiries/",
                submission(),
                format="json",
                HTTP_IDEMPOTENCY_KEY="timeout-retry",
            )
            results.append((response.status_code, response.json().get("id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [code for code, _ in results] == [201] * 4
    assert len({pk for _, pk in results}) == 1
    assert Enquiry.objects.count() == 1
