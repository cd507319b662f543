"""Triggers that survive SQLite's table rebuilds.

SQLite cannot alter much in place (a new NOT NULL column, a changed constraint): Django rebuilds
the table as a new one, and the old table's triggers go with it, silently. Rules kept in
triggers (the audit trail's append-only triggers, the statistics' change marks) would then stop
holding on SQLite without any error. An app registers its triggers here once; after every
``migrate`` they are created again on SQLite, when the migration that introduced them is applied
(``restore`` does the same for code that migrates without the command, such as tests).
PostgreSQL alters tables in place and keeps its triggers: nothing is done there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate


@dataclass(frozen=True)
class _Kept:
    app_label: str
    introduced_by: str
    statements: Callable[[], list[str]]

    def restore(self, using: str) -> None:
        connection = connections[using]
        if connection.vendor != "sqlite":
            return
        applied = MigrationRecorder(connection).applied_migrations()
        if (self.app_label, self.introduced_by) not in applied:
            return
        with connection.cursor() as cursor:
            for sql in self.statements():
                cursor.execute(sql)


_KEPT: dict[str, _Kept] = {}


def keep_after_migrations(
    app_config: AppConfig, *, introduced_by: str, statements: Callable[[], list[str]]
) -> None:
    """After every ``migrate`` on SQLite, run ``statements()`` (each a ``DROP TRIGGER IF
    EXISTS`` and ``CREATE TRIGGER`` pair, so running them again changes nothing) once
    ``app_config``'s migration ``introduced_by`` is applied. Call from ``AppConfig.ready``."""
    kept = _Kept(app_config.label, introduced_by, statements)
    _KEPT[app_config.label] = kept

    def on_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
        kept.restore(using)

    post_migrate.connect(
        on_migrate,
        sender=app_config,
        weak=False,
        dispatch_uid=f"{app_config.label}.sqlite_triggers",
    )


def restore(using: str = DEFAULT_DB_ALIAS) -> None:
    """Every registered app's triggers, now (on SQLite; nothing elsewhere)."""
    for kept in _KEPT.values():
        kept.restore(using)
