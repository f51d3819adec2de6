"""Identity numbers and health facts are stored encrypted (issue 14, item 3).

A database with 1,000 imported identity numbers (and their history, the import's stored
file, an export job's file, numbers corrected since) holds none of them in any table — read
as the raw database (SQLite: the database's bytes; PostgreSQL: every table's rows as text)
— while the application still finds people by whole number and by a number's beginning,
refuses a duplicate and exports the real number to a role allowed to.
"""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from shequ.core import crypto
from shequ.core.identifiers import id_number_for_test
from shequ.jobs.imports import import_job_create
from shequ.jobs.models import ExportJob, ImportJob
from shequ.registry import services
from shequ.registry.models import Person
from tests.factories import (
    PERSON_IMPORT_HEADERS,
    id_number,
    make_building,
    make_household,
    make_person,
    tabular_file,
)

HEADERS = PERSON_IMPORT_HEADERS
GRID_A1 = "34060302000101"
AREAS = ["340603", "340621", "110105", "440305"]


def _numbers(count: int) -> list[str]:
    start = datetime.date(1991, 1, 1)
    return [
        id_number_for_test(
            AREAS[i % 4], start + datetime.timedelta(days=i * 5), i % 500, "MF"[i % 2]
        )
        for i in range(count)
    ]


def raw_database_text() -> bytes:
    """Everything the database holds, as stored: the SQLite database's bytes (the test
    database lives in memory: its serialised image is the file's bytes), or every row of
    every PostgreSQL table cast to text."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return bytes(connection.connection.serialize())
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT t::text FROM {quoted} t")  # noqa: S608 — catalog names
            chunks.extend(row[0] for row in cursor.fetchall())
    return "\n".join(chunks).encode()


@pytest.fixture
def seeded(api, people, tree, settings):
    """1,000 people imported by the API, three of whom had their number corrected (with
    contraception), the same file waiting as a queued import job, and an export job."""
    make_household(make_building(tree.grid_a1, "1号楼"), "101")
    numbers = _numbers(1003)
    rows = [
        [n, "张三", "340603000000", GRID_A1, "1号楼", f"{i // 4 + 1}01", "未婚"]
        for i, n in enumerate(numbers[:1000])
    ]
    content = tabular_file(HEADERS, rows)
    client = api.as_(people.worker_a)
    response = client.post(
        "/api/v1/imports/",
        {"kind": "persons", "file": SimpleUploadedFile("人员.csv", content)},
        format="multipart",
    )
    assert response.status_code == 202 and response.data["status"] == "succeeded"
    import_job_create(actor=people.worker_a, kind="persons", filename="人员.csv", content=content)
    assert Person.objects.count() == 1000, response.data["errors"][:3]
    for old, new in zip(numbers[:3], numbers[1000:], strict=True):
        person = Person.objects.get(id_number=old)
        services.person_update(
            actor=people.worker_a,
            person=person,
            values={"id_number": new, "birth_date": None, "sex": "", "contraception": "iud"},
            reason="号码录错",
        )
    settings.EXPORT_JOB_MIN_ROWS = 2
    web_export = reverse("registry:export", args=["persons"]) + "?format=csv&status=all"
    return numbers, web_export


def test_a_raw_database_dump_holds_none_of_1000_numbers(seeded, web, people):
    numbers, export_url = seeded
    client = web.as_(people.worker_a)  # export and reveal rights
    response = client.get(export_url)
    assert response.status_code == 302  # an export job, its file stored
    job = ExportJob.objects.get()
    assert job.status == "succeeded" and job.size > 0
    download = client.get(reverse("registry:export_file", args=[job.uid])).content.decode(
        "utf-8-sig"
    )
    assert numbers[500] in download and numbers[1001] in download  # the real numbers
    assert ImportJob.objects.exclude(content=b"").exists()  # the queued job's file

    dump = raw_database_text()
    hits = [n for n in numbers if n.encode() in dump]
    assert hits == []
    with connection.cursor() as cursor:  # contraception and its date encrypted too
        for table in ("registry_person", "registry_historicalperson"):
            cursor.execute(
                f"SELECT contraception, contraception_since FROM {table} "  # noqa: S608
                "WHERE contraception <> ''"
            )
            stored = cursor.fetchall()
            assert stored and all(crypto.is_encrypted(v) for v, _since in stored)
    # The history has every number, encrypted; the files are encrypted.
    assert Person.history.filter(id_number=numbers[0]).exists()
    stored = ImportJob.objects.exclude(content=b"").values_list("pk", flat=True)[0]
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(ImportJob._meta.db_table)
        cursor.execute(f"SELECT content FROM {table} WHERE id = %s", [stored])  # noqa: S608
        assert bytes(cursor.fetchone()[0]).startswith(crypto.FILE_MAGIC)


def test_search_by_whole_number_and_by_beginning_still_works(seeded, api, people):
    numbers, _url = seeded
    client = api.as_(people.worker_a)
    found = client.post(
        "/api/v1/persons/search/?status=all", {"search": numbers[700]}, format="json"
    ).json()
    assert found["count"] == 1
    person = Person.objects.get(uid=found["results"][0]["id"])
    assert person.id_number == numbers[700]
    for length in (6, 10, 12, 14):
        prefix = numbers[700][:length]
        expected = sum(1 for n in numbers[3:] if n.startswith(prefix))
        response = client.get("/api/v1/persons/", {"search": prefix, "status": "all"})
        assert response.json()["count"] == expected, prefix
    # 15 to 17 characters (posted): the serial number compared after decrypting.
    response = client.post(
        "/api/v1/persons/search/?status=all", {"search": numbers[700][:16]}, format="json"
    )
    assert response.json()["count"] == 1


def test_a_duplicate_number_is_refused(people, tree):
    home = make_household(make_building(tree.grid_a1))
    person = make_person(home)
    with pytest.raises(ValidationError):
        make_person(home, id_number=person.id_number)
    with pytest.raises(IntegrityError), transaction.atomic():  # and by the database
        Person.objects.filter(pk=make_person(home).pk).update(
            id_number_digest=crypto.blind_index(person.id_number)
        )


def test_sm4_writes_and_reads_as_aes_does(people, tree, settings):
    settings.DATA_CIPHER = "sm4-gcm"
    home = make_household(make_building(tree.grid_a1))
    person = make_person(home, contraception="iud")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, contraception FROM registry_person WHERE id = %s", [person.pk]
        )
        stored = cursor.fetchone()
    assert all(value.startswith("S") for value in stored)
    again = Person.objects.get(id_number=person.id_number)
    assert (again.pk, again.contraception) == (person.pk, "iud")


def test_rotating_the_key_rewrites_every_value(people, tree, settings):
    home = make_household(make_building(tree.grid_a1))
    persons = [make_person(home, contraception="condom") for _ in range(5)]
    first_id = crypto.current_key().key_id
    settings.SHEQU_DATA_KEY_OLD = settings.SHEQU_DATA_KEY
    settings.SHEQU_DATA_KEY = "a-new-data-key-for-the-rotation-test-58e1c0"
    # Before the rotation the old rows still read and are still found.
    assert Person.objects.get(id_number=persons[0].id_number).pk == persons[0].pk
    with pytest.raises(CommandError):
        call_command("rotate_key", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rotate_key", "--batch", "2", stdout=out)
    assert "registry.Person: 重新加密 5 行" in out.getvalue()
    call_command("rotate_key", "--check", stdout=io.StringIO())
    settings.SHEQU_DATA_KEY_OLD = ""  # the old key gone: everything reads under the new one
    for person in persons:
        again = Person.objects.get(id_number=person.id_number)
        assert (again.pk, again.contraception) == (person.pk, "condom")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM registry_person")
        assert not [v for (v,) in cursor.fetchall() if first_id in v[:9]]
    assert re.search(r"当前密钥编号 \(current key id\): [0-9a-f]{8}", out.getvalue())


# --- The facts the later apps brought (outside spouses, pregnancies, clinical results, births)


def _family_facts(tree):
    """A woman married to a man outside the registry, with a pregnancy (and an ended one), a
    pre-pregnancy check with a clinical result, and a birth registration before the birth."""
    from shequ.desk import services as desk_services
    from shequ.health import services as health_services

    home = make_household(make_building(tree.grid_a1))
    woman = make_person(home, sex="F")
    spouse_number = id_number(datetime.date(1988, 3, 9), "M", "110105")
    marriage = services.marriage_record(
        actor=None,
        husband=None,
        wife=woman,
        values={"husband_name": "李雷", "husband_id_number": spouse_number},
    )
    ended = services.pregnancy_record(
        actor=None,
        person=woman,
        values={"recorded_on": datetime.date(2025, 1, 6)},
        today=datetime.date(2025, 1, 6),
    )
    services.pregnancy_outcome(
        actor=None,
        pregnancy=ended,
        outcome="miscarriage",
        outcome_on=datetime.date(2025, 3, 1),
        today=datetime.date(2025, 3, 1),
    )
    expected = timezone.localdate() + datetime.timedelta(days=173)
    pregnancy = services.pregnancy_record(
        actor=None, person=woman, values={"expected_on": expected}
    )
    record = health_services.service_record_create(
        actor=None,
        person=woman,
        kind="prepregnancy_check",
        date=timezone.localdate(),
        items={"woman": {"physical": "abnormal"}},
        result="甲状腺功能异常复查XQ7",
        risk_level="high",
        advice="三个月后复查XQ7",
    )
    birth = desk_services.birth_registration_create(
        actor=None,
        person=woman,
        channel="desk",
        values={"stage": "before", "expected_on": expected, "declaration": True},
    )
    return woman, marriage, pregnancy, record, birth, spouse_number, expected


def test_spouses_pregnancies_clinical_results_and_births_are_stored_encrypted(tree):
    woman, marriage, pregnancy, record, birth, spouse_number, expected = _family_facts(tree)
    dump = raw_database_text()
    assert spouse_number.encode() not in dump  # the outside spouse's number
    assert woman.id_number.encode() not in dump  # the birth registration's registrant
    assert "甲状腺功能异常复查XQ7".encode() not in dump
    assert "三个月后复查XQ7".encode() not in dump
    assert b"miscarriage" not in dump
    assert expected.isoformat().encode() not in dump  # the expected date (pregnancy, birth)
    with connection.cursor() as cursor:
        for sql in (
            "SELECT husband_id_number FROM registry_marriage",
            "SELECT husband_id_number FROM registry_historicalmarriage",
            "SELECT outcome FROM registry_pregnancy WHERE outcome <> ''",
            "SELECT expected_on FROM registry_historicalpregnancy WHERE expected_on <> ''",
            "SELECT risk_level FROM health_servicerecord",
            "SELECT items FROM health_historicalservicerecord",
            "SELECT expected_on FROM desk_birthregistration",
        ):
            cursor.execute(sql)
            stored = [v for (v,) in cursor.fetchall()]
            assert stored and all(crypto.is_encrypted(v) for v in stored), sql
    # Everything reads back as it was written; "ongoing" (no outcome) is still a query.
    again = type(marriage).objects.get(pk=marriage.pk)
    assert again.husband_id_number == spouse_number
    assert list(woman.pregnancies.filter(outcome="")) == [pregnancy]
    assert woman.pregnancies.get(pk=pregnancy.pk).expected_on == expected
    assert woman.pregnancies.exclude(outcome="").get().outcome == "miscarriage"
    record = type(record).objects.get(pk=record.pk)
    assert (record.result, record.risk_level) == ("甲状腺功能异常复查XQ7", "high")
    assert record.items == {"woman": {"physical": "abnormal"}}
    assert type(birth).objects.get(pk=birth.pk).expected_on == expected


def test_rotate_key_and_the_migration_step_cover_the_new_tables(tree, settings):
    _woman, marriage, *_rest, spouse_number, _expected = _family_facts(tree)
    with connection.cursor() as cursor:  # a row stored in clear, as before the migration
        cursor.execute(
            "UPDATE registry_marriage SET wife_id_number = %s WHERE id = %s",
            ["110105199001010000", marriage.pk],
        )
    settings.SHEQU_DATA_KEY_OLD = settings.SHEQU_DATA_KEY
    settings.SHEQU_DATA_KEY = "a-new-data-key-for-the-rotation-test-58e1c0"
    with pytest.raises(CommandError):
        call_command("rotate_key", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rotate_key", stdout=out)
    for label in (
        "registry.Marriage",
        "registry.HistoricalMarriage",
        "registry.Pregnancy",
        "health.ServiceRecord",
        "desk.BirthRegistration",
    ):
        assert label in out.getvalue()
    call_command("rotate_key", "--check", stdout=io.StringIO())
    settings.SHEQU_DATA_KEY_OLD = ""
    again = type(marriage).objects.get(pk=marriage.pk)
    assert (again.husband_id_number, again.wife_id_number) == (
        spouse_number,
        "110105199001010000",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT wife_id_number FROM registry_marriage")
        assert crypto.is_encrypted(cursor.fetchone()[0])
