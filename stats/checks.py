"""System checks for what the statistics' roll-up needs of the database."""

from __future__ import annotations

import sqlite3
from typing import Any

from django.core.checks import Error, Tags, register
from django.db import connections

# UPDATE … FROM (stats.rollup, the differences applied) came in SQLite 3.33.0, and
# DELETE … RETURNING (the refresh taking its marks) in 3.35.0.
SQLITE_MINIMUM = (3, 35, 0)


@register(Tags.database)
def sqlite_is_new_enough(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[Error]:
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "sqlite":
            continue
        if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
            errors.append(
                Error(
                    f"SQLite {sqlite3.sqlite_version} is too old for the statistics' roll-up "
                    f"(UPDATE ... FROM and DELETE ... RETURNING need {'.'.join(map(str, SQLITE_MINIMUM))} or newer).",
                    hint="Use a Python built with a newer SQLite, or PostgreSQL.",
                    id="stats.E001",
                )
            )
    return errors
