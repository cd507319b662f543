"""Every POST that creates something is single-use: the same form sent twice (a double click, a
reload of the answer page) answers "already received" and creates nothing (issue 14, fault 3).

The residents' form carries a signed single-use token; a repeat shows the same receipt code
again (it is derived from the token, so no code is ever stored, put in a URL or the session).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from intake.models import Enquiry, EnquiryReceipt, ReporterMessage
from intake.public_forms import form_started_token


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    caches["public_throttle"].clear()


def the_form(**overrides: Any) -> dict[str, Any]:
    return {
        "started": form_started_token(time.time() - 120),
        "website": "",
        "description": "Naboen min blir slått av sønnen sin.",
        "reporter_type": "anonymous",
        **overrides,
    }


def code_on(response: Any) -> str:
    match = re.search(r'id="receipt-code">([^<]+)<', response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1).strip()


def test_the_same_form_sent_twice_makes_one_enquiry_and_shows_the_same_code(
    tonsberg: Any,
) -> None:
    resident = Client()
    data = the_form()
    first = resident.post("/meld/", data)
    second = resident.post("/meld/", data)
    assert first.status_code == 200 and second.status_code == 200
    assert Enquiry.objects.count() == 1 and EnquiryReceipt.objects.count() == 1
    assert code_on(second) == code_on(first)
    assert 'id="already-received"' in second.content.decode()
    # The code from the repeat opens the one enquiry.
    status = resident.post("/meld/status/", {"code": code_on(second)})
    assert status.status_code == 200


def test_two_forms_make_two_enquiries(tonsberg: Any) -> None:
    resident = Client()
    assert resident.post("/meld/", the_form()).status_code == 200
    assert resident.post("/meld/", the_form()).status_code == 200
    assert Enquiry.objects.count() == 2


def test_reloading_the_status_page_after_a_reply_does_not_send_it_again(tonsberg: Any) -> None:
    resident = Client()
    code = code_on(resident.post("/meld/", the_form()))
    page = resident.post("/meld/status/", {"code": code}).content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page)
    assert once, "the reply form carries a single-use token"
    reply = {"action": "reply", "code": code, "once": once.group(1), "text": "Han ble slått igjen."}
    first = resident.post("/meld/status/", reply)
    again = resident.post("/meld/status/", reply)  # what a reload sends
    assert first.status_code == 200 and again.status_code == 200
    assert ReporterMessage.objects.count() == 1
    assert "Han ble slått igjen." in again.content.decode()


def test_a_message_to_the_reporter_sent_twice_is_kept_once(
    tonsberg: Any, alice: Any, as_user: Any
) -> None:
    Client().post("/meld/", the_form())
    enquiry = Enquiry.objects.get()
    client = as_user(alice)
    url = f"/admin/intake/enquiry/{enquiry.pk}/reporter-messages/"
    once = re.search(r'name="once" value="([^"]+)"', client.get(url).content.decode()).group(1)
    data = {"once": once, "text": "Kan du ringe oss?"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ReporterMessage.objects.filter(enquiry=enquiry).count() == 1


def test_a_pause_sent_twice_is_kept_once(enquiry: Any, alice: Any, as_user: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from intake.models import ClockPause

    until = (timezone.localtime() + dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
    client = as_user(alice)
    url = f"/admin/intake/enquiry/{enquiry.pk}/clock/"
    once = re.search(r'name="once" value="([^"]+)"', client.get(url).content.decode()).group(1)
    data = {"once": once, "until": until, "reason": "Venter på politiet"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ClockPause.objects.filter(enquiry=enquiry).count() == 1


def test_a_repeat_after_a_key_rotation_shows_the_same_code(tonsberg: Any, settings: Any) -> None:
    # The code of a repeat is derived again from the form's token; the key it was made with may
    # meanwhile be a fallback (SECRET_KEY_FALLBACKS), and the resident must still get their code.
    resident = Client()
    data = the_form()
    first = resident.post("/meld/", data)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-after-rotation"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    second = resident.post("/meld/", data)
    assert Enquiry.objects.count() == 1
    assert 'id="already-received"' in second.content.decode()
    assert code_on(second) == code_on(first)
