"""The database itself refuses UPDATE and DELETE on the audit trail (and TRUNCATE on PostgreSQL).

Triggers, not only the admin's read-only screens: a bug, a shell session or a stray data migration
must not be able to rewrite the record of who read what. The hash chain (``verify_audit``) then
catches what someone with enough database rights to drop a trigger could still do.

DELETE (and TRUNCATE) is let through only while the unmanaged table ``audit_erasure_allowed`` holds
a row: a deliberate, visible step for a retention job and for the test suite's flush between
transactional tests (see ``audit.maintenance``). UPDATE is never let through.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE TABLE audit_erasure_allowed (reason text NOT NULL)",
    """
    CREATE FUNCTION audit_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE') AND EXISTS (SELECT 1 FROM audit_erasure_allowed) THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    "CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only()",
    "CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_append_only()",
    # An enquiry's access report includes the lists that showed it: find them by containment.
    "CREATE INDEX audit_auditevent_enquiry_ids_gin ON audit_auditevent "
    "USING gin (enquiry_ids jsonb_path_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS audit_auditevent_enquiry_ids_gin",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only()",
    "DROP TABLE IF EXISTS audit_erasure_allowed",
]

# SQLite has no TRUNCATE; a DELETE without WHERE still fires row triggers when a table has any.
SQLITE_FORWARD = [
    "CREATE TABLE audit_erasure_allowed (reason text NOT NULL)",
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_erasure_allowed) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TABLE IF EXISTS audit_erasure_allowed",
]

STATEMENTS = {
    "postgresql": (POSTGRES_FORWARD, POSTGRES_BACKWARD),
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
}


def _run(schema_editor, forward: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        # An audit trail that silently loses its protection on another database is worse than
        # one that refuses to install.
        raise RuntimeError(f"No append-only triggers for database vendor {vendor!r}")
    for statement in STATEMENTS[vendor][0 if forward else 1]:
        schema_editor.execute(statement, params=None)  # no placeholders: the SQL has a literal %


def install(apps, schema_editor):
    _run(schema_editor, forward=True)


def uninstall(apps, schema_editor):
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_head")]
    operations = [migrations.RunPython(install, uninstall)]
