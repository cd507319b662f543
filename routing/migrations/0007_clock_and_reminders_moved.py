"""Deadlines, clocks and pauses now belong to intake, reminders to casework (issue 13): routing
forgets them in Django's state only; their tables are renamed by intake/0006 and casework/0002."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0006_helpservice_organisation"),
        ("intake", "0005_enquiry_clock_moved_from_routing"),
        ("casework", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="clockpause",
                    name="ended_by",
                ),
                migrations.RemoveField(
                    model_name="clockpause",
                    name="enquiry",
                ),
                migrations.RemoveField(
                    model_name="clockpause",
                    name="paused_by",
                ),
                migrations.DeleteModel(
                    name="Deadline",
                ),
                migrations.RemoveField(
                    model_name="enquiryclock",
                    name="enquiry",
                ),
                migrations.RemoveField(
                    model_name="reminder",
                    name="enquiry",
                ),
                migrations.RemoveField(
                    model_name="reminder",
                    name="recipient_service",
                ),
                migrations.RemoveField(
                    model_name="reminder",
                    name="recipient_user",
                ),
                migrations.RemoveField(
                    model_name="reminder",
                    name="referral",
                ),
                migrations.DeleteModel(
                    name="ClockPause",
                ),
                migrations.DeleteModel(
                    name="EnquiryClock",
                ),
                migrations.DeleteModel(
                    name="Reminder",
                ),
            ],
            database_operations=[],
        ),
    ]
