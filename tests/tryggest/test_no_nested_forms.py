"""No form inside another on the staff pages that carry forms of their own in the admin's pages.

A browser drops a ``<form>`` nested in another (HTML's parsing rules), so its button submits the
outer form instead: the audit trail's CSV export posted the change list back. The admin renders
its change list and change form inside a form; a form of our own belongs in a block outside it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from casework import links
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

NATIONAL_ID = "01014010005"


class _FormNesting(HTMLParser):
    """The ids (or actions) of the forms opened while another form was still open."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.nested: list[str] = []
        self.seen = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            values = dict(attrs)
            name = values.get("id") or values.get("action") or "?"
            self.seen += 1
            if self.open:
                self.nested.append(f"{name} in {self.open[-1]}")
            self.open.append(name or "?")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.open:
            self.open.pop()


def _nested_forms(html: str) -> tuple[int, list[str]]:
    parser = _FormNesting()
    parser.feed(html)
    return parser.seen, parser.nested


def test_the_audit_trail_has_its_export_form_outside_the_change_list_form(
    aud: Any, alice: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    response = as_user(aud).post("/admin/audit/auditevent/", {"q": enquiry.reference})
    html = response.content.decode()
    assert 'id="changelist-form"' in html
    seen, nested = _nested_forms(html)
    assert seen >= 3 and nested == []


def test_the_enquiry_page_has_no_form_inside_its_own_form(alice: Any, as_user: Any) -> None:
    other = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    this = make_enquiry(actor=alice, subject_national_id=NATIONAL_ID)
    links.enquiry_link(enquiry=this, other=other, kind="same_event", actor=alice)
    client = as_user(alice)
    for path in (f"/admin/intake/enquiry/{this.pk}/change/", "/admin/intake/enquiry/"):
        html = client.get(path).content.decode()
        seen, nested = _nested_forms(html)
        assert seen >= 2 and nested == [], path
    page = client.get(f"/admin/intake/enquiry/{this.pk}/change/").content.decode()
    for form in (
        'id="enquiry_form"',
        'id="link-form"',
        'id="duplicate-form"',
        'class="inline-form"',
    ):
        assert form in page  # the page's own form, linking, closing as duplicate, undoing a link
