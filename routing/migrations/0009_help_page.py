"""The residents' help page (/hjelp/, issue 19): each service's situations, order and plain texts
per residents' language, installed from routing/data/services.yaml.

Also corrects one phone label of Barnevernvakta that the directory had in English.
"""

from django.db import migrations, models

from routing.defaults import service_help_page_rows


def install(apps, schema_editor):
    HelpService = apps.get_model("routing", "HelpService")
    for slug, row in service_help_page_rows().items():
        HelpService.objects.filter(slug=slug).update(**row)
    for service in HelpService.objects.filter(slug="barnevernvakta-vestfold"):
        service.phones = [
            {**phone, "label": "Natt og helg, via politiet"}
            if phone.get("label") == "Nights and weekend days, via politiet"
            else phone
            for phone in service.phones
        ]
        service.save(update_fields=["phones"])


class Migration(migrations.Migration):
    dependencies = [("routing", "0008_hours_week_table")]

    operations = [
        migrations.AddField(
            model_name="helpservice",
            name="situations",
            field=models.JSONField(
                blank=True, default=list, verbose_name="situations on the help page"
            ),
        ),
        migrations.AddField(
            model_name="helpservice",
            name="public_order",
            field=models.PositiveSmallIntegerField(
                default=100,
                help_text="Lower is shown first.",
                verbose_name="order on the help page",
            ),
        ),
        migrations.AddField(
            model_name="helpservice",
            name="public_texts",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="texts for the help page"
            ),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
