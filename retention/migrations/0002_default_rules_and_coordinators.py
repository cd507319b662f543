"""The default retention rules (README: Retention) and the coordinators' permissions.

Defaults: enquiries closed as a duplicate or as not a TryggEst case (``referred_elsewhere``) are
anonymised 12 months after closing, every other closed enquiry 60 months (5 years) after closing;
open enquiries untouched for 24 months are listed for the team to decide. Coordinators change
them in the admin.
"""

from django.db import migrations

DEFAULTS = [
    ("closed", "duplicate", 12, "Duplikat: ingen egen sak."),
    ("closed", "referred_elsewhere", 12, "Ikke en TryggEst-sak."),
    ("closed", "", 60, "Andre avsluttede saker: fem år etter avslutning."),
    ("open_untouched", "", 24, "Åpne saker uten endring i to år: teamet avgjør."),
]
COORDINATOR_PERMISSIONS = [
    "view_retentionrule",
    "add_retentionrule",
    "change_retentionrule",
    "delete_retentionrule",
    "view_legalhold",
    "add_legalhold",
    "view_anonymisation",
    "view_rectification",
    "add_rectification",
    "export_personal_data",
    "rectify_enquiry",
]


def forward(apps, schema_editor):
    from django.contrib.auth.management import create_permissions  # noqa: PLC0415 - data step only

    RetentionRule = apps.get_model("retention", "RetentionRule")
    for scope, outcome, months, note in DEFAULTS:
        RetentionRule.objects.get_or_create(
            scope=scope, outcome=outcome, defaults={"months": months, "note": note}
        )
    app_config = apps.get_app_config("retention")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="coordinator")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="retention", codename__in=COORDINATOR_PERMISSIONS
        )
    )


def backward(apps, schema_editor):
    apps.get_model("retention", "RetentionRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
        ("accounts", "0006_identities_and_second_factors"),
    ]
    operations = [migrations.RunPython(forward, backward)]
