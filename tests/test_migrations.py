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


# The jobs moving from core to the jobs app, and registry 0011, 0015, 0017 and 0020, health
# 0003 and desk 0005, convert rows stored before them. One pass back to before the first of
# them and forward again checks them all: a pass costs tens of seconds (every later migration
# of the registry and of the apps built on it is undone and redone). Each case stores rows of
# its own (own dwellings, numbers and unit) at the state before its migration and is checked
# on those rows alone.
JOBS_IN_CORE = [("core", "0002_export_job"), ("jobs", None)]
DWELLINGS = [("registry", "0010_dwellings_registered_households_typing")]
COUPLES = [("registry", "0012_flow_date_index")]
NUMBERS = [("registry", "0016_visits_pending_departures_outflow_index")]
LATER_TABLES = [
    ("registry", "0018_person_married_women_index"),
    ("health", "0002_rulebook_defaults"),
    ("desk", "0004_disclosures"),
]


def _migrate(targets: list) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # A new executor each time: it reads which migrations are applied when it is made.
    MigrationExecutor(connection).migrate(targets)


def _apps_at(nodes: list):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    return MigrationExecutor(connection).loader.project_state(nodes).apps


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_the_data_migrations_keep_and_convert_the_rows_stored_before_them():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    # Health back before its encryption as well: no migration of the registry undoes it.
    _migrate(JOBS_IN_CORE + DWELLINGS + LATER_TABLES[1:2])
    try:
        _jobs_stored(_apps_at(JOBS_IN_CORE[:1]))
        dwellings = _dwellings_stored(_apps_at(DWELLINGS))
        _migrate(COUPLES)
        couples = _couples_stored(_apps_at(COUPLES))
        _migrate(NUMBERS)
        numbers = _numbers_stored(_apps_at(NUMBERS))
        _migrate(LATER_TABLES)
        later = _later_tables_stored(_apps_at(LATER_TABLES))
    finally:
        _migrate(leaves)

    _check_jobs()
    _check_dwellings(**dwellings)
    _check_couples(**couples)
    _check_numbers(**numbers)
    _check_later_tables(**later)


def _jobs_stored(old) -> None:
    """The jobs that moved from core to the jobs app keep their rows."""
    old.get_model("core", "ImportJob").objects.create(
        kind="persons", filename="老文件.xlsx", content=b"kept"
    )


def _check_jobs() -> None:
    from shequ.jobs.models import ImportJob

    job = ImportJob.objects.get(filename="老文件.xlsx")
    assert (job.kind, bytes(job.content)) == ("persons", b"kept")


def _dwellings_stored(old) -> dict:
    """registry 0011 (and 0021 after it): every person keeps their record; a local 户主 heads a
    registered household with the relatives of the same 户籍地; tenants, relatives from
    elsewhere and a lone migrant 户主 of a room join none; someone who left is a member
    who left."""
    import datetime

    OldBuilding = old.get_model("registry", "Building")
    OldHousehold = old.get_model("registry", "Household")
    OldPerson = old.get_model("registry", "Person")
    building = OldBuilding.objects.create(unit_id="34060302000101", name="1号楼")
    family = OldHousehold.objects.create(building=building, unit_id=building.unit_id, number="1")
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

    people = [
        person(family, "户主", "head"),
        person(family, "配偶", "spouse"),
        person(family, "外地媳妇", "spouse", hukou="411422000000", kind="inflow"),
        person(family, "租客", "tenant", hukou="411422000000", kind="inflow"),
        person(family, "已故父亲", "parent", status="deceased", ended_on=datetime.date(2020, 1, 1)),
        person(room, "工友甲", "head", hukou="411422000000", kind="inflow"),
        person(room, "工友乙", "tenant", hukou="411422000000", kind="inflow"),
    ]
    return {"ids": [p.pk for p in people]}


def _check_dwellings(ids: list[int]) -> None:
    import datetime

    from shequ.registry.models import Person, RegisteredHousehold, RegisteredHouseholdMember

    assert Person.objects.filter(id__in=ids).count() == len(ids)  # nothing lost: every record
    household = RegisteredHousehold.objects.get(head_id__in=ids)
    assert household.head.name == "户主" and household.division_id == "340603000000"
    members = {
        m.person.name: (m.relation, m.left_on)
        for m in RegisteredHouseholdMember.objects.filter(person_id__in=ids).select_related(
            "person"
        )
    }
    assert members == {
        "户主": ("head", None),
        "配偶": ("spouse", None),
        "已故父亲": ("parent", datetime.date(2020, 1, 1)),
    }
    assert household.history.count() == 1


def _couples_stored(old) -> dict:
    """Data as it was before marriages existed (registry 0015): every person and child is kept,
    couples become marriage rows, children go on both parents, and the status the rule
    derives from the rows is the one each person had."""
    import datetime

    from shequ.core.identifiers import id_number_for_test

    D = datetime.date
    OldPerson = old.get_model("registry", "Person")
    OldChild = old.get_model("registry", "Child")
    building = old.get_model("registry", "Building").objects.create(
        unit_id="34060302000101", name="2号楼"
    )
    home, other_home = (
        old.get_model("registry", "Household").objects.create(
            building=building, unit_id="34060302000101", number=n
        )
        for n in ("101", "102")
    )
    serial = iter(range(100, 999))

    def person(name, sex, birth, marital, married=None, home=home, **extra):
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
    ids = {p.name: p.id for p in (wife, husband, widow, late, alone, divorced, single)}
    stored = dict(OldPerson.objects.filter(id__in=ids.values()).values_list("id", "marital_status"))
    return {"ids": ids, "stored": stored}


def _check_couples(ids: dict[str, int], stored: dict[int, str]) -> None:
    import datetime

    from django.db.models import Q

    from shequ.registry.models import Child, Marriage, Person
    from shequ.registry.rules import marital_status_of

    D = datetime.date
    people = Person.objects.filter(id__in=ids.values())
    assert dict(people.values_list("id", "marital_status")) == stored
    assert Child.objects.filter(parent_id__in=ids.values()).count() == 2
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
    for p in people:
        rows = Marriage.objects.filter(Q(husband=p) | Q(wife=p))
        died = p.ended_on if p.status == "deceased" else None
        assert marital_status_of(rows, p.marital_status, died_on=died) == p.marital_status
    theirs = Marriage.objects.filter(Q(husband_id__in=ids.values()) | Q(wife_id__in=ids.values()))
    made = Marriage.history.filter(history_type="+", id__in=theirs.values("id"))
    assert made.count() == theirs.count()


def _numbers_stored(old) -> dict:
    """The identity numbers and health facts stored in clear before registry 0017 become
    encrypted, in the history too."""
    import datetime

    from shequ.core.identifiers import id_number_for_test

    number = id_number_for_test("340603", datetime.date(1986, 11, 28), 428, "M")
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
    return {"number": number, "person_id": person.pk}


def _check_numbers(number: str, person_id: int) -> None:
    import datetime

    from django.db import connection

    from shequ.core import crypto
    from shequ.registry.models import Person

    with connection.cursor() as cursor:
        for table in ("registry_person", "registry_historicalperson"):
            sql = f"SELECT id_number, contraception FROM {table} WHERE id = %s"  # noqa: S608
            cursor.execute(sql, [person_id])
            assert all(crypto.is_encrypted(value) for value in cursor.fetchone()), table
    migrated = Person.objects.get(id_number=number)
    assert (migrated.id_area, migrated.contraception) == ("340603", "iud")
    assert migrated.contraception_since == datetime.date(2015, 3, 1)
    assert Person.history.get(id_number=number).contraception == "iud"


def _later_tables_stored(old) -> dict:
    """Outside spouses' numbers, pregnancies, clinical results (a JSON column on PostgreSQL
    before) and birth registrations' expected dates stored in clear become encrypted
    (registry 0020, health 0003, desk 0005)."""
    import datetime

    from shequ.core.identifiers import id_number_for_test

    number = id_number_for_test("340603", datetime.date(1986, 11, 28), 428, "F")
    spouse = id_number_for_test("110105", datetime.date(1985, 2, 3), 17, "M")
    expected = datetime.date(2027, 3, 9)
    # Another unit than the numbers' case: its district is stored already.
    unit = old.get_model("org", "OrgUnit").objects.create(
        code="340602", prefix="340602", name="杜集区", level=2, kind="district"
    )
    person = old.get_model("registry", "Person").objects.create(
        id_number=number,
        name="王芳",
        name_initials="wf",
        name_pinyin="wangfang",
        sex="F",
        birth_date=datetime.date(1986, 11, 28),
        hukou_division_id="340603000000",
        population_type="resident",
        unit_id=unit.code,
        marital_status="married",
    )
    old.get_model("registry", "Marriage").objects.create(
        wife_id=person.pk, husband_name="李雷", husband_id_number=spouse
    )
    old.get_model("registry", "Pregnancy").objects.create(
        person_id=person.pk,
        recorded_on=datetime.date(2025, 1, 6),
        expected_on=datetime.date(2025, 9, 1),
        outcome="miscarriage",
        outcome_on=datetime.date(2025, 3, 1),
    )
    old.get_model("health", "ServiceRecord").objects.create(
        kind="prepregnancy_check",
        person_id=person.pk,
        unit_code=unit.code,
        date=datetime.date(2026, 1, 5),
        result="复查",
        items={"woman": {"physical": "abnormal"}},
        risk_level="high",
        advice="三个月后复查",
    )
    old.get_model("desk", "BirthRegistration").objects.create(
        receipt_code="r" * 22,
        person_id=person.pk,
        unit_id=unit.code,
        channel="desk",
        stage="before",
        expected_on=expected,
        order=1,
        declaration=True,
    )
    return {"person_id": person.pk, "spouse": spouse, "expected": expected}


def _check_later_tables(person_id: int, spouse: str, expected) -> None:
    import datetime

    from django.db import connection

    from shequ.core import crypto
    from shequ.desk.models import BirthRegistration
    from shequ.health.models import ServiceRecord
    from shequ.registry.models import Marriage, Pregnancy

    with connection.cursor() as cursor:
        for sql in (
            "SELECT husband_id_number FROM registry_marriage WHERE wife_id = %s",
            "SELECT expected_on, outcome FROM registry_pregnancy WHERE person_id = %s",
            "SELECT result, items, risk_level, advice FROM health_servicerecord"
            " WHERE person_id = %s",
            "SELECT expected_on FROM desk_birthregistration WHERE person_id = %s",
        ):
            cursor.execute(sql, [person_id])
            assert all(crypto.is_encrypted(value) for value in cursor.fetchone()), sql
    assert Marriage.objects.get(wife_id=person_id).husband_id_number == spouse
    pregnancy = Pregnancy.objects.get(person_id=person_id)
    assert (pregnancy.expected_on, pregnancy.outcome) == (datetime.date(2025, 9, 1), "miscarriage")
    record = ServiceRecord.objects.get(person_id=person_id)
    assert record.items == {"woman": {"physical": "abnormal"}}
    assert (record.result, record.risk_level, record.advice) == ("复查", "high", "三个月后复查")
    assert BirthRegistration.objects.get(person_id=person_id).expected_on == expected


@pytest.mark.django_db(transaction=True)
def test_relations_recorded_after_0011_become_memberships_before_the_column_goes():
    """registry 0021: people registered with a 与户主关系 but on no 户口簿 are placed by the
    rule (a relative joins the 户口簿 of the dwelling's 户主 of the same 户籍地, a local
    户主 opens one), then ``Person.relation`` goes; going back fills it from the
    memberships."""
    import datetime

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from shequ.registry.models import RegisteredHousehold, RegisteredHouseholdMember

    before = [("registry", "0021_person_sex_age_index")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before[0]).apps
        building = old.get_model("registry", "Building").objects.create(
            unit_id="34060302000101", name="1号楼"
        )
        Household = old.get_model("registry", "Household")
        OldPerson = old.get_model("registry", "Person")
        homes = [
            Household.objects.create(building=building, unit_id=building.unit_id, number=n)
            for n in ("1", "2")
        ]
        serial = iter(range(100))

        def person(home, name, relation, hukou="340603000000", kind="resident"):
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
            )

        head = person(homes[0], "老户主", "head")
        booklet = old.get_model("registry", "RegisteredHousehold").objects.create(
            unit_id=building.unit_id, head=head, division_id="340603000000"
        )
        old.get_model("registry", "RegisteredHouseholdMember").objects.create(
            household=booklet, person=head, relation="head"
        )
        person(homes[0], "后登记的儿子", "child")
        person(homes[0], "外地媳妇", "spouse", hukou="411422000000", kind="inflow")
        person(homes[1], "新户主", "head")
        person(homes[1], "新户主之女", "child")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)

    members = {
        m.person.name: (m.household.head.name, m.relation)
        for m in RegisteredHouseholdMember.objects.select_related("person", "household__head")
    }
    assert members == {
        "老户主": ("老户主", "head"),
        "后登记的儿子": ("老户主", "child"),
        "新户主": ("新户主", "head"),
        "新户主之女": ("新户主", "child"),
    }
    assert RegisteredHousehold.objects.get(head__name="新户主").history.count() == 1

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before[0]).apps
        relations = dict(
            old.get_model("registry", "Person").objects.values_list("name", "relation")
        )
        assert relations == {
            "老户主": "head",
            "后登记的儿子": "child",
            "外地媳妇": "",
            "新户主": "head",
            "新户主之女": "child",
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
