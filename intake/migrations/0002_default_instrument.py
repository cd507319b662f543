"""Installs the default risk instrument of DOMAIN.md as version 1, published."""

from django.db import migrations
from django.utils import timezone

from intake.instrument import DEFAULT_ITEMS


def install(apps, schema_editor):
    Instrument = apps.get_model("intake", "AssessmentInstrument")
    Item = apps.get_model("intake", "InstrumentItem")
    if Instrument.objects.exists():
        return
    instrument = Instrument.objects.create(
        version=1, name="TryggEst standard risikovurdering", published_at=timezone.now()
    )
    Item.objects.bulk_create(
        Item(instrument=instrument, code=code, group=group, text_nb=nb, text_en=en, position=i)
        for i, (code, group, nb, en) in enumerate(DEFAULT_ITEMS, start=1)
    )


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
