"""A pool of audit chains instead of one (issue 21, item 1).

The existing trail becomes chain 1, unchanged and verifiable as before (its events were hashed
without a chain field; ``audit.chain.canonical`` leaves the field out for chain 1 only). Heads
2 to 64 are created empty; ``settings.AUDIT_CHAINS`` says how many of them writers use.

Sequence numbers now come from a database sequence on PostgreSQL (taken while the chain's head is
locked, so that within a chain they grow), from ``MAX(seq) + 1`` on SQLite (one writer at a time).
Adding the column needs no UPDATE of the append-only table: PostgreSQL adds a column with a
default without touching the rows; SQLite rebuilds the table (its DROP fires no trigger) and the
rebuild drops the table's triggers, so they are created again here.
"""

from django.db import migrations, models

GENESIS = "0" * 64
HEADS = 64
SEQUENCE = "audit_auditevent_seq_seq"

SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_erasure_allowed) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END",
]


def install(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    for pk in range(2, HEADS + 1):
        ChainHead.objects.get_or_create(pk=pk, defaults={"seq": 0, "hash": GENESIS})
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint OWNED BY audit_auditevent.seq"
        )
        schema_editor.execute(
            f"SELECT setval('{SEQUENCE}', GREATEST(1, (SELECT COALESCE(MAX(seq), 0) "
            "FROM audit_auditevent), (SELECT COALESCE(MAX(seq), 0) FROM audit_chainhead)))"
        )
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"No audit chain pool for database vendor {vendor!r}")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
    apps.get_model("audit", "ChainHead").objects.filter(pk__gt=1).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_refusal_counts")]

    operations = [
        migrations.CreateModel(
            name="VerifiedCheckpoint",
            fields=[
                (
                    "chain",
                    models.PositiveSmallIntegerField(
                        primary_key=True, serialize=False, verbose_name="chain"
                    ),
                ),
                ("seq", models.BigIntegerField(verbose_name="sequence number")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ("checked", models.BigIntegerField(default=0, verbose_name="events checked")),
                ("verified_at", models.DateTimeField(verbose_name="verified at")),
                ("mac", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "verified checkpoint",
                "verbose_name_plural": "verified checkpoints",
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="chain"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["chain", "seq"], name="audit_event_chain_seq"),
        ),
        migrations.RunPython(install, uninstall),
    ]
