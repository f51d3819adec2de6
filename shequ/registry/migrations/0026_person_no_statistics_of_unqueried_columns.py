"""PostgreSQL keeps no statistics of the person columns no query filters, joins or sorts by.

An import ends with ``VACUUM (ANALYZE)`` of the person table (``jobs/statistics.py``), and
ANALYZE sorts its 30,000 sampled values of every column: after an import of 50,000 persons
that was 0.45-0.55 s, a tenth of the import, about a third of it spent on these columns:
ciphertexts (the identity number, contraception and its date: nothing can compare them),
free texts only ever shown (addresses, employer, reason), keys looked up through a unique
index (which tells the planner one row) and the version counter. To filter by one of them,
set its target back first: ``ALTER TABLE registry_person ALTER COLUMN … SET STATISTICS -1``.
"""

from django.db import migrations

COLUMNS = [
    "id_number",
    "contraception",
    "contraception_since",
    "hukou_address",
    "employer_name",
    "flow_out_address",
    "end_reason",
    "uid",
    "id_number_digest",
    "version",
]


def _set_target(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in COLUMNS:
            schema_editor.execute(
                f'ALTER TABLE "registry_person" ALTER COLUMN "{column}" SET STATISTICS {target}'
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0025_registered_keys_unchecked")]

    operations = [migrations.RunPython(_set_target(0), _set_target(-1), elidable=False)]
