"""The clock's tables take intake's names (routing_* → intake_*), rows and indexes kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_enquiry_clock_moved_from_routing"),
        ("routing", "0007_clock_and_reminders_moved"),
    ]

    operations = [
        migrations.AlterModelTable(name="deadline", table=None),
        migrations.AlterModelTable(name="enquiryclock", table=None),
        migrations.AlterModelTable(name="clockpause", table=None),
    ]
