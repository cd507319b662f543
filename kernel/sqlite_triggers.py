"""Triggers that survive SQLite's table rebuilds.

SQLite cannot alter much in place (a new NOT NULL column, a changed constraint): Django rebuilds
the table as a new one, and the old table's triggers go with it, silently. Rules kept in
triggers (the audit trail's append-only triggers, the statistics' change marks) would then stop
holding on SQLite without any error. An app registers its triggers here once; after every
``migrate`` they are created again on SQLite, when the migration that introduced them is applied.
PostgreSQL alters tables in place and keeps its triggers: nothing is done there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate


def keep_after_migrations(
    app_config: AppConfig, *, introduced_by: str, statements: Callable[[], list[str]]
) -> None:
    """After every ``migrate`` on SQLite, run ``statements()`` (each a ``DROP TRIGGER IF
    EXISTS`` and ``CREATE TRIGGER`` pair, so running them again changes nothing) once
    ``app_config``'s migration ``introduced_by`` is applied. Call from ``AppConfig.ready``."""

    def restore(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
        connection = connections[using]
        if connection.vendor != "sqlite":
            return
        applied = MigrationRecorder(connection).applied_migrations()
        if (app_config.label, introduced_by) not in applied:
            return
        with connection.cursor() as cursor:
            for sql in statements():
                cursor.execute(sql)

    post_migrate.connect(
        restore,
        sender=app_config,
        weak=False,
        dispatch_uid=f"{app_config.label}.sqlite_triggers",
    )
