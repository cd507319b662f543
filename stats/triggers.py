"""The database triggers that tell the statistics' roll-up which enquiries changed.

One trigger per table whose rows the roll-up counts from: on every insert, update or delete it
appends a ``stats_rollupmark`` row naming the enquiry (the row's own id for the enquiry table, its
enquiry column for a table that belongs to an enquiry), in the same transaction as the change and
whoever makes it (a service, the admin, ``QuerySet.update()``, a shell). An update that moves a
row to another enquiry marks both.

A new breakdown read from another table (``stats.rollup.BREAKDOWNS``) needs that table marked:
a migration in ``stats`` calls ``install(schema_editor, "app_table", "enquiry_id")`` forward and
``uninstall(...)`` backward. Bulk loaders that switch triggers off (``session_replication_role =
replica``, as ``bench/generate.py`` does) must run ``manage.py rebuild_stats`` afterwards.
"""

from __future__ import annotations

from typing import Any

# The tables marked by migration 0006: (table, the column holding the enquiry's id).
MARKED = (("intake_enquiry", "id"), ("routing_referral", "enquiry_id"))


def _name(table: str) -> str:
    return f"stats_mark_{table}"


def install_sql(vendor: str, table: str, column: str) -> list[str]:
    """The statements that create ``table``'s marking trigger(s) on ``vendor``'s database."""
    name = _name(table)
    if vendor == "postgresql":
        return [
            f"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    INSERT INTO stats_rollupmark (enquiry_id, marked_at) VALUES (OLD.{column}, now());
                END IF;
                IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.{column} IS DISTINCT FROM OLD.{column}) THEN
                    INSERT INTO stats_rollupmark (enquiry_id, marked_at) VALUES (NEW.{column}, now());
                END IF;
                RETURN NULL;
            END
            $$
            """,
            f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} "
        f"BEGIN INSERT INTO stats_rollupmark (enquiry_id, marked_at) VALUES (NEW.{column}, {now}); END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} "
        f"BEGIN INSERT INTO stats_rollupmark (enquiry_id, marked_at) VALUES (OLD.{column}, {now}); "
        f"INSERT INTO stats_rollupmark (enquiry_id, marked_at) SELECT NEW.{column}, {now} "
        f"WHERE NEW.{column} IS NOT OLD.{column}; END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} "
        f"BEGIN INSERT INTO stats_rollupmark (enquiry_id, marked_at) VALUES (OLD.{column}, {now}); END",
    ]


def uninstall_sql(vendor: str, table: str) -> list[str]:
    """The statements that drop ``table``'s marking trigger(s)."""
    name = _name(table)
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    return [f"DROP TRIGGER IF EXISTS {name}_{op}" for op in ("insert", "update", "delete")]


def install(schema_editor: Any, table: str, column: str) -> None:
    """In a migration: mark the enquiry ``column`` names on every change to ``table``."""
    for sql in install_sql(schema_editor.connection.vendor, table, column):
        schema_editor.execute(sql, params=None)


def uninstall(schema_editor: Any, table: str) -> None:
    """In a migration: drop what ``install`` created for ``table``."""
    for sql in uninstall_sql(schema_editor.connection.vendor, table):
        schema_editor.execute(sql, params=None)


def sqlite_sql() -> list[str]:
    """Every marking trigger on SQLite, dropped and created again (``kernel.sqlite_triggers``:
    put back after a table rebuild)."""
    return [
        sql
        for table, column in MARKED
        for sql in (*uninstall_sql("sqlite", table), *install_sql("sqlite", table, column))
    ]
