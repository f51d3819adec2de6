"""Load the national division codes from org/data/divisions.csv.

Reversible: going back empties the table. A later refresh of the CSV comes with its own
migration calling the same loader, which only inserts and renames.
"""

from django.db import migrations


def load(apps, schema_editor):
    from shequ.org.divisions import load_divisions

    load_divisions(apps.get_model("org", "Division"))


def unload(apps, schema_editor):
    apps.get_model("org", "Division").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
