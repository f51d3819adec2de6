"""The supplies' default caps, intervals and follow-up days into the rulebook (rules as
data), valid from the programme's start in 2017; kept when already set."""

import datetime
import uuid

from django.db import migrations

from shequ.supplies.defaults import default_settings


def add(apps, schema_editor):
    Setting = apps.get_model("rulebook", "Setting")
    for entry in default_settings():
        exists = Setting.objects.filter(
            programme=entry["programme"], key=entry["key"], region_prefix=""
        ).exists()
        if not exists:
            Setting.objects.create(
                uid=uuid.uuid4(),
                programme=entry["programme"],
                key=entry["key"],
                region_prefix="",
                valid_from=datetime.date(2017, 1, 1),
                value=entry["value"],
                note=entry["note"],
            )


class Migration(migrations.Migration):
    dependencies = [("supplies", "0002_catalogue"), ("rulebook", "0001_settings")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
