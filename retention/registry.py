"""The registry of personal values: which models hold personal or free-text values of an
enquiry, and what anonymising does to each (README: Retention, "Adding a table").

A declaration (``Personal``) names a model, the path from it to its enquiry's id, and per field
what remains: ``clear`` empties a field (``""`` for text, ``NULL`` where the column allows it,
the field's default for JSON), ``set`` gives an expression (the birth year band), ``delete``
removes the rows (receipts, links, idempotency keys: nothing the statistics read). Codes, dates,
links between rows and the enquiry's reference are never named here, so they stay.

``retention.declarations`` holds the project's declarations; each app's table is one entry
there. ``tests/retention/test_no_personal_value_left.py`` fails for any table that holds a
personal value after anonymising, so a forgotten declaration cannot go unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models


def empty_value(model_field: models.Field) -> Any:
    """What a cleared field holds: ``None`` where the column allows NULL, the JSON field's
    default (an empty list or object), else the empty string."""
    if model_field.null:
        return None
    if isinstance(model_field, models.JSONField):
        return model_field.get_default()
    return ""


@dataclass(frozen=True)
class Personal:
    """The personal values of one model and what anonymising leaves of them.

    ``enquiry``: the lookup from the model to the enquiry's primary key (``"pk"`` for the
    enquiry itself, ``"enquiry_id"``, ``"referral__enquiry_id"``).
    """

    model: type[models.Model]
    enquiry: str
    clear: tuple[str, ...] = ()
    set: Mapping[str, Any] = field(default_factory=dict)
    delete: bool = False

    def __post_init__(self) -> None:
        names = {f.name for f in self.model._meta.get_fields()}
        unknown = [name for name in (*self.clear, *self.set) if name not in names]
        if unknown:
            raise ValueError(f"{self.model.__name__} has no field {', '.join(unknown)}")
        if self.delete and (self.clear or self.set):
            raise ValueError("A declaration either deletes the rows or changes fields.")

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows(self, enquiry_ids: Iterable[Any]) -> models.QuerySet:
        return self.model._default_manager.filter(**{f"{self.enquiry}__in": list(enquiry_ids)})

    def values(self) -> dict[str, Any]:
        cleared = {name: empty_value(self.model._meta.get_field(name)) for name in self.clear}
        return {**cleared, **self.set}

    def apply(self, enquiry_ids: Iterable[Any]) -> int:
        """Anonymise the rows of ``enquiry_ids`` in one statement; the number of rows touched."""
        rows = self.rows(enquiry_ids)
        if self.delete:
            return rows.delete()[0]
        return rows.update(**self.values())


def anonymise(declarations: Iterable[Personal], enquiry_ids: list[Any]) -> dict[str, int]:
    """Apply every declaration to ``enquiry_ids``: one UPDATE (or DELETE) per declaration for the
    whole batch. Runs in the caller's transaction. Returns rows touched per model label."""
    return {d.label: d.apply(enquiry_ids) for d in declarations}
