"""Every model change comes with its migration."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # makemigrations --check exits 1 when something is missing
        pytest.fail(f"models changed without a migration:\n{out.getvalue()}", pytrace=False)


@pytest.mark.django_db(transaction=True)
def test_the_jobs_that_moved_from_core_to_the_jobs_app_keep_their_rows():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from shequ.jobs.models import ImportJob

    before = [("core", "0002_export_job"), ("jobs", None)]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before[0]).apps
        old_apps.get_model("core", "ImportJob").objects.create(
            kind="persons", filename="老文件.xlsx", content=b"kept"
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)

    job = ImportJob.objects.get(filename="老文件.xlsx")
    assert (job.kind, bytes(job.content)) == ("persons", b"kept")
