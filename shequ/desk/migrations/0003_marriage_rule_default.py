"""The default row of the birth-registration marriage rule: for the whole country, a
registration does not require the couple to be married (the 2021 national notice leaves it
to the provinces; Sichuan dropped it in 2023). A province that requires it adds its row in
规则设置 (rulebook)."""

import datetime

from django.db import migrations

PROGRAMME, KEY = "desk", "birth_registration_requires_marriage"


def seed(apps, schema_editor):
    Setting = apps.get_model("rulebook", "Setting")
    if not Setting.objects.filter(programme=PROGRAMME, key=KEY, region_prefix="").exists():
        Setting.objects.create(
            programme=PROGRAMME,
            key=KEY,
            region_prefix="",
            valid_from=datetime.date(2021, 12, 1),
            value=0,  # 1: the couple must be married (rulebook values are numbers, texts or objects)
            note="生育登记是否以已婚为前提（国卫办人口发〔2021〕21号；各省可另行规定）",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0002_birth_registrations"),
        ("rulebook", "0001_settings"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
