"""The national free-contraceptive catalogue (DOMAIN-FACTS.md §4): reference data every
deployment starts with; keepers add or retire items later."""

from django.db import migrations

# code, name, kind, unit, clinician first, low-stock line
CATALOGUE = [
    ("pill-21-7", "复方左炔诺孕酮片（21+7）", "oral_pill", "板", True, 50),
    ("pill-triphasic", "左炔诺孕酮炔雌醇（三相）片", "oral_pill", "板", True, 30),
    ("pill-emergency", "左炔诺孕酮片（紧急避孕）", "emergency_pill", "片", False, 30),
    ("topical-film", "壬苯醇醚膜", "topical", "张", False, 100),
    ("topical-pessary", "壬苯醇醚栓", "topical", "枚", False, 100),
    ("topical-gel", "壬苯醇醚凝胶", "topical", "支", False, 50),
    ("condom-male", "男用避孕套", "male_condom", "只", False, 500),
    ("condom-female", "女用避孕套", "female_condom", "只", False, 100),
    ("iud", "宫内节育器", "iud", "个", True, 10),
    ("injection", "复方甲地孕酮注射液", "injection", "支", True, 20),
    ("implant", "左炔诺孕酮硅胶棒（皮下埋植剂）", "implant", "套", True, 5),
]


def add(apps, schema_editor):
    Item = apps.get_model("supplies", "Item")
    import uuid

    for code, name, kind, unit, first, low in CATALOGUE:
        Item.objects.get_or_create(
            code=code,
            defaults={
                "uid": uuid.uuid4(),
                "name": name,
                "kind": kind,
                "unit": unit,
                "clinician_first": first,
                "low_stock": low,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
