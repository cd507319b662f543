"""Installs the helping-services directory and the default routing rules (routing/data/)."""

from django.db import migrations

from routing.defaults import rule_rows, service_rows


def install(apps, schema_editor):
    HelpService = apps.get_model("routing", "HelpService")
    RoutingRule = apps.get_model("routing", "RoutingRule")
    for row in service_rows():
        slug = row.pop("slug")
        HelpService.objects.update_or_create(slug=slug, defaults=row)
    for row in rule_rows():
        name = row.pop("name")
        row["service"] = HelpService.objects.get(slug=row["service"])
        RoutingRule.objects.update_or_create(name=name, defaults=row)


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
