"""Every change to an enquiry or a referral marks the enquiry's day for the statistics' roll-up.

Triggers, so that no write can forget it: the services, the admin, ``QuerySet.update()``, a shell
session and a data migration all go past them. An UPDATE marks the old and (if it moved) the new
time received; a DELETE marks the old. Existing enquiries are marked here, so the first statistics
read after this migration builds their days.

Bulk loaders that switch triggers off (``session_replication_role = replica``, as
``bench/generate.py`` does) must run ``manage.py rebuild_stats`` afterwards.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION stats_mark_enquiry() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO stats_rollupmark (received_at) VALUES (OLD.received_at);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.received_at IS DISTINCT FROM OLD.received_at) THEN
            INSERT INTO stats_rollupmark (received_at) VALUES (NEW.received_at);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER stats_mark_enquiry AFTER INSERT OR UPDATE OR DELETE ON intake_enquiry "
    "FOR EACH ROW EXECUTE FUNCTION stats_mark_enquiry()",
    """
    CREATE FUNCTION stats_mark_referral() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO stats_rollupmark (received_at)
                SELECT received_at FROM intake_enquiry WHERE id = OLD.enquiry_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.enquiry_id IS DISTINCT FROM OLD.enquiry_id) THEN
            INSERT INTO stats_rollupmark (received_at)
                SELECT received_at FROM intake_enquiry WHERE id = NEW.enquiry_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER stats_mark_referral AFTER INSERT OR UPDATE OR DELETE ON routing_referral "
    "FOR EACH ROW EXECUTE FUNCTION stats_mark_referral()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS stats_mark_referral ON routing_referral",
    "DROP FUNCTION IF EXISTS stats_mark_referral()",
    "DROP TRIGGER IF EXISTS stats_mark_enquiry ON intake_enquiry",
    "DROP FUNCTION IF EXISTS stats_mark_enquiry()",
]

SQLITE_FORWARD = [
    "CREATE TRIGGER stats_mark_enquiry_insert AFTER INSERT ON intake_enquiry "
    "BEGIN INSERT INTO stats_rollupmark (received_at) VALUES (NEW.received_at); END",
    "CREATE TRIGGER stats_mark_enquiry_update AFTER UPDATE ON intake_enquiry "
    "BEGIN INSERT INTO stats_rollupmark (received_at) VALUES (OLD.received_at); "
    "INSERT INTO stats_rollupmark (received_at) SELECT NEW.received_at "
    "WHERE NEW.received_at IS NOT OLD.received_at; END",
    "CREATE TRIGGER stats_mark_enquiry_delete AFTER DELETE ON intake_enquiry "
    "BEGIN INSERT INTO stats_rollupmark (received_at) VALUES (OLD.received_at); END",
    "CREATE TRIGGER stats_mark_referral_insert AFTER INSERT ON routing_referral "
    "BEGIN INSERT INTO stats_rollupmark (received_at) "
    "SELECT received_at FROM intake_enquiry WHERE id = NEW.enquiry_id; END",
    "CREATE TRIGGER stats_mark_referral_update AFTER UPDATE ON routing_referral "
    "BEGIN INSERT INTO stats_rollupmark (received_at) "
    "SELECT received_at FROM intake_enquiry WHERE id IN (OLD.enquiry_id, NEW.enquiry_id); END",
    "CREATE TRIGGER stats_mark_referral_delete AFTER DELETE ON routing_referral "
    "BEGIN INSERT INTO stats_rollupmark (received_at) "
    "SELECT received_at FROM intake_enquiry WHERE id = OLD.enquiry_id; END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS stats_mark_{table}_{op}"
    for table in ("enquiry", "referral")
    for op in ("insert", "update", "delete")
]

MARK_EXISTING = "INSERT INTO stats_rollupmark (received_at) SELECT received_at FROM intake_enquiry"


def forward(apps, schema_editor):
    statements = (
        POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    )
    for sql in [*statements, MARK_EXISTING]:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = (
        POSTGRES_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_rollup"),
        ("intake", "0004_service_submissions_and_idempotency"),
        ("routing", "0004_reminders"),
    ]

    operations = [migrations.RunPython(forward, backward)]
