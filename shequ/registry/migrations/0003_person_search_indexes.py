"""Indexes of the person list's pinyin search, and three fewer index entries per new person.

- ``person_initials_search`` / ``person_pinyin_search`` replace ``person_initials_name``
  and ``person_pinyin``: the list reads a pinyin search's page of ids as two disjoint parts
  (initials match; full pinyin matches and initials do not), each answered from one of
  these without visiting the table (index-only scan), then sorts by name. With the old
  indexes PostgreSQL fetched every matching row (27,000 for "ly") or walked the name index.
- ``person_flow_out`` (partial: only the people who left have a destination) replaces the
  two indexes Django gave the ``flow_out_division`` foreign key on PostgreSQL (plain and
  ``varchar_pattern_ops``), which held an entry for every person.
- On PostgreSQL, drops ``registry_person_id_number_…_like``: the ``varchar_pattern_ops``
  twin Django adds to a unique text column for ``LIKE 'x%'``. Identity-number prefixes are
  searched as ranges (``core.text.prefix_q``), which the unique index serves.

On PostgreSQL with 1,000,000 persons the two new indexes take ~5 s to build (a lock on
writes to registry_person meanwhile: run it outside office hours on a large city).
"""

import django.db.models.deletion
from django.db import migrations, models


def _like_index_name(schema_editor) -> str:
    return schema_editor._create_index_name("registry_person", ["id_number"], suffix="_like")


def drop_id_number_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            schema_editor.sql_delete_index
            % {"name": schema_editor.quote_name(_like_index_name(schema_editor))}
        )


def create_id_number_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        name = schema_editor.quote_name(_like_index_name(schema_editor))
        schema_editor.execute(
            f'CREATE INDEX {name} ON "registry_person" ("id_number" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_load_divisions"),
        ("registry", "0002_fewer_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_initials_name"),
        migrations.RemoveIndex(model_name="person", name="person_pinyin"),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["name_initials", "name", "id", "unit", "status", "name_pinyin"],
                name="person_initials_search",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["name_pinyin", "name", "id", "unit", "status", "name_initials"],
                name="person_pinyin_search",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="flow_out_division",
            field=models.ForeignKey(
                blank=True,
                db_column="flow_out_division",
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.division",
                verbose_name="流出去向",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("flow_out_division__isnull", False)),
                fields=["flow_out_division"],
                name="person_flow_out",
            ),
        ),
        migrations.RunPython(drop_id_number_like, create_id_number_like, elidable=False),
    ]
