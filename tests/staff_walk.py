"""Every staff page a role reaches, found the way a person finds them: by following links.

``walk(fetch, start)`` starts at the admin's index (or a role's start page) and follows every
link under /admin/ and /stats/ that a GET may follow, each kind of page a few times (one enquiry,
one event: the same template with other values). ``fetch(url)`` returns ``(status, html)``: the
test client's for the language test, a browser's for the accessibility walk. The cast and their
work for a walk come from ``make_work``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

# Pages a walk does not open: signing out or in again, Django's redirect to the object "on the
# site", the JavaScript catalogue, and downloads (not pages).
_NOT_FOLLOWED = re.compile(
    r"/admin/(logout|login|r|jsi18n)/|/admin/password_change/done/|\.csv|/export|/static/|/media/|format="
)
_FOLLOWED = re.compile(r"^/(admin|stats)/")
# Parameters that only sort, carry a list's filters along or open a pop-up: not a page of its own.
_LAYOUT_PARAMETERS = {"o", "_changelist_filters", "_to_field", "_popup"}
_ID = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27})/")

# English sentences Django's, DRF's or the project's own strings let through in Norwegian
# (issue 20): their absence is checked on every page. Lower case; matched in the visible text and
# in titles, placeholders, labels for screen readers.
KNOWN_ENGLISH = [
    "skip to main content",
    "toggle theme",
    "start typing to filter",
    "show counts",
    "hide counts",
    "please correct the error",
    " entries",
    " entry",
    "object (",
    "you don’t have permission",
    "you don't have permission",
    "legg til ny spørsmål",
    "ny risikoverktøy",
    "select all",
    "clear selection",
    "choose all",
    "remove all",
    "view on site",
    "add another",
    "unknown content",
    "none available",
    "this field is required",
    "enter a valid",
    "the audit trail",
    "enquiry id",
    "by action",
    "by actor",
    "(current theme",
    "results)",
    " total)",
]
# Codes of the vocabulary that must be shown by their label, never raw, as a word of their own.
RAW_CODES = re.compile(
    r"(?<![\w/.-])(assess|forward|reopen|team_member|national_id|access_report|auditevent)(?![\w/.-])"
)


class _Page(HTMLParser):
    """The links, the text a person reads and the attributes read aloud, of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self.attributes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for name in ("title", "placeholder", "aria-label", "alt"):
            if values.get(name) is not None:
                self.attributes.append(f'{name}="{values[name]}"')
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.text.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(" ".join(data.split()))


def read(html: str) -> _Page:
    parsed = _Page()
    parsed.feed(html)
    return parsed


def english_on(html: str) -> list[str]:
    """The known English sentences, raw codes and ``title="None"`` found on a page."""
    parsed = read(html)
    text = "\n".join(parsed.text)
    said = (text + "\n" + "\n".join(parsed.attributes)).lower()
    found = [sentence for sentence in KNOWN_ENGLISH if sentence in said]
    found += [f"code {m.group(1)!r}" for m in RAW_CODES.finditer(text)]
    found += [a for a in parsed.attributes if a.endswith('="None"')]
    return found


def kind_of(url: str) -> str:
    """The kind of page at ``url``: its path with ids replaced by ``<id>``, no query string."""
    return _ID.sub("/<id>/", urlsplit(url).path)


def walk(
    fetch: Callable[[str], tuple[int, str]],
    start: str = "/admin/",
    *,
    also: list[str] | None = None,
    per_kind: int = 2,
    limit: int = 150,
) -> Iterator[tuple[str, int, str]]:
    """Yield ``(url, status, html)`` for every page reached from ``start`` (and the pages
    ``also``, which buttons rather than links lead to) by links under /admin/ and /stats/: each
    kind of page at most ``per_kind`` times with and without a query string, ``limit`` pages in
    all; links that only sort a list or carry its filters along are not followed."""
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    queue = [start, *(also or [])]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        status, html = fetch(url)
        yield url, status, html
        if status != 200:
            continue
        for href in read(html).links:
            target = urlsplit(urljoin(url, href))
            if target.netloc and target.netloc not in ("testserver", "127.0.0.1", "localhost"):
                continue
            if target.netloc and not target.path.startswith("/"):
                continue
            path = target.path
            if not _FOLLOWED.match(path) or _NOT_FOLLOWED.search(f"{path}?{target.query}"):
                continue
            query = [(k, v) for k, v in parse_qsl(target.query) if k not in _LAYOUT_PARAMETERS]
            if target.query and not query:
                continue
            key = f"{kind_of(path)}?{bool(query)}"
            full = path + (f"?{urlencode(query)}" if query else "")
            if full in seen or full in queue:
                continue
            if kinds.get(key, 0) >= per_kind:
                continue
            kinds[key] = kinds.get(key, 0) + 1
            queue.append(full)


def make_work(alice: Any, bob: Any, tor: Any) -> dict[str, Any]:
    """Enquiries in every state for Tønsberg (one assigned to Alice, one reopened), and one for
    Færder: what the walk's pages show."""
    from casework import services
    from tests.factories import make_enquiry

    received = make_enquiry(actor=alice)
    services.enquiry_assign(enquiry=received, actor=bob, assignee=alice)
    assessed = make_enquiry(actor=alice, subject_national_id="01014010005")
    services.enquiry_assess(enquiry=assessed, actor=alice, answers={})
    forwarded = make_enquiry(actor=alice)
    services.enquiry_assess(enquiry=forwarded, actor=alice, answers={})
    services.enquiry_forward(
        enquiry=forwarded, actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
    )
    closed = make_enquiry(actor=alice)
    services.enquiry_close(
        enquiry=closed, actor=alice, outcome="duplicate", outcome_asked="not_asked"
    )
    other = make_enquiry(actor=tor)
    return {
        "received": received,
        "assessed": assessed,
        "forwarded": forwarded,
        "closed": closed,
        "other": other,
    }


def pages_behind_buttons(who: str, work: dict[str, Any]) -> list[str]:
    """The pages of ``who``'s walk that a button (a POST), not a link, leads to: the steps'
    forms, each enquiry's page and the pages under it."""
    enquiry = "/admin/intake/enquiry/{}/"
    if who == "tor":
        return [enquiry.format(work["other"].pk) + "change/"]
    if who not in ("alice", "bob"):
        return []
    pages = [
        enquiry.format(work[state].pk) + "change/"
        for state in ("received", "assessed", "forwarded", "closed")
    ]
    pages += [
        enquiry.format(work["received"].pk) + "transition/assess/",
        enquiry.format(work["assessed"].pk) + "transition/forward/",
        enquiry.format(work["forwarded"].pk) + "transition/close/",
        enquiry.format(work["received"].pk) + "reporter-messages/",
        enquiry.format(work["received"].pk) + "clock/",
        enquiry.format(work["forwarded"].pk) + "legal-duties/",
    ]
    if who == "bob":
        pages.append(enquiry.format(work["closed"].pk) + "transition/reopen/")
    return pages
