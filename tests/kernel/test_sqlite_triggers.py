"""Rules kept in triggers survive SQLite's table rebuilds (kernel.sqlite_triggers).

SQLite rebuilds a table for a new NOT NULL column and drops the table's triggers with it: the
statistics' change marks on the enquiry table and the audit trail's append-only triggers would
stop holding without an error. After every ``migrate`` they are there again."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models.signals import post_migrate

from audit.models import AuditEvent
from intake.models import Enquiry

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="PostgreSQL alters tables in place, triggers kept"
    ),
]


def triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            Enquiry,
            {
                "stats_mark_intake_enquiry_insert",
                "stats_mark_intake_enquiry_update",
                "stats_mark_intake_enquiry_delete",
            },
        ),
        (AuditEvent, {"audit_auditevent_no_update", "audit_auditevent_no_delete"}),
    ],
)
def test_a_rebuilt_table_gets_its_triggers_back_after_migrate(model: Any, expected: set) -> None:
    table = model._meta.db_table
    assert triggers_on(table) >= expected
    with connection.schema_editor() as editor:
        editor._remake_table(model)  # what a migration adding a NOT NULL column does
    assert not triggers_on(table) & expected  # SQLite dropped them with the old table
    # What ``migrate`` sends when it is done (for the app that registered the triggers).
    config = apps.get_app_config(model._meta.app_label if model is AuditEvent else "stats")
    post_migrate.send(
        sender=config,
        app_config=config,
        verbosity=0,
        interactive=False,
        using=connection.alias,
        apps=apps,
        plan=[],
    )
    assert triggers_on(table) >= expected
