"""Every admin page of every role, in bokmål: no English sentence Django or the project is known
to let through, no raw code, no ``title="None"`` (issue 20, item 1). The pages are found by
following links from each role's start page (tests/staff_walk.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.staff_walk import english_on, kind_of, make_work, pages_behind_buttons, walk

pytestmark = pytest.mark.django_db

ROLES = ["alice", "bob", "mona", "aud", "tor"]


@pytest.mark.parametrize("who", ROLES)
def test_every_page_of_the_role_reads_norwegian(
    who: str, request: Any, alice: Any, bob: Any, tor: Any, as_user: Any
) -> None:
    work = make_work(alice, bob, tor)
    client = as_user(request.getfixturevalue(who))

    def fetch(url: str) -> tuple[int, str]:
        response = client.get(url, follow=True)
        return response.status_code, response.content.decode()

    pages = list(walk(fetch, "/", also=pages_behind_buttons(who, work)))
    assert len(pages) > 1, pages
    problems = sorted(
        {f"{kind_of(url)}: {found}" for url, status, html in pages for found in english_on(html)}
    )
    failed = [(url, status) for url, status, _html in pages if status >= 400]
    assert problems == [], "\n".join(problems)
    assert failed == []
