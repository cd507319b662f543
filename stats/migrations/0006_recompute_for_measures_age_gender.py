"""Issue 16 adds breakdowns to the roll-up (by_measure, by_age_group, by_gender): mark every day
with enquiries, so the next refresh recomputes it. The first and last enquiry of each date (as the database writes it, UTC)
between them fall on every Oslo day that has an enquiry (an Oslo day is at most two hours off)."""

from django.db import migrations

MARK_EVERY_DAY = """
INSERT INTO stats_rollupmark (received_at)
SELECT min(received_at) FROM intake_enquiry GROUP BY substr(CAST(received_at AS TEXT), 1, 10)
UNION
SELECT max(received_at) FROM intake_enquiry GROUP BY substr(CAST(received_at AS TEXT), 1, 10)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0005_step_labels_say_first"),
        ("intake", "0009_enquiry_measures"),
    ]

    operations = [migrations.RunSQL(MARK_EVERY_DAY, migrations.RunSQL.noop)]
