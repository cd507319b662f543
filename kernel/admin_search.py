"""The admin's search boxes, POSTed: what someone types into a search box never becomes a URL.

Django's admin searches with ``GET ?q=…``, so the text lands in every access log, proxy log and
browser history on the way, and in the links of the page that answers (paging, filters, the
"back to the list" of each object). People type names, phone numbers and national ids into
search boxes whatever the box is for; personal data must never be part of a URL (README,
"Personal values never in URLs"; issue 14). So every admin with ``search_fields`` takes its
text from a POSTed form (``templates/admin/search_form.html`` posts back to the list it is on,
filters and all) and ignores a ``q`` put into the URL by hand: it is neither searched for nor
repeated in a link.

Use: ``class MyAdmin(PostedSearchAdmin, admin.ModelAdmin)``. The answer to the POST is the list
itself (no redirect, which would have to carry the text); paging away from it drops the search.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import http
from django.contrib.admin.views.main import IS_FACETS_VAR, SEARCH_VAR, ChangeList


def posted_search_text(request: http.HttpRequest) -> str:
    """The text of a POSTed admin search ("" for none): never read from the query string."""
    if request.method != "POST":
        return ""
    return (request.POST.get(SEARCH_VAR) or "").strip()[:200]


class PostedSearchChangeList(ChangeList):
    """A change list whose search text comes from the POSTed search box only."""

    def __init__(self, request: http.HttpRequest, *args: Any, **kwargs: Any) -> None:
        self._posted_search = posted_search_text(request)
        super().__init__(request, *args, **kwargs)
        # Built before the search was replaced (get_queryset): build them again without it.
        self.remove_facet_link = self.get_query_string(remove=[IS_FACETS_VAR])
        self.add_facet_link = self.get_query_string({IS_FACETS_VAR: True})

    def get_queryset(self, request: http.HttpRequest, exclude_parameters: Any = None) -> Any:
        # ChangeList.__init__ has read ?q= from the URL; replace it before anything is searched,
        # and keep it out of every link the page builds from these parameters.
        self.query = self._posted_search
        self.params.pop(SEARCH_VAR, None)
        self.filter_params.pop(SEARCH_VAR, None)
        return super().get_queryset(request, exclude_parameters)


class PostedSearchAdmin:
    """Mixin for a ModelAdmin: its search box is POSTed (see the module's docstring)."""

    def get_changelist(self, request: http.HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PostedSearchChangeList

    def get_preserved_filters(self, request: http.HttpRequest) -> str:
        # The list's filters travel to the object pages and back (``_changelist_filters``); a
        # hand-made ?q= must not travel with them.
        preserved = super().get_preserved_filters(request)  # type: ignore[misc]
        if not preserved:
            return preserved
        filters = http.QueryDict(http.QueryDict(preserved).get("_changelist_filters", ""))
        if SEARCH_VAR not in filters:
            return preserved
        filters = filters.copy()
        del filters[SEARCH_VAR]
        return urlencode({"_changelist_filters": filters.urlencode()}) if filters else ""
