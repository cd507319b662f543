"""Leave room on PostgreSQL's pages of the monthly histograms, so their updates are HOT.

A refresh takes each recomputed day away from its month's histogram and adds it back, which
updates a few thousand rows. With full pages every such update writes a new row version on
another page and new entries in both indexes; with half-empty pages PostgreSQL keeps the new
version on the same page and leaves the indexes alone (``n`` is in no index). Measured at 1M
enquiries: 230 ms down to 65 ms for four days' worth. SQLite has no such setting.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE stats_monthlyduration SET (fillfactor = 50)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE stats_monthlyduration RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("stats", "0002_rollup_triggers")]

    operations = [migrations.RunPython(forward, backward)]
