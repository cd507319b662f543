"""Every role's pages in a real browser, checked by axe-core against WCAG 2.1 A and AA (issue 20,
item 7): the pages are found as in the language test (tests/staff_walk.py), opened in Chromium,
and each kind of page is kept as a screenshot in var/screenshots/ for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import axe_violations, screenshot, sign_in
from tests.staff_walk import kind_of, make_work, pages_behind_buttons, walk

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("who", ["alice", "bob", "mona", "aud", "tor"])
def test_every_page_of_the_role_passes_axe(
    who: str, request: Any, page: Any, alice: Any, bob: Any, tor: Any
) -> None:
    work = make_work(alice, bob, tor)
    user = request.getfixturevalue(who)
    sign_in(page, user)
    found: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    problems: list[str] = []  # the pages' own (CSP, script errors), not axe's while it runs

    def fetch(url: str) -> tuple[int, str]:
        seen = len(page.problems)
        response = page.goto(url)
        status = response.status if response else 0
        statuses[url] = status
        problems.extend(f"{kind_of(url)}: {p}" for p in page.problems[seen:])
        if status == 200 and "html" in (response.headers.get("content-type") or ""):
            for violation in axe_violations(page):
                key = f"{kind_of(url)}: {violation['id']}"
                found.setdefault(key, []).extend(violation["nodes"][:3])
            name = f"staff-{who}-{len(statuses):02d}-" + kind_of(url).strip("/").replace("/", "-")
            screenshot(page, name.replace("<id>", "id")[:80])
        return status, page.content() if status == 200 else ""

    visited = list(walk(fetch, "/", also=pages_behind_buttons(who, work), per_kind=1, limit=60))
    assert len(visited) > 3
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
    assert [url for url, status in statuses.items() if status >= 400] == []
    assert problems == []
