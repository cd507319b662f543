"""The schema, the docs page, and the key command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import ServiceKey, ServiceOrganisation
from tests.api.conftest import key_client, staff_client


def test_the_schema_documents_the_key_scheme_and_every_contract_path(db: Any) -> None:
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["ServiceKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schema["components"]["securitySchemes"]["ServiceKey"]["description"],
    }
    paths = set(schema["paths"])
    for path in [
        "/api/v1/enquiries/",
        "/api/v1/enquiries/{id}/",
        "/api/v1/enquiries/{id}/assessment/",
        "/api/v1/enquiries/{id}/forward/",
        "/api/v1/enquiries/{id}/close/",
        "/api/v1/enquiries/{id}/reopen/",
        "/api/v1/enquiries/{id}/suggestions/",
        "/api/v1/assessment-instrument/",
        "/api/v1/referrals/",
        "/api/v1/referrals/{id}/",
        "/api/v1/referrals/{id}/acknowledge/",
        "/api/v1/referrals/{id}/decline/",
        "/api/v1/referrals/{id}/complete/",
        "/api/v1/services/",
    ]:
        assert path in paths, path


def test_the_schema_validates_without_warnings(db: Any) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


def test_swagger_ui_is_served_from_the_package(db: Any) -> None:
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_create_service_key_prints_the_key_once_and_stores_its_hash(db: Any) -> None:
    out = StringIO()
    call_command(
        "create_service_key",
        "krisesenteret-vestfold",
        "--name",
        "Krisesenteret",
        stdout=out,
        stderr=StringIO(),
    )
    key = out.getvalue().strip()
    organisation = ServiceOrganisation.objects.get(slug="krisesenteret-vestfold")
    assert (
        organisation.service is not None and organisation.service.slug == "krisesenteret-vestfold"
    )
    stored = ServiceKey.objects.get(organisation=organisation)
    assert key not in stored.hashed_key and key != stored.pk
    assert key_client(key).get("/api/v1/referrals/").status_code == 200


def test_a_submitting_organisation_without_a_directory_entry_gets_a_key(db: Any) -> None:
    out = StringIO()
    call_command("create_service_key", "legekontoret-sentrum", stdout=out, stderr=StringIO())
    organisation = ServiceOrganisation.objects.get(slug="legekontoret-sentrum")
    assert organisation.service is None
    client = key_client(out.getvalue().strip())
    assert client.get("/api/v1/referrals/").json()["count"] == 0


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+10:00", "2026-13-01"]
)
def test_unrepresentable_times_in_filters_are_400(alice: Any, value: str) -> None:
    response = staff_client(alice).get("/api/v1/enquiries/", {"received_after": value})
    assert response.status_code == 400
