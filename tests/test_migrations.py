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


@pytest.mark.django_db(transaction=True)
def test_the_numbers_and_health_facts_stored_before_are_encrypted_by_the_migration():
    import datetime

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from shequ.core import crypto
    from shequ.core.identifiers import id_number_for_test
    from shequ.registry.models import Person

    number = id_number_for_test("340603", datetime.date(1986, 11, 28), 428, "M")
    before = [("registry", "0009_versions")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before[0]).apps
        unit = old.get_model("org", "OrgUnit").objects.create(
            code="340603", prefix="340603", name="相山区", level=2, kind="district"
        )
        person = old.get_model("registry", "Person").objects.create(
            id_number=number,
            name="王建国",
            name_initials="wjg",
            name_pinyin="wangjianguo",
            sex="M",
            birth_date=datetime.date(1986, 11, 28),
            hukou_division_id="340603000000",
            population_type="resident",
            unit_id=unit.code,
            marital_status="married",
            contraception="iud",
            contraception_since=datetime.date(2015, 3, 1),
        )
        old.get_model("registry", "HistoricalPerson").objects.create(
            id=person.pk,
            uid=person.uid,
            id_number=number,
            name="王建国",
            sex="M",
            birth_date=person.birth_date,
            hukou_division_id="340603000000",
            population_type="resident",
            unit_id=unit.code,
            marital_status="married",
            contraception="iud",
            registered_at=person.registered_at,
            version=1,
            history_date=person.registered_at,
            history_type="+",
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)

    with connection.cursor() as cursor:
        for table in ("registry_person", "registry_historicalperson"):
            cursor.execute(f"SELECT id_number, contraception FROM {table}")  # noqa: S608
            assert all(crypto.is_encrypted(value) for value in cursor.fetchone()), table
    migrated = Person.objects.get(id_number=number)
    assert (migrated.id_area, migrated.contraception) == ("340603", "iud")
    assert migrated.contraception_since == datetime.date(2015, 3, 1)
    assert Person.history.get(id_number=number).contraception == "iud"
