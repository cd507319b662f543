"""Issue 16 adds breakdowns to the roll-up (by_measure, by_age_group, by_gender): mark every
enquiry, so the next refresh counts it again with them (``rebuild_stats`` is faster at a large
size)."""

from django.db import migrations

MARK_EVERY_ENQUIRY = (
    "INSERT INTO stats_rollupmark (enquiry_id, marked_at) SELECT id, received_at "
    "FROM intake_enquiry"
)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0006_rollup_by_differences"),
        ("intake", "0009_enquiry_measures"),
    ]

    operations = [migrations.RunSQL(MARK_EVERY_ENQUIRY, migrations.RunSQL.noop)]
