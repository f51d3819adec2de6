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
def test_relations_to_a_dwellings_head_become_registered_household_memberships():
    """registry 0011: every person keeps their record and 与户主关系; a local 户主 heads a
    registered household with the relatives of the same 户籍地; tenants, relatives from
    elsewhere and a lone migrant 户主 of a room join none; someone who left is a member
    who left."""
    import datetime

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from shequ.registry.models import Person, RegisteredHousehold, RegisteredHouseholdMember

    before = [("registry", "0010_dwellings_registered_households_typing")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before[0]).apps
        OldBuilding = old.get_model("registry", "Building")
        OldHousehold = old.get_model("registry", "Household")
        OldPerson = old.get_model("registry", "Person")
        building = OldBuilding.objects.create(unit_id="34060302000101", name="1号楼")
        family = OldHousehold.objects.create(
            building=building, unit_id=building.unit_id, number="1"
        )
        room = OldHousehold.objects.create(building=building, unit_id=building.unit_id, number="2")
        serial = iter(range(100))

        def person(home, name, relation, hukou="340603000000", kind="resident", **extra):
            return OldPerson.objects.create(
                id_number=f"34060319900101{next(serial):03d}X",
                name=name,
                sex="M",
                birth_date=datetime.date(1990, 1, 1),
                hukou_division_id=hukou,
                population_type=kind,
                unit_id=building.unit_id,
                household=home,
                relation=relation,
                marital_status="married",
                **extra,
            )

        person(family, "户主", "head")
        person(family, "配偶", "spouse")
        person(family, "外地媳妇", "spouse", hukou="411422000000", kind="inflow")
        person(family, "租客", "tenant", hukou="411422000000", kind="inflow")
        person(family, "已故父亲", "parent", status="deceased", ended_on=datetime.date(2020, 1, 1))
        person(room, "工友甲", "head", hukou="411422000000", kind="inflow")
        person(room, "工友乙", "tenant", hukou="411422000000", kind="inflow")
        count = OldPerson.objects.count()
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)

    assert Person.objects.count() == count  # nothing lost: every record and relation kept
    assert Person.objects.get(name="租客").relation == "tenant"
    household = RegisteredHousehold.objects.get()
    assert household.head.name == "户主" and household.division_id == "340603000000"
    members = {
        m.person.name: (m.relation, m.left_on)
        for m in RegisteredHouseholdMember.objects.select_related("person")
    }
    assert members == {
        "户主": ("head", None),
        "配偶": ("spouse", None),
        "已故父亲": ("parent", datetime.date(2020, 1, 1)),
    }
    assert household.history.count() == 1
