"""Opening hours move from a list of periods to the week table with exceptions (issue 20).

``kernel.opening_hours`` still reads the list, so nothing breaks without this; it makes every
stored value the form the directory's form edits. The conversion is copied here (a migration must
not change when the code does): each weekday gets the periods whose ``days`` cover it, and public
holidays keep Sunday's hours, as the list meant. Reversing writes a week table without exceptions
back as a list where each of its days matches one of the list's day sets; others stay as they are.
"""

from django.db import migrations, models

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {"mon-fri": WEEKDAYS[:5], "mon-sun": WEEKDAYS, "sat-sun": WEEKDAYS[5:]}


def to_week_table(apps, schema_editor):
    HelpService = apps.get_model("routing", "HelpService")
    for service in HelpService.objects.all():
        hours = service.hours
        if not isinstance(hours, list) or not hours:
            continue
        week = {day: [] for day in WEEKDAYS}
        for period in hours:
            for day in DAY_SETS[period["days"]]:
                week[day].append({"from": period["from"], "to": period["to"]})
        for periods in week.values():
            periods.sort(key=lambda p: p["from"])
        service.hours = {"week": week, "holidays": "as_sunday", "exceptions": []}
        service.save(update_fields=["hours"])


def to_list(apps, schema_editor):
    HelpService = apps.get_model("routing", "HelpService")
    for service in HelpService.objects.all():
        hours = service.hours
        if (
            not isinstance(hours, dict)
            or hours.get("exceptions")
            or hours.get("holidays") != "as_sunday"
        ):
            continue
        week = hours["week"]
        periods = []
        for days, members in DAY_SETS.items():
            shared = [p for p in week[members[0]] if all(p in week[d] for d in members)]
            others = [d for d in WEEKDAYS if d not in members]
            for period in shared:
                if not any(period in week[d] for d in others):
                    periods.append({"days": days, **period})
        rebuilt = {
            day: sorted(
                (p for p in periods for d in DAY_SETS[p["days"]] if d == day),
                key=lambda p: p["from"],
            )
            for day in WEEKDAYS
        }
        rebuilt = {
            day: [{"from": p["from"], "to": p["to"]} for p in ps] for day, ps in rebuilt.items()
        }
        if rebuilt == week and periods:
            service.hours = periods
            service.save(update_fields=["hours"])


class Migration(migrations.Migration):
    dependencies = [("routing", "0007_clock_and_reminders_moved")]
    operations = [
        migrations.AlterField(
            model_name="helpservice",
            name="hours",
            field=models.JSONField(
                blank=True,
                help_text='"24/7", a week table with exceptions, or none when not known.',
                null=True,
                verbose_name="opening hours",
            ),
        ),
        migrations.RunPython(to_week_table, to_list),
    ]
