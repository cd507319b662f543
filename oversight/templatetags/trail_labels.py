"""The trail's codes as the auditor reads them, in templates: ``{{ code|action_label }}``,
``{{ code|actor_type_label }}``, ``{{ enquiry_id|reference_in:references }}``."""

from __future__ import annotations

from typing import Any

from django import template

from audit.models import ACTION_CODES, Action, ActorType

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return str(Action(code).label) if code in ACTION_CODES else code


@register.filter
def actor_type_label(code: str) -> str:
    return str(ActorType(code).label) if code in ActorType.values else code


@register.filter
def reference_in(enquiry_id: Any, references: dict[Any, str]) -> str:
    """The enquiry's reference, or its id when the enquiry is gone; "" for none."""
    if not enquiry_id:
        return ""
    return (references or {}).get(enquiry_id) or str(enquiry_id)
