"""The organisation's link to its directory service now lives on routing.HelpService
(routing/0006 copied it there first)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_coordinators_see_statistics"),
        ("routing", "0006_helpservice_organisation"),
    ]

    operations = [
        migrations.RemoveField(model_name="serviceorganisation", name="service"),
    ]
