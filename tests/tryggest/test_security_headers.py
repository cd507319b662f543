"""Headers per kind of page (issue 15): HSTS on every HTTPS answer, a Content-Security-Policy on
every page (the residents' own stricter one on theirs), and ``Cache-Control: no-store`` on every
answer that carries personal data; a redirect from plain HTTP outside development."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from routing.services import service_key_create
from tests.api.conftest import key_client, staff_client, submission

pytestmark = pytest.mark.django_db

STAFF_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def policy(response: Any) -> dict[str, str]:
    directives = [d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";")]
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives if d[0]}


def assert_staff_policy(response: Any) -> None:
    given = policy(response)
    for name, value in STAFF_POLICY.items():
        assert given[name] == value, (name, given)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def assert_hsts(response: Any) -> None:
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def assert_no_store(response: Any) -> None:
    assert "no-store" in response["Cache-Control"], response["Cache-Control"]


@pytest.fixture
def https(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


def test_plain_http_is_redirected_to_https_except_the_health_checks(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    response = client.get("/admin/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/admin/login/"
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_the_sign_in_page(https: None) -> None:
    response = Client().get("/admin/login/", secure=True)
    assert response.status_code == 200
    assert_hsts(response)
    assert_staff_policy(response)
    assert_no_store(response)
    assert response["X-Frame-Options"] == "DENY"


def test_an_admin_page_with_personal_data(https: None, enquiry: Any, alice: Any) -> None:
    client = staff_client(alice)
    response = client.get(f"/admin/intake/enquiry/{enquiry.pk}/change/", secure=True)
    assert response.status_code == 200
    assert_hsts(response)
    assert_staff_policy(response)
    assert_no_store(response)
    html = response.content.decode()
    assert "<script>" not in html and ' style="' not in html, "nothing inline for the CSP"


def test_the_api_with_personal_data(https: None, enquiry: Any, alice: Any) -> None:
    client = staff_client(alice)
    response = client.get(f"/api/v1/enquiries/{enquiry.pk}/", secure=True)
    assert response.status_code == 200 and response.json()["subject"]["name"]
    assert_hsts(response)
    assert_no_store(response)
    assert_staff_policy(response)


def test_a_service_keys_answer(https: None, tonsberg: Any) -> None:
    nav = key_client(service_key_create(slug="nav-tonsberg", name="NAV Tønsberg")[1])
    response = nav.post("/api/v1/enquiries/", submission(), format="json", secure=True)
    assert response.status_code == 201
    assert_hsts(response)
    assert_no_store(response)


def test_the_statistics(https: None, mona: Any) -> None:
    response = staff_client(mona).get("/stats/", secure=True)
    assert response.status_code == 200
    assert_hsts(response)
    assert_staff_policy(response)
    assert_no_store(response)


def test_the_residents_form_keeps_its_stricter_policy(https: None, tonsberg: Any) -> None:
    response = Client().get("/meld/", secure=True)
    assert response.status_code == 200
    assert_hsts(response)
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert_no_store(response)


def test_swagger_ui_loads_its_script_from_a_file(https: None) -> None:
    response = Client().get("/api/v1/docs/", secure=True)
    assert response.status_code == 200
    assert_staff_policy(response)
    html = response.content.decode()
    # No inline script: the page's own initialiser is a separate file (SpectacularSwaggerSplitView).
    assert "<script>" not in html
    script = Client().get("/api/v1/docs/?script=", secure=True)
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
