"""The enquiry's clock (deadlines, clocks, pauses) moves from routing to intake (issue 13): the
clock starts when an enquiry comes in, so it belongs to the record. Only Django's state moves
here; the tables keep their rows (renamed in 0006), and their content types (with the
permissions the roles hold) follow."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_types(apps, source, target, models):
    # Permissions (and the roles holding them) follow their content type to the new app.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in models:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


MODELS = ["deadline", "enquiryclock", "clockpause"]


def forward(apps, schema_editor):
    _move_content_types(apps, "routing", "intake", MODELS)


def backward(apps, schema_editor):
    _move_content_types(apps, "intake", "routing", MODELS)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0004_service_submissions_and_idempotency"),
        ("routing", "0006_helpservice_organisation"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ClockPause",
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
                        ("reason", models.CharField(max_length=500, verbose_name="reason")),
                        ("paused_at", models.DateTimeField(verbose_name="paused")),
                        ("paused_until", models.DateTimeField(verbose_name="until")),
                        (
                            "ended_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="Set when the pause was lifted before its date, or replaced by a new pause.",
                                null=True,
                                verbose_name="ended early",
                            ),
                        ),
                        (
                            "ended_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="ended by",
                            ),
                        ),
                        (
                            "enquiry",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="clock_pauses",
                                to="intake.enquiry",
                                verbose_name="enquiry",
                            ),
                        ),
                        (
                            "paused_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="paused by",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "routing_clockpause",
                        "verbose_name": "pause",
                        "verbose_name_plural": "pauses",
                        "ordering": ["-paused_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="Deadline",
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
                                choices=[
                                    ("assessment_acute", "Risk assessment of an acute enquiry"),
                                    ("assessment", "Risk assessment"),
                                    ("referral_acknowledgement", "Acknowledgement of a referral"),
                                    ("follow_up", "Follow-up after forwarding"),
                                ],
                                max_length=30,
                                unique=True,
                                verbose_name="deadline",
                            ),
                        ),
                        (
                            "remind_after",
                            models.PositiveIntegerField(
                                help_text="Counted from the start of the step, in the unit below.",
                                verbose_name="remind after",
                            ),
                        ),
                        (
                            "escalate_after",
                            models.PositiveIntegerField(
                                help_text="Counted from the start of the step, in the unit below; at least the reminder time.",
                                verbose_name="escalate after",
                            ),
                        ),
                        (
                            "unit",
                            models.CharField(
                                choices=[
                                    ("minutes", "minutes"),
                                    ("hours", "hours"),
                                    ("days", "calendar days"),
                                    ("working_days", "working days (Norwegian calendar)"),
                                ],
                                max_length=20,
                                verbose_name="unit",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "routing_deadline",
                        "verbose_name": "deadline",
                        "verbose_name_plural": "deadlines",
                        "ordering": ["kind"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("escalate_after__gte", models.F("remind_after"))
                                ),
                                name="deadline_escalation_not_before_reminder",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("remind_after__gt", 0)),
                                name="deadline_positive",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="EnquiryClock",
                    fields=[
                        (
                            "enquiry",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="clock",
                                serialize=False,
                                to="intake.enquiry",
                                verbose_name="enquiry",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("assessment_acute", "Risk assessment of an acute enquiry"),
                                    ("assessment", "Risk assessment"),
                                    ("referral_acknowledgement", "Acknowledgement of a referral"),
                                    ("follow_up", "Follow-up after forwarding"),
                                ],
                                help_text="Empty when nothing is due (the enquiry is closed).",
                                max_length=30,
                                verbose_name="deadline",
                            ),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="step started"
                            ),
                        ),
                        (
                            "due_at",
                            models.DateTimeField(
                                blank=True, db_index=True, null=True, verbose_name="due"
                            ),
                        ),
                        (
                            "escalate_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="escalated at the latest"
                            ),
                        ),
                        (
                            "reminded_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="reminded"),
                        ),
                        (
                            "escalated_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="escalated"),
                        ),
                        (
                            "paused_until",
                            models.DateTimeField(
                                blank=True, db_index=True, null=True, verbose_name="paused until"
                            ),
                        ),
                        (
                            "pause_reason",
                            models.CharField(
                                blank=True, max_length=500, verbose_name="reason for the pause"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "routing_enquiryclock",
                        "verbose_name": "enquiry clock",
                        "verbose_name_plural": "enquiry clocks",
                        "indexes": [
                            models.Index(
                                condition=models.Q(("reminded_at__isnull", True)),
                                fields=["due_at"],
                                name="clock_due_unclaimed",
                            ),
                            models.Index(
                                condition=models.Q(("escalated_at__isnull", True)),
                                fields=["escalate_at"],
                                name="clock_escalate_unclaimed",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
    ]
