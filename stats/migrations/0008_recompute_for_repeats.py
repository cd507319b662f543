"""Issue 21: the repeat breakdown (issue 17) moves into the roll-up (dimension ``repeat``): mark
every enquiry, so the next refresh counts it again with it (``rebuild_stats`` is faster at a
large size)."""

from django.db import migrations

MARK_EVERY_ENQUIRY = (
    "INSERT INTO stats_rollupmark (enquiry_id, marked_at) SELECT id, received_at "
    "FROM intake_enquiry"
)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0007_recompute_for_measures_age_gender"),
        ("intake", "0010_same_adult_keys"),
    ]

    operations = [migrations.RunSQL(MARK_EVERY_ENQUIRY, migrations.RunSQL.noop)]
