"""The reminders' table takes casework's name (routing_reminder → casework_reminder)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("routing", "0007_clock_and_reminders_moved"),
    ]

    operations = [
        migrations.AlterModelTable(name="reminder", table=None),
    ]
