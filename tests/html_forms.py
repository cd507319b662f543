"""What a browser would post back from a page's form: every field as the page renders it.

For tests that change one value of a large admin form (formsets, week tables, custom widgets)
without rebuilding the form in Python: parse the page, take every input, select and textarea of
the form as a browser would send it, then override what the test changes.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormFields(HTMLParser):
    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and (self.form_id is None or a.get("id") == self.form_id):
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_first = name, None
            self.data.setdefault(name, None)
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._add(self._select, value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "select" and self._select:
            if self.data.get(self._select) is None:
                self.data[self._select] = self._select_first or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data

    def _add(self, name: str, value: str) -> None:
        current = self.data.get(name)
        if current is None:
            self.data[name] = value
        elif isinstance(current, list):
            current.append(value)
        else:
            self.data[name] = [current, value]


def page_form_data(html: str, *, form_id: str | None = None, **changes: Any) -> dict[str, Any]:
    """The fields of the form ``form_id`` (the page's first form if None) as a browser would post
    them unchanged, with ``changes`` applied."""
    parser = _FormFields(form_id)
    parser.feed(html)
    data = {k: v for k, v in parser.data.items() if v is not None}
    data.pop("csrfmiddlewaretoken", None)
    data.update(changes)
    return data
