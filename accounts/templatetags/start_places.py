"""``{% start_places %}``: the signed-in user's places of work (accounts.start) as a list."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.start import places_for

register = template.Library()


@register.inclusion_tag("admin/accounts/_start_places.html", takes_context=True)
def start_places(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    return {"places": places_for(getattr(request, "user", None))}
