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
def test_couples_and_children_become_marriages_on_both_parents_keeping_every_record():
    """Data as it was before marriages existed (0009), migrated: every person and child is
    kept, couples become marriage rows, children go on both parents, and the status the rule
    derives from the rows is the one each person had."""
    import datetime

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.models import Q

    from shequ.registry.models import Child, Marriage, Person
    from shequ.registry.rules import marital_status_of

    D = datetime.date
    before = [("registry", "0009_versions")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before[0]).apps
        OldPerson = old.get_model("registry", "Person")
        OldChild = old.get_model("registry", "Child")
        building = old.get_model("registry", "Building").objects.create(
            unit_id="34060302000101", name="1号楼"
        )
        home, other_home = (
            old.get_model("registry", "Household").objects.create(
                building=building, unit_id="34060302000101", number=n
            )
            for n in ("101", "102")
        )
        serial = iter(range(100, 999))

        def person(name, sex, birth, marital, married=None, home=home, **extra):
            from shequ.core.identifiers import id_number_for_test

            return OldPerson.objects.create(
                id_number=id_number_for_test("340603", birth, next(serial), sex),
                name=name,
                sex=sex,
                birth_date=birth,
                hukou_division_id="340603000000",
                population_type="resident",
                unit_id="34060302000101",
                household=home,
                marital_status=marital,
                marriage_date=married,
                **extra,
            )

        wife = person("李芳", "F", D(1990, 1, 1), "married", D(2014, 5, 1), children_count=1)
        husband = person("王强", "M", D(1988, 1, 1), "married", D(2014, 5, 1), children_count=1)
        widow = person("张婆", "F", D(1950, 1, 1), "widowed", home=other_home)
        late = person(
            "张公",
            "M",
            D(1948, 1, 1),
            "married",
            D(1970, 1, 1),
            home=other_home,
            status="deceased",
            ended_on=D(2025, 3, 3),
        )
        alone = person("赵工", "M", D(1985, 1, 1), "married", D(2010, 1, 1), home=other_home)
        divorced = person("钱女", "F", D(1980, 1, 1), "divorced", home=other_home)
        single = person("孙小", "M", D(2001, 1, 1), "single", home=other_home)
        OldChild.objects.create(parent=wife, order=1, sex="M", birth_date=D(2016, 1, 1))
        OldChild.objects.create(parent=alone, order=1, sex="F", birth_date=D(2012, 1, 1))
        stored = dict(OldPerson.objects.values_list("id", "marital_status"))
        ids = {p.name: p.id for p in (wife, husband, widow, late, alone, divorced, single)}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)

    assert dict(Person.objects.values_list("id", "marital_status")) == stored
    assert Child.objects.count() == 2
    couple = Marriage.objects.get(wife_id=ids["李芳"])
    assert (couple.husband_id, couple.married_on, couple.end_reason) == (
        ids["王强"],
        D(2014, 5, 1),
        "",
    )
    late_marriage = Marriage.objects.get(wife_id=ids["张婆"])
    assert (late_marriage.husband_id, late_marriage.end_reason, late_marriage.ended_on) == (
        ids["张公"],
        "death",
        D(2025, 3, 3),
    )
    assert Marriage.objects.get(husband_id=ids["赵工"]).wife_id is None
    assert Marriage.objects.get(wife_id=ids["钱女"]).end_reason == "divorce"
    assert not Marriage.objects.filter(Q(husband_id=ids["孙小"]) | Q(wife_id=ids["孙小"]))
    kid = Child.objects.get(parent_id=ids["李芳"])
    assert (kid.mother_id, kid.father_id, kid.marriage_id) == (ids["李芳"], ids["王强"], couple.pk)
    assert Child.objects.get(parent_id=ids["赵工"]).father_id == ids["赵工"]
    for p in Person.objects.all():
        rows = Marriage.objects.filter(Q(husband=p) | Q(wife=p))
        died = p.ended_on if p.status == "deceased" else None
        assert marital_status_of(rows, p.marital_status, died_on=died) == p.marital_status
    assert Marriage.history.filter(history_type="+").count() == Marriage.objects.count()
