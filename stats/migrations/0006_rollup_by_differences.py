"""The roll-up by differences (issue 21): marks name the enquiry, and what each enquiry counts is kept.

Before: a mark named a day received, and a refresh recomputed whole days. Now the triggers
(``stats.triggers``) mark the enquiry, ``CountContribution`` and ``DurationContribution`` hold what
the roll-up counted for each enquiry, and a refresh applies each marked enquiry's change as a
difference. The daily and monthly rows are emptied and every enquiry is marked, so the next
refresh (or ``manage.py rebuild_stats``, faster at a million enquiries) builds them again.
"""

from django.db import migrations, models

from stats import triggers

OLD_POSTGRES = [
    "DROP TRIGGER IF EXISTS stats_mark_referral ON routing_referral",
    "DROP FUNCTION IF EXISTS stats_mark_referral()",
    "DROP TRIGGER IF EXISTS stats_mark_enquiry ON intake_enquiry",
    "DROP FUNCTION IF EXISTS stats_mark_enquiry()",
]
OLD_SQLITE = [
    f"DROP TRIGGER IF EXISTS stats_mark_{table}_{op}"
    for table in ("enquiry", "referral")
    for op in ("insert", "update", "delete")
]


def drop_old_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in OLD_POSTGRES if postgres else OLD_SQLITE:
        schema_editor.execute(sql, params=None)
    schema_editor.execute("DELETE FROM stats_rollupmark", params=None)


def install_triggers(apps, schema_editor):
    for table, column in triggers.MARKED:
        triggers.install(schema_editor, table, column)
    for table in ("stats_dailycount", "stats_dailyduration", "stats_monthlyduration"):
        schema_editor.execute(f"DELETE FROM {table}", params=None)
    schema_editor.execute(
        "INSERT INTO stats_rollupmark (enquiry_id, marked_at) SELECT id, received_at "
        "FROM intake_enquiry",
        params=None,
    )


def uninstall_triggers(apps, schema_editor):
    for table, _column in triggers.MARKED:
        triggers.uninstall(schema_editor, table)
    schema_editor.execute("DELETE FROM stats_rollupmark", params=None)


class Migration(migrations.Migration):
    # Before any later migration rebuilds intake's enquiry table on SQLite (a new NOT NULL
    # column): the old triggers read that table from routing_referral's and break the rebuild
    # ("no such table: main.intake_enquiry"); these triggers touch only the marked table.
    run_before = [("intake", "0009_enquiry_measures")]

    dependencies = [
        ("stats", "0005_step_labels_say_first"),
        ("intake", "0004_service_submissions_and_idempotency"),
        ("routing", "0004_reminders"),
    ]

    operations = [
        # Backward: the old triggers are not put back (migrate to 0005 and run 0002's by hand).
        migrations.RunPython(drop_old_triggers, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="rollupmark", name="stats_mark_received"),
        migrations.RemoveField(model_name="rollupmark", name="received_at"),
        migrations.AddField(
            model_name="rollupmark",
            name="enquiry_id",
            field=models.UUIDField(default="00000000-0000-0000-0000-000000000000"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="rollupmark",
            name="marked_at",
            field=models.DateTimeField(default="2000-01-01T00:00:00Z"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="CountContribution",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("enquiry_id", models.UUIDField()),
                ("day", models.DateField()),
                ("dimension", models.CharField(max_length=40)),
                ("code", models.CharField(max_length=64)),
                ("n", models.PositiveIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["enquiry_id"], name="stats_countcontrib_enquiry")],
            },
        ),
        migrations.CreateModel(
            name="DurationContribution",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "step",
                    models.CharField(
                        choices=[
                            ("assessment", "received to the first risk assessment"),
                            ("forward", "first risk assessment to first forwarding"),
                            ("acknowledgement", "referral sent to acknowledged"),
                        ],
                        max_length=20,
                    ),
                ),
                ("bucket", models.IntegerField()),
                ("n", models.PositiveIntegerField()),
                ("enquiry_id", models.UUIDField()),
                ("day", models.DateField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["enquiry_id"], name="stats_durationcontrib_enquiry")
                ],
            },
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
