"""The residents' form (/meld/) and the status page (/meld/status/), through the test client.

The cast: a worried neighbour who stays anonymous, Alice (team member) who writes back, and
someone who tries to guess receipt codes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any

import pytest
from django.conf import settings as conf
from django.core.cache import caches
from django.test import Client

from audit.models import AuditEvent
from casework import services as casework_services
from intake import receipts
from intake.models import Enquiry, EnquiryReceipt, ReporterMessage
from intake.public_forms import form_started_token

NEIGHBOUR_IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    caches["public_throttle"].clear()


@pytest.fixture
def resident(tonsberg: Any) -> Client:
    # Django's test client sends no Accept-Language; the browser of this resident asks for English.
    return Client(REMOTE_ADDR=NEIGHBOUR_IP, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "started": form_started_token(time.time() - 120),
        "website": "",
        "description": "Naboen min, en eldre mann, blir ropt til og slått av sønnen sin.",
        "reporter_type": "anonymous",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def receipt_code(response: Any) -> str:
    match = re.search(r'id="receipt-code">([^<]+)<', response.content.decode())
    assert match, "no receipt code on the page"
    return match.group(1).strip()


def submit(client: Client, **overrides: Any) -> Any:
    return client.post("/meld/", form_data(**overrides))


# --- The form page ---


def test_the_form_is_norwegian_even_when_the_browser_asks_for_english(resident: Client) -> None:
    response = resident.get("/meld/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nb" dir="ltr">' in html
    assert "Si fra om vold mot en voksen" in html
    # Danger first: 112 and 02800 come before the form, and the team's hours are shown.
    assert html.index("tel:112") < html.index('<form method="post" action="/meld/"')
    assert "tel:02800" in html
    assert "ikke fulgt med på hele døgnet" in html
    assert "08:00–15:30" in html


def test_english_is_one_link_away(resident: Client) -> None:
    html = resident.get("/meld/").content.decode()
    assert '<a href="/en/meld/" hreflang="en" lang="en" dir="ltr">English</a>' in html
    response = resident.get("/en/meld/")
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Tell us about violence against an adult" in html
    # The address carries the language: no cookie is set, and the form posts to the same language.
    assert not response.cookies.get("django_language")
    assert '<form method="post" action="/en/meld/"' in html


def test_the_pages_send_strict_security_headers(resident: Client) -> None:
    for response in (resident.get("/meld/"), resident.get("/meld/status/"), submit(resident)):
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "script-src" not in csp
        # No referrer to other sites; "no-referrer" would make the browser send "Origin: null"
        # and fail the CSRF check of the site's own forms (the browser test shows it).
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        assert "<script" not in html and "style=" not in html and "<style" not in html
        assert not re.search(
            r'<(?:link|script|img|iframe)[^>]*(?:src|href)="(?:https?:)?//', html
        ), "no third-party resources"
        # Links to other sites (the quick exit) give them nothing: no referrer.
        outside = re.findall(r'<a [^>]*href="(?:https?:)?//[^"]*"[^>]*>', html)
        assert outside and all('rel="noreferrer"' in link for link in outside)


def test_every_field_has_a_label_and_hints_are_tied_to_their_field(resident: Client) -> None:
    html = resident.get("/meld/").content.decode()
    for input_id in re.findall(r'<(?:input|textarea|select)[^>]*\bid="(id_[a-z_0-9]+)"', html):
        if input_id in ("id_started",):
            continue
        assert f'for="{input_id}"' in html, f"{input_id} has no label"
    assert 'aria-describedby="id_description_helptext"' in html


# --- Submitting ---


def test_a_submission_creates_exactly_one_enquiry_from_the_web_form(resident: Client) -> None:
    response = submit(
        resident,
        immediate_danger="no",
        violence_types=["physical", "psychological"],
        perpetrator_relation="adult_child",
        subject_birth_year="1941",
        subject_knows_about_enquiry="no",
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    enquiry = Enquiry.objects.get()
    assert enquiry.channel == "web_form"
    assert enquiry.state == "received"
    assert enquiry.reporter_type == "anonymous"
    assert enquiry.violence_types == ["physical", "psychological"]
    assert enquiry.subject_birth_year == 1941
    assert enquiry.subject_knows_about_enquiry is False
    assert enquiry.subject_consents_to_forwarding is None
    assert enquiry.created_by is None
    assert "no-store" in response["Cache-Control"]
    created = AuditEvent.objects.get(action="create", object_type="enquiry")
    assert created.actor_type == "public" and created.enquiry_id == enquiry.pk


def test_the_receipt_code_is_long_shown_once_and_stored_only_as_a_hash(resident: Client) -> None:
    response = submit(resident)
    code = receipt_code(response)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert len(receipts.normalise(code)) * 5 >= 80
    receipt = EnquiryReceipt.objects.get()
    # HMAC-SHA256 of the 16 characters, keyed with SECRET_KEY (Django's salted_hmac, written out
    # here rather than asked of the code under test): without the key, no hash of the code.
    normalised = code.replace("-", "")
    key = hashlib.sha256(f"tryggest.intake.receipt-code{conf.SECRET_KEY}".encode()).digest()
    assert receipt.code_hash == hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()
    assert receipt.code_hash != hashlib.sha256(normalised.encode()).hexdigest()
    # Not in a URL or a redirect, and not in the audit trail.
    assert response.status_code == 200 and "Location" not in response
    for event in AuditEvent.objects.all():
        assert receipts.normalise(code) not in f"{event.reason}{event.filters}{event.object_id}"
    # The form page never shows it again.
    assert code not in resident.get("/meld/").content.decode()


def test_an_anonymous_submission_stores_no_contact_data_ip_or_user_agent(resident: Client) -> None:
    resident.post("/meld/", form_data(), HTTP_USER_AGENT="Mozilla/5.0 (Neighbour's phone)")
    enquiry = Enquiry.objects.get()
    assert (enquiry.reporter_name, enquiry.reporter_phone, enquiry.reporter_email) == ("", "", "")
    assert AuditEvent.objects.filter(actor_type="public").exists()
    assert not AuditEvent.objects.filter(ip__isnull=False, actor_type="public").exists()
    for event in AuditEvent.objects.all():
        assert NEIGHBOUR_IP not in str(event.__dict__) and "Neighbour" not in str(event.__dict__)


def test_someone_in_danger_now_is_told_again_to_call_112(resident: Client) -> None:
    html = submit(resident, immediate_danger="yes").content.decode()
    assert Enquiry.objects.get().immediate_danger is True
    assert "Du svarte at noen er i fare akkurat nå. Ring 112 nå." in html
    assert html.count('href="tel:112"') == 2  # the box at the top, and beside the warning


def test_a_named_reporter_leaves_contact_details(resident: Client) -> None:
    submit(
        resident,
        reporter_type="acquaintance",
        reporter_name="Kari Nordmann",
        reporter_phone="+47 912 34 567",
    )
    enquiry = Enquiry.objects.get()
    assert (enquiry.reporter_type, enquiry.reporter_name) == ("acquaintance", "Kari Nordmann")


def test_validation_errors_are_shown_beside_their_fields_and_nothing_is_stored(
    resident: Client,
) -> None:
    response = submit(resident, description="", reporter_type=None)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_description_error"' in html
    assert 'aria-describedby="id_description_helptext id_description_error"' in html
    assert 'aria-invalid="true"' in html
    # Radio groups: the error is tied to the group's fieldset.
    assert 'aria-describedby="id_reporter_type_error"' in html
    # The summary at the top links to each field.
    assert 'href="#id_description"' in html and 'href="#id_reporter_type_0"' in html
    assert "<title>Feil:" in html
    assert not Enquiry.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_the_services_rules_land_beside_the_field_they_are_about(resident: Client) -> None:
    response = submit(resident, reporter_type="relative", subject_national_id="01017012346")
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_subject_national_id_error">.*fødselsnummer', html, re.IGNORECASE)
    assert "01017012346" in html  # what the resident wrote is kept, so nothing needs typing again
    assert not Enquiry.objects.exists() and not EnquiryReceipt.objects.exists()


def test_the_anonymity_error_comes_once_and_says_what_to_do(resident: Client) -> None:
    response = submit(
        resident,
        reporter_type="anonymous",
        reporter_name="Kari",
        reporter_phone="+47 912 34 567",
        reporter_email="kari@example.no",
        subject_national_id="01017012346",
    )
    html = response.content.decode()
    assert response.status_code == 400
    explanation = (
        "Slett dem hvis du vil være anonym. Hvis teamet kan kontakte deg, velger du i stedet"
    )
    # Once beside the choice and once in the summary that links to it; never per contact field.
    assert html.count(explanation) == 2
    assert re.search(r'id="id_reporter_type_error">.*' + re.escape(explanation), html)
    assert "En anonym melder oppgir ikke" not in html
    for field in ("reporter_name", "reporter_phone", "reporter_email"):
        assert f'id="id_{field}_error"' not in html
    # The service's other findings come in the same answer, and nothing is lost or stored.
    assert 'id="id_subject_national_id_error"' in html
    assert "Kari" in html and "kari@example.no" in html
    assert not Enquiry.objects.exists()


def test_a_lost_form_cookie_gives_the_resident_their_text_back(tonsberg: Any) -> None:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=NEIGHBOUR_IP)
    response = client.post("/meld/", form_data(description="Hun tør ikke si noe selv."))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Hun tør ikke si noe selv." in html
    assert "informasjonskapsel" in html or "cookie" in html
    assert 'name="csrfmiddlewaretoken"' in html and "csrftoken" in response.cookies
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert not Enquiry.objects.exists()
    # Other pages keep Django's own CSRF failure page.
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 403


def test_a_filled_honeypot_is_rejected_without_storing(resident: Client) -> None:
    response = submit(resident, website="http://spam.example")
    assert response.status_code == 400
    assert not Enquiry.objects.exists()
    assert "receipt-code" not in response.content.decode()


def test_a_form_sent_too_fast_is_rejected_and_can_be_sent_again(resident: Client) -> None:
    token = form_started_token()
    response = submit(resident, started=token)
    assert response.status_code == 400
    assert not Enquiry.objects.exists()
    assert f'value="{token}"' in response.content.decode()  # the same start time stays

    later = form_started_token(time.time() - 30)
    assert submit(resident, started=later).status_code == 200
    assert Enquiry.objects.count() == 1


def test_a_forged_start_time_is_not_accepted(resident: Client) -> None:
    response = submit(resident, started="1700000000:forged:signature")
    assert response.status_code == 400
    assert not Enquiry.objects.exists()


def test_many_submissions_from_one_address_are_throttled(resident: Client, settings: Any) -> None:
    settings.TRYGGEST_FORM_SUBMISSIONS_PER_HOUR = 3
    for _ in range(3):
        assert submit(resident).status_code == 200
    response = submit(resident)
    assert response.status_code == 429
    assert response["Retry-After"]
    assert Enquiry.objects.count() == 3
    # Another address is not affected.
    assert submit(Client(REMOTE_ADDR="198.51.100.20")).status_code == 200


def test_behind_a_trusted_proxy_each_resident_is_counted_alone(
    tonsberg: Any, settings: Any
) -> None:
    settings.TRYGGEST_FORM_SUBMISSIONS_PER_HOUR = 1
    settings.TRYGGEST_TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"

    def via_proxy(address: str, claimed: str = "") -> Client:
        chain = f"{claimed}, {address}" if claimed else address
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=chain)

    assert submit(via_proxy("203.0.113.7")).status_code == 200
    assert submit(via_proxy("203.0.113.8")).status_code == 200
    # What a client writes into X-Forwarded-For itself does not get it a fresh count.
    assert submit(via_proxy("203.0.113.7", claimed="192.0.2.99")).status_code == 429


# --- The status page ---


@pytest.fixture
def code(resident: Client) -> str:
    return receipt_code(submit(resident))


def check(client: Client, code: str) -> Any:
    return client.post("/meld/status/", {"action": "check", "code": code})


def test_the_code_shows_the_state_in_plain_words(resident: Client, code: str) -> None:
    response = check(resident, code)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Status: Mottatt" in html
    enquiry = Enquiry.objects.get()
    assert enquiry.reference in html
    assert enquiry.description not in html  # the reporter sees progress, not the file
    view = AuditEvent.objects.get(action="view", enquiry_id=enquiry.pk)
    assert view.actor_type == "public" and view.ip is None


def test_the_code_is_read_as_people_copy_it(resident: Client, code: str) -> None:
    sloppy = code.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    assert "Status: Mottatt" in check(resident, sloppy).content.decode()


@pytest.mark.parametrize(
    ("transition", "words"),
    [("assess", "Under vurdering"), ("forward", "Hjelp er koblet på"), ("close", "Avsluttet")],
)
def test_the_state_follows_the_team_work(
    resident: Client, code: str, alice: Any, transition: str, words: str
) -> None:
    enquiry = Enquiry.objects.get()
    if transition in ("assess", "forward"):
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    if transition == "forward":
        enquiry.subject_consents_to_forwarding = True
        Enquiry.objects.filter(pk=enquiry.pk).update(subject_consents_to_forwarding=True)
        casework_services.enquiry_forward(
            enquiry=enquiry, actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
        )
    if transition == "close":
        casework_services.enquiry_close(
            enquiry=enquiry, actor=alice, outcome="duplicate", outcome_asked="not_asked"
        )
    assert f"Status: {words}" in check(resident, code).content.decode()


def test_a_wrong_code_and_an_unknown_code_get_the_same_answer(resident: Client, code: str) -> None:
    raw = receipts.normalise(code)
    wrong_by_one = receipts.format_code(raw[:-1] + ("0" if raw[-1] != "0" else "1"))
    unknown = receipts.new_code()
    answers = [check(resident, c) for c in (wrong_by_one, unknown, "not a code")]
    assert {a.status_code for a in answers} == {404}
    bodies = {re.sub(r'value="[^"]*"', "", a.content.decode()) for a in answers}
    assert len(bodies) == 1
    assert "Vi fant ingen henvendelse med denne koden" in bodies.pop()
    refused = AuditEvent.objects.filter(action="permission_denied", actor_type="public")
    assert refused.count() == 3
    for event in refused:
        assert event.ip is None and raw[:8] not in event.reason


def test_codes_keep_working_after_a_key_rotation_while_the_old_key_is_a_fallback(
    resident: Client, code: str, settings: Any
) -> None:
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-after-rotation"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert "Status: Mottatt" in check(resident, code).content.decode()
    # Once the old key is dropped, the old codes stop working (the same answer as an unknown one).
    settings.SECRET_KEY_FALLBACKS = []
    refused = check(resident, code)
    assert refused.status_code == 404 and "Status:" not in refused.content.decode()
    # And a code made under the new key is stored under the new key.
    caches["public_throttle"].clear()
    new_code = receipt_code(submit(resident))
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert "Status: Mottatt" in check(resident, new_code).content.decode()
    settings.SECRET_KEY = old_key
    settings.SECRET_KEY_FALLBACKS = []
    assert check(resident, new_code).status_code == 404


def test_the_code_is_never_taken_from_the_url(resident: Client, code: str) -> None:
    response = resident.get("/meld/status/", {"code": code})
    assert response.status_code == 200
    assert "Status:" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="view").exists()


def test_many_wrong_codes_are_throttled_and_logged(
    resident: Client, code: str, settings: Any
) -> None:
    settings.TRYGGEST_RECEIPT_GUESSES_PER_HOUR = 5
    for _ in range(5):
        assert check(resident, receipts.new_code()).status_code == 404
    # From now on even the right code is refused from this address: guessing must not go on.
    response = check(resident, code)
    assert response.status_code == 429
    assert "Status:" not in response.content.decode()
    denied = AuditEvent.objects.filter(action="permission_denied", object_type="enquiryreceipt")
    assert denied.filter(reason__contains="throttled").count() == 1
    assert denied.count() == 6
    # The owner of the code, elsewhere, still gets in.
    assert check(Client(REMOTE_ADDR="198.51.100.20"), code).status_code == 200


# --- Messages between the team and the reporter ---


def test_alice_writes_to_the_reporter_who_reads_it_and_answers(
    resident: Client, code: str, alice: Any, as_user: Any
) -> None:
    enquiry = Enquiry.objects.get()
    team = as_user(alice)
    url = f"/admin/intake/enquiry/{enquiry.pk}/reporter-messages/"
    assert url in team.get(f"/admin/intake/enquiry/{enquiry.pk}/change/").content.decode()
    page = team.get(url)
    assert page.status_code == 200
    response = team.post(url, {"text": "Takk for at du sa fra. Vet du om han har hjemmesykepleie?"})
    assert response.status_code == 302
    sent = ReporterMessage.objects.get()
    assert sent.direction == "to_reporter" and sent.author == alice
    assert AuditEvent.objects.filter(
        action="create", object_type="reportermessage", actor_type="user"
    ).exists()

    html = check(resident, code).content.decode()
    assert "Vet du om han har hjemmesykepleie?" in html

    response = resident.post(
        "/meld/status/", {"action": "reply", "code": code, "text": "Ja, de kommer hver morgen."}
    )
    assert response.status_code == 200
    assert "Meldingen din er sendt til teamet" in response.content.decode()
    reply = ReporterMessage.objects.get(direction="from_reporter")
    assert reply.text == "Ja, de kommer hver morgen." and reply.author is None
    assert not AuditEvent.objects.filter(ip__isnull=False, actor_type="public").exists()
    assert "Ja, de kommer hver morgen." in team.get(url).content.decode()


def test_an_empty_reply_is_shown_beside_the_field(resident: Client, code: str) -> None:
    response = resident.post("/meld/status/", {"action": "reply", "code": code, "text": "  "})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_text_error"' in html
    assert not ReporterMessage.objects.exists()


def test_a_reply_with_a_wrong_code_is_refused(resident: Client, code: str) -> None:
    response = resident.post(
        "/meld/status/", {"action": "reply", "code": receipts.new_code(), "text": "Hei"}
    )
    assert response.status_code == 404
    assert not ReporterMessage.objects.exists()


def test_tor_of_another_team_cannot_write_to_the_reporter(
    resident: Client, code: str, tor: Any, as_user: Any
) -> None:
    enquiry = Enquiry.objects.get()
    response = as_user(tor).post(
        f"/admin/intake/enquiry/{enquiry.pk}/reporter-messages/", {"text": "Hei"}
    )
    assert response.status_code == 302
    assert not ReporterMessage.objects.exists()


def test_no_messages_for_an_enquiry_that_did_not_come_by_the_form(
    enquiry: Enquiry, alice: Any, as_user: Any
) -> None:
    response = as_user(alice).post(
        f"/admin/intake/enquiry/{enquiry.pk}/reporter-messages/", {"text": "Hei"}
    )
    assert response.status_code == 200
    assert not ReporterMessage.objects.exists()


# --- Limits on a frightened person's phone (issue 19) ---


def test_the_text_limit_is_stated_beside_the_field_and_nothing_cuts_the_text(
    resident: Client,
) -> None:
    html = resident.get("/meld/").content.decode()
    hint = re.search(r'<p class="hint" id="id_description_helptext">([^<]*)</p>', html).group(1)
    assert "Du kan skrive opptil 10\xa0000 tegn." in hint
    assert 'aria-describedby="id_description_helptext"' in html
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert "maxlength" not in textarea  # browsers cut pasted text at maxlength without a word


def test_a_too_long_text_is_refused_and_kept_whole(resident: Client) -> None:
    long_text = "Han slår henne om kvelden." * 400  # 10,400 characters
    response = submit(resident, description=long_text)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Teksten har 10\xa0400 tegn, men grensen er 10\xa0000." in html
    assert 'href="#id_description"' in html  # the summary links to the field
    assert long_text.strip() in html  # every word is still in the field
    assert not Enquiry.objects.exists()


def test_a_too_long_reply_is_refused_and_kept_whole(resident: Client, code: str) -> None:
    long_reply = "Jeg så ham i dag." * 310  # 5,270 characters
    response = resident.post("/meld/status/", {"action": "reply", "code": code, "text": long_reply})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Teksten har 5\xa0270 tegn, men grensen er 5\xa0000." in html
    assert "Du kan skrive opptil 5\xa0000 tegn." in html
    assert long_reply.strip() in html
    assert not ReporterMessage.objects.exists()
