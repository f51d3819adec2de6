"""The rule that caps a district's designated hospitals (2–3 per district, MISSION.md): a
setting, so a city can change it for a district without a release."""

import datetime

from django.db import migrations

KEY = "hospitals_per_district_max"


def seed(apps, schema_editor):
    Setting = apps.get_model("rulebook", "Setting")
    if not Setting.objects.filter(programme="health", key=KEY, region_prefix="").exists():
        Setting.objects.create(
            programme="health",
            key=KEY,
            region_prefix="",
            valid_from=datetime.date(2020, 1, 1),
            value=3,
            note="每个区县最多几家定点医院（在用）",
        )


def unseed(apps, schema_editor):
    apps.get_model("rulebook", "Setting").objects.filter(
        programme="health", key=KEY, region_prefix=""
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("health", "0003_encrypted_clinical_fields")]

    operations = [migrations.RunPython(seed, unseed)]
