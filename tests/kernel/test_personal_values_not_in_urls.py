"""No personal value is ever part of a URL (issue 14, fault 12).

A URL is written to every access log, proxy log and browser history on its way; what a person is
looked up by (a national id, a name, a receipt code) therefore travels in a POSTed body only. The
last test runs the server with its access log on, does every person look-up the pages and the API
offer, and finds no national id (nor receipt code) in the log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import RequestFactory

from intake import public, submissions
from tests.audit.helpers import events_after, last_seq
from tests.browser import sign_in
from tests.factories import enquiry_values, make_enquiry

NATIONAL_ID = "01014010005"  # valid check digits, born 1 January 1940
ENQUIRIES = "/admin/intake/enquiry/"


@pytest.mark.django_db
def test_every_admin_search_box_takes_its_text_from_a_posted_form(alice: Any) -> None:
    from kernel.admin_search import PostedSearchChangeList

    request = RequestFactory().get("/admin/")
    request.user = alice
    searchable = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model_admin.get_search_fields(request)
    ]
    assert searchable  # the enquiries, the audit trail, users, the directory, ...
    for model, model_admin in searchable:
        assert issubclass(model_admin.get_changelist(request), PostedSearchChangeList), model


@pytest.mark.django_db
def test_the_enquiry_list_searches_a_posted_text_and_never_puts_it_in_a_link(
    alice: Any, as_user: Any
) -> None:
    first = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    second = make_enquiry(actor=alice)
    client = as_user(alice)
    page = client.get(ENQUIRIES).content.decode()
    assert re.search(r'<form id="changelist-search" method="post"', page)

    before = last_seq()
    response = client.post(f"{ENQUIRIES}?state__exact=received", {"q": second.reference})
    assert response.status_code == 200
    assert [e.pk for e in response.context["cl"].result_list] == [second.pk]
    assert second.reference not in "".join(re.findall(r'href="([^"]*)"', response.content.decode()))
    [event] = events_after(before)
    assert event.filters == {"state__exact": "received", "search": True}
    assert event.enquiry_ids == [str(second.pk)]

    # Typed into the box, a national id stays in the body: searched (references only), not kept.
    response = client.post(ENQUIRIES, {"q": NATIONAL_ID})
    assert list(response.context["cl"].result_list) == []
    assert first.reference not in response.content.decode()


@pytest.mark.django_db
def test_a_search_text_put_in_the_url_by_hand_is_not_used_or_repeated(
    alice: Any, as_user: Any
) -> None:
    make_enquiry(actor=alice)
    client = as_user(alice)
    before = last_seq()
    response = client.get(ENQUIRIES, {"q": "Ola Hansen"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1  # not searched for
    assert "Ola Hansen" not in response.content.decode()  # not in the box, nor in any link
    [event] = events_after(before)
    assert event.filters == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"/admin/intake/enquiry/?q={NATIONAL_ID}", "q"),
        (f"/admin/audit/auditevent/?actor={NATIONAL_ID[:6]}+{NATIONAL_ID[6:]}", "actor"),
        (f"/admin/audit/auditevent/access-report/?national_id={NATIONAL_ID}", "national_id"),
        ("/admin/audit/auditevent/access-report/?national_id=x", "national_id"),
        (f"/api/v1/audit/access-report/?national_id={NATIONAL_ID}", "national_id"),
        (f"/api/v1/enquiries/?state=received&note={NATIONAL_ID}", "note"),
        ("/api/v1/enquiries/?name=Ola+Hansen", "name"),
        ("/api/v1/enquiries/?birth_date=1940-01-01", "birth_date"),
        (f"/meld/status/?code=x&n={NATIONAL_ID}", "n"),
    ],
)
def test_a_personal_value_in_any_url_is_refused_and_not_repeated(
    url: str, parameter: str, alice: Any, aud: Any, as_user: Any, caplog: Any
) -> None:
    client = as_user(aud if "audit" in url else alice)
    before = last_seq()
    response = client.get(url)
    assert response.status_code == 400
    body = response.content.decode()
    assert NATIONAL_ID not in body and "Ola" not in body and "1940" not in body
    if url.startswith("/api/"):
        assert set(response.json()["errors"]) == {parameter}
    assert events_after(before) == []
    assert NATIONAL_ID not in caplog.text and "Ola" not in caplog.text


def test_ordinary_urls_are_not_mistaken_for_personal_values(client: Any, db: Any) -> None:
    for url in (
        "/api/v1/enquiries/?received_after=2026-01-01&page=12345678901",  # no valid check digits
        "/api/v1/audit/events/?enquiry=00000000-0000-4000-8000-010140100050",
        "/stats/?date_from=2026-01-01&date_to=2026-12-31",
    ):
        assert client.get(url).status_code != 400, url


@pytest.mark.django_db
def test_the_audit_trail_search_is_posted_too(aud: Any, alice: Any, as_user: Any) -> None:
    enquiry = make_enquiry(actor=alice)
    client = as_user(aud)
    page = client.get("/admin/audit/auditevent/").content.decode()
    assert re.search(r'<form id="changelist-search" method="post"', page)
    before = last_seq()
    response = client.post("/admin/audit/auditevent/", {"q": str(enquiry.pk)})
    assert [(e.action, e.enquiry_id) for e in response.context["cl"].result_list] == [
        ("create", enquiry.pk)
    ]
    [event] = events_after(before)
    assert event.filters == {"search": True}


# --- The server's own access log ---


@pytest.fixture
def access_log(live_server: Any) -> Iterator[list[str]]:
    """Every line the server logs while the test runs: the request lines of Django's development
    server (``manage.py runserver``: method, full path with its query string, status), which the
    test's live server otherwise keeps quiet, and every other log record of the process."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    server_logger = logging.getLogger("django.server")
    old_level = server_logger.level
    server_logger.setLevel(logging.INFO)
    root.addHandler(handler)
    server_logger.addHandler(handler)  # Django's logging keeps it from propagating to the root
    httpd = live_server.thread.httpd
    quiet = httpd.RequestHandlerClass
    httpd.RequestHandlerClass = WSGIRequestHandler  # runserver's handler: logs every request
    try:
        yield lines
    finally:
        httpd.RequestHandlerClass = quiet
        root.removeHandler(handler)
        server_logger.removeHandler(handler)
        server_logger.setLevel(old_level)


def _api_post(page: Any, path: str, body: dict[str, Any]) -> Any:
    """A staff API call with the browser's session, as the page's own scripts would make it."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(path, data=body, headers={"X-CSRFToken": csrf})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_national_id_reaches_the_access_log_in_any_person_look_up(
    page: Any, access_log: list[str], aud: Any, alice: Any
) -> None:
    make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    resident = public.public_enquiry_submit(
        values=enquiry_values(subject_national_id=NATIONAL_ID, reporter_type="anonymous")
        | {"reporter_name": "", "reporter_phone": "", "reporter_organisation": ""},
        form_token=submissions.read_token(submissions.new_token()),
    )

    # The auditor: the access report page, by national id, as a person fills it in.
    sign_in(page, aud, next_url="/admin/audit/auditevent/access-report/")
    page.get_by_label("Fødselsnummer").fill(NATIONAL_ID)
    page.get_by_role("button", name="Vis rapporten").click()
    page.get_by_role("heading", name="Hvem som har hatt tilgang").wait_for()
    assert page.locator("td", has_text="alice").count() >= 1
    # ... the trail's search box ...
    page.goto("/admin/audit/auditevent/")
    page.locator("#searchbar").fill(NATIONAL_ID)
    page.locator("#changelist-search input[type=submit]").click()
    page.wait_for_load_state()
    # ... and the API, by national id (paginated: the next page is asked for the same way).
    report = _api_post(page, "/api/v1/audit/access-report/", {"national_id": NATIONAL_ID})
    again = _api_post(page, "/api/v1/audit/access-report/?page=1", {"national_id": NATIONAL_ID})

    # A team member types the number into the enquiry list's search box.
    page.context.clear_cookies()
    sign_in(page, alice, next_url=ENQUIRIES)
    page.locator("#searchbar").fill(NATIONAL_ID)
    page.locator("#changelist-search input[type=submit]").click()
    page.wait_for_load_state()

    # The resident follows their enquiry up with the receipt code.
    page.context.clear_cookies()
    page.goto("/meld/status/")
    page.get_by_label("Kvitteringskoden din").fill(resident.code)
    page.get_by_role("button", name="Vis henvendelsen min").click()
    page.get_by_role("heading", name="Status: Mottatt").wait_for()

    requests = [line for line in access_log if re.match(r'"(GET|POST) ', line)]
    assert any("/api/v1/audit/access-report/" in line for line in requests)  # the log is on
    assert [line for line in access_log if NATIONAL_ID in line] == []
    log = "\n".join(access_log)
    assert resident.code not in log and resident.code.replace("-", "") not in log
    assert any(line.startswith('"POST /admin/audit/auditevent/access-report/') for line in requests)
    assert (report.status, again.status) == (200, 200), report.text()
    assert len(report.json()["enquiries"]) == 3
