"""Schemathesis over the whole schema, as a service key and as staff: no input gives a 5xx, and
every response conforms to the schema.

Examples per operation come from the environment so CI stays fast and a longer run is one variable
away: ``API_FUZZ_EXAMPLES=200 .venv/bin/python -m pytest tests/api/test_fuzzing.py``.
"""

from __future__ import annotations

import copy
import os
import zlib
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from casework import services as casework_services
from tests.api.conftest import staff_client, submission
from tests.api.openapi import csrf_token, wsgi_calls_in_the_test_transaction
from tests.api.openapi import schema as openapi_schema

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _load_schema() -> Any:
    # Built in-process rather than fetched (schemathesis' lazy fixture loader does not run on
    # pytest 9); it is the same document /api/v1/schema/ serves.
    from django.core.wsgi import get_wsgi_application

    loaded = schemathesis.openapi.from_dict(copy.deepcopy(openapi_schema()))
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _any_host(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture
def targets(nav: Any, alice: Any) -> dict[str, str]:
    """A real enquiry (submitted by NAV, so NAV's key sees it) and a real referral, so that the
    fuzzer reaches past the 404 of a random id into the bodies."""
    from intake.models import Enquiry

    created = nav.post("/api/v1/enquiries/", submission(), format="json")
    enquiry = Enquiry.objects.get(pk=created.json()["id"])
    casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    enquiry.refresh_from_db()
    (referral,) = casework_services.enquiry_forward(
        enquiry=enquiry, actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
    )
    return {"enquiry": str(enquiry.pk), "referral": str(referral.pk)}


def _aim(case: Any, targets: dict[str, str]) -> None:
    # Half the time a real object; otherwise whatever the fuzzer made up.
    params = case.path_parameters or {}
    if "id" in params and zlib.crc32(repr(case.body).encode()) % 2 == 0:
        params["id"] = targets["referral" if "/referrals/" in case.path else "enquiry"]


def _negated(case: Any) -> str | None:
    """The parameter a negative case leaves out or breaks on purpose, if any."""
    return getattr(case.meta.phase.data, "parameter", None) if case.meta else None


@schema.parametrize()
@FUZZ
def test_fuzz_as_a_service_key(case: Any, nav_key: str, targets: dict[str, str]) -> None:
    _aim(case, targets)
    # The credential goes into the case itself: the schema declares it, so the fuzzer would
    # otherwise send one of its own making.
    case.headers = {**(case.headers or {}), "Authorization": f"Api-Key {nav_key}"}
    with wsgi_calls_in_the_test_transaction():
        response = case.call()
    if _negated(case) != "Authorization":  # the fuzzer may leave the key out on purpose
        assert response.status_code != 401, "the key must authenticate every fuzzed call"
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_fuzz_as_staff(case: Any, alice: Any, targets: dict[str, str]) -> None:
    _aim(case, targets)
    session = staff_client(alice).cookies["sessionid"].value
    csrf = csrf_token()
    case.headers = {**(case.headers or {}), "X-CSRFToken": csrf}
    case.cookies = {**(case.cookies or {}), "sessionid": session, "csrftoken": csrf}
    with wsgi_calls_in_the_test_transaction():
        response = case.call()
    assert response.status_code != 401, "the session must authenticate every fuzzed call"
    if _negated(case) != "X-CSRFToken":  # the fuzzer may leave the token out on purpose
        assert "CSRF" not in response.text
    case.validate_response(response, checks=CHECKS)
