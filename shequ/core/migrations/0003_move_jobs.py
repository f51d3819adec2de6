"""The import and export jobs now belong to the jobs app (jobs/0001): core forgets them, the
tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_export_job"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="importjob",
                    name="actor",
                ),
                migrations.DeleteModel(
                    name="ExportJob",
                ),
                migrations.DeleteModel(
                    name="ImportJob",
                ),
            ],
            database_operations=[],
        ),
    ]
