"""Reminders move from routing to casework (issue 13), with the sweep that writes them. Only
Django's state moves here; the table keeps its rows (renamed in 0002), and its content type
(with the roles' permissions) follows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_types(apps, source, target, models):
    # Permissions (and the roles holding them) follow their content type to the new app.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in models:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def forward(apps, schema_editor):
    _move_content_types(apps, "routing", "casework", ["reminder"])


def backward(apps, schema_editor):
    _move_content_types(apps, "casework", "routing", ["reminder"])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("intake", "0005_enquiry_clock_moved_from_routing"),
        ("routing", "0006_helpservice_organisation"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Reminder",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("reminder", "Reminder"), ("escalation", "Escalation")],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "deadline",
                            models.CharField(
                                choices=[
                                    ("assessment_acute", "Risk assessment of an acute enquiry"),
                                    ("assessment", "Risk assessment"),
                                    ("referral_acknowledgement", "Acknowledgement of a referral"),
                                    ("follow_up", "Follow-up after forwarding"),
                                ],
                                max_length=30,
                                verbose_name="deadline",
                            ),
                        ),
                        ("due_at", models.DateTimeField(verbose_name="was due")),
                        ("sent_at", models.DateTimeField(db_index=True, verbose_name="sent")),
                        (
                            "email",
                            models.EmailField(
                                blank=True, max_length=254, verbose_name="e-mail address"
                            ),
                        ),
                        ("reason", models.CharField(max_length=300, verbose_name="why")),
                        (
                            "mailed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="e-mailed"),
                        ),
                        (
                            "mail_attempts",
                            models.PositiveSmallIntegerField(
                                default=0, verbose_name="e-mail attempts"
                            ),
                        ),
                        (
                            "mail_claimed_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="last e-mail attempt"
                            ),
                        ),
                        (
                            "enquiry",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to="intake.enquiry",
                                verbose_name="enquiry",
                            ),
                        ),
                        (
                            "recipient_service",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="reminders",
                                to="routing.helpservice",
                                verbose_name="to (service)",
                            ),
                        ),
                        (
                            "recipient_user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="reminders",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="to (staff)",
                            ),
                        ),
                        (
                            "referral",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to="routing.referral",
                                verbose_name="referral",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "routing_reminder",
                        "verbose_name": "reminder",
                        "verbose_name_plural": "reminders",
                        "ordering": ["-sent_at", "-pk"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("mailed_at__isnull", True)),
                                fields=["mail_claimed_at"],
                                name="reminder_unmailed",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
    ]
