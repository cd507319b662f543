"""Coordinators see the case-flow statistics too (the dashboard is for managers and coordinators)."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="intake", codename="view_statistics"
    ).first()
    group = Group.objects.filter(name="coordinator").first()
    if permission and group:
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="coordinator").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="intake", codename="view_statistics")
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_service_organisations_and_keys")]
    operations = [migrations.RunPython(grant, revoke)]
