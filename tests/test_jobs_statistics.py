"""An import that changes a large share of a table leaves its planner statistics current:
the job analyses the tables it wrote, after its commit (PostgreSQL and SQLite)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from shequ.core.identifiers import id_number_for_test
from shequ.registry.models import Person
from tests.factories import (
    PERSON_IMPORT_HEADERS,
    make_building,
    make_household,
    make_person,
    tabular_file,
)

pytestmark = pytest.mark.django_db(transaction=True)  # ANALYZE runs after a real commit

HEADERS = PERSON_IMPORT_HEADERS


def import_persons(tmp_path, count: int, first_day: int = 0, homes: int = 1) -> None:
    start = datetime.date(1990, 1, 1) + datetime.timedelta(days=first_day)
    rows = [
        [
            id_number_for_test("340603", start + datetime.timedelta(days=i // 400), i % 400, "F"),
            "张三",
            "340603000000",
            "34060302000101",
            "1号楼",
            str(101 + i % homes),
            "未婚",
        ]
        for i in range(count)
    ]
    path = tmp_path / "人员.csv"
    path.write_bytes(tabular_file(HEADERS, rows))
    call_command("import", "persons", str(path), stdout=io.StringIO())


def counted_persons() -> int | None:
    """The person table's row count as the planner's statistics hold it; None: none."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_person'")
            tuples = cursor.fetchone()[0]
            return int(tuples) if tuples >= 0 else None
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'registry_person'")
        found = cursor.fetchone()
        return int(found[0].split()[0]) if found else None


def forget_statistics() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return  # the flush between tests truncated the table: no statistics left
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is not None:
            cursor.execute("DELETE FROM sqlite_stat1")


@pytest.fixture
def home(tree, divisions):
    forget_statistics()
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def test_a_large_import_leaves_the_statistics_of_what_it_wrote_current(tmp_path, home):
    assert counted_persons() in (None, 0)

    import_persons(tmp_path, 600)

    assert Person.objects.count() == 600
    assert counted_persons() == 600
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_analyze IS NOT NULL, last_vacuum IS NOT NULL FROM pg_stat_user_tables"
                " WHERE relname = 'registry_person'"
            )
            # vacuumed too: the pages all-visible, so the covering indexes answer index-only
            assert cursor.fetchone() == (True, True)


def test_a_large_import_refreshes_every_table_it_changed_much(tmp_path, home):
    # Persons in 200 new dwellings: on PostgreSQL the person table is refreshed on the
    # import's connection while the reading thread's refreshes the dwellings'.
    import_persons(tmp_path, 600, homes=200)

    assert counted("registry_person") == 600
    assert counted("registry_household") == 200
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                " AND last_vacuum IS NOT NULL AND relname = ANY(%s) ORDER BY relname",
                [["registry_household", "registry_person"]],
            )
            assert cursor.fetchall() == [("registry_household",), ("registry_person",)]


def test_a_small_share_leaves_the_statistics_alone(tmp_path, home):
    for _i in range(400):
        make_person(home)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_person")
    assert counted_persons() == 400

    import_persons(tmp_path, 10, first_day=3000)  # 2.5 %

    assert Person.objects.count() == 410
    assert counted_persons() == 400


def counted(table: str) -> int | None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            tuples = cursor.fetchone()[0]
            return int(tuples) if tuples >= 0 else None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        found = cursor.fetchone()
        return int(found[0].split()[0]) if found else None


def test_the_demo_leaves_the_statistics_current(divisions, settings):
    settings.DEBUG = True  # the demo loads only with DEBUG=1
    forget_statistics()

    call_command("demo", "--persons", "0", stdout=io.StringIO())

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM org_orgunit")
        assert counted("org_orgunit") == cursor.fetchone()[0] > 0


def history_analysed() -> object:
    """When the person history table was last analysed (PostgreSQL), or whether it was."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT last_analyze FROM pg_stat_user_tables"
                " WHERE relname = 'registry_historicalperson'"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return None
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'registry_historicalperson'")
        return cursor.fetchone()


def test_a_large_import_leaves_the_history_tables_alone(tmp_path, home):
    # They are read by a record's id: analysing them cost as much as the person table.
    before = history_analysed()

    import_persons(tmp_path, 600)

    assert counted_persons() == 600
    assert history_analysed() == before
