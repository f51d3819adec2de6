"""The national free-contraceptive catalogue (DOMAIN-FACTS.md §4): reference data every
deployment starts with; keepers add or retire items later."""

from django.db import migrations

from shequ.supplies.defaults import CATALOGUE

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
    dependencies = [("supplies", "0001_supplies_ledger")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
