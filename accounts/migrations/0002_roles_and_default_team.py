"""Installs the staff roles (groups with their permissions) and the default team `tonsberg`."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import ROLE_PERMISSIONS


def install(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Team = apps.get_model("accounts", "Team")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            # A permission added by a later migration (accounts 0006) is granted there.
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                perms.append(permission)
        group.permissions.set(perms)
    Team.objects.get_or_create(
        slug="tonsberg", defaults={"name": "TryggEst-teamet i Tønsberg kommune"}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("intake", "0001_initial"),
        ("routing", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
