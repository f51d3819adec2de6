"""The benefits' national rows into the rulebook (rules as data, DOMAIN-FACTS.md §3): amounts
and thresholds by programme, valid from when each applies; kept when already set. City staff
add their region's rows in 规则设置."""

import uuid

from django.db import migrations

from shequ.benefits.defaults import default_settings


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
                valid_from=entry["since"],
                value=entry["value"],
                note=entry["note"],
            )


class Migration(migrations.Migration):
    dependencies = [("benefits", "0001_lists_rows_payments"), ("rulebook", "0001_settings")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
