"""The link between a directory service and the organisation whose key answers its referrals
moves to the directory's side (HelpService.organisation), so that accounts, which sits below
routing, no longer points up at it (issue 13). Existing links are copied before accounts drops
its column (accounts/0005)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    ServiceOrganisation = apps.get_model("accounts", "ServiceOrganisation")
    HelpService = apps.get_model("routing", "HelpService")
    for organisation in ServiceOrganisation.objects.exclude(service=None):
        HelpService.objects.filter(pk=organisation.service_id).update(organisation=organisation)


def copy_links_back(apps, schema_editor):
    ServiceOrganisation = apps.get_model("accounts", "ServiceOrganisation")
    HelpService = apps.get_model("routing", "HelpService")
    for service in HelpService.objects.exclude(organisation=None):
        ServiceOrganisation.objects.filter(pk=service.organisation_id).update(service=service)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_coordinators_see_statistics"),
        ("routing", "0005_referral_due_open_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="helpservice",
            name="organisation",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="help_service",
                to="accounts.serviceorganisation",
                verbose_name="organisation answering by API",
            ),
        ),
        migrations.RunPython(copy_links, copy_links_back),
    ]
