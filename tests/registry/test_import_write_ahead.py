"""Imports that commit as they go: on PostgreSQL the rows are written on a second connection
while later rows are still validated (``jobs.pipeline.Writer``), in one transaction.

These tests commit for real (``transaction=True``): the write-ahead runs only outside a
caller's transaction. On SQLite the same tests check the plain path gives the same results.
"""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shequ.jobs import imports, pipeline
from shequ.jobs.models import ImportJob
from shequ.org.models import AuditEvent
from shequ.registry.importers import PersonImporter
from shequ.registry.models import Household, Person
from tests.factories import id_number as new_id_number
from tests.factories import make_building, make_household, make_person, tabular_file

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = ["公民身份号码", "姓名", "户籍地代码", "单位代码", "楼栋名称", "门牌/室号", "婚姻状况"]
GRID_A1 = "34060302000101"


def row(number, name="张三", home="101"):
    return [number, name, "340603000000", GRID_A1, "1号楼", home, "未婚"]


@pytest.fixture
def home(tree, divisions):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


@pytest.fixture
def writers(monkeypatch) -> list:
    """Two rows a chunk, handed to the writer every two rows; the writers started."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(pipeline, "WRITE_AHEAD_ROWS", 2)
    started = []

    class Spy(pipeline.Writer):
        def __init__(self, importer):
            super().__init__(importer)
            started.append(self)

    monkeypatch.setattr(pipeline, "Writer", Spy)
    return started


def run_import(tmp_path, rows, *options) -> str:
    path = tmp_path / "人员.csv"
    path.write_bytes(tabular_file(HEADERS, rows))
    out = io.StringIO()
    call_command("import", "persons", str(path), *options, stdout=out)
    return out.getvalue()


def writes_ahead() -> bool:
    return connection.vendor == "postgresql"


def test_a_good_file_is_written_in_batches_as_one_import(tmp_path, home, writers):
    numbers = [new_id_number() for _ in range(7)]
    # Rows 2 and 8 share a home the file creates: the second finds it written before.
    rows = [row(n, home="202" if i in (0, 6) else "101") for i, n in enumerate(numbers)]

    output = run_import(tmp_path, rows)

    assert "导入完成：全部 7 行已通过。" in output
    assert len(writers) == (1 if writes_ahead() else 0)
    assert Person.objects.count() == 7
    new_home = Household.objects.get(number="202")
    assert set(Person.objects.filter(household=new_home).values_list("id_number", flat=True)) == {
        numbers[0],
        numbers[6],
    }
    for number, person in zip(numbers, Person.objects.order_by("id"), strict=True):
        assert person.id_number == number
        history = person.history.get()
        assert (history.history_type, history.history_change_reason) == (
            "+",
            f"导入：人员.csv 第{numbers.index(number) + 2}行",
        )
        assert history.name == person.name  # the history row is the stored record
    job = ImportJob.objects.get()
    assert (job.status, job.applied, job.created_count) == (ImportJob.Status.SUCCEEDED, True, 7)
    assert AuditEvent.objects.get(action="import.persons").changes["created"] == 7


def test_a_bad_row_after_written_batches_rolls_everything_back(tmp_path, home, writers):
    rows = [row(new_id_number()) for _ in range(6)] + [row(new_id_number(), name="")]

    with pytest.raises(CommandError):
        run_import(tmp_path, rows)

    assert Person.objects.count() == 0
    assert Household.objects.count() == 1  # the home made by the test, no other
    job = ImportJob.objects.get()
    assert (job.status, job.applied, job.error_rows) == (ImportJob.Status.SUCCEEDED, False, 1)
    assert not AuditEvent.objects.filter(action="import.persons").exists()


def test_taking_the_good_rows_writes_them_around_the_bad_ones(tmp_path, home, writers):
    good = [new_id_number() for _ in range(5)]
    rows = [row(n) for n in good[:2]] + [row("123")] + [row(n) for n in good[2:]]

    with pytest.raises(CommandError):  # exit 1: not every row passed
        run_import(tmp_path, rows, "--take-good")

    assert set(Person.objects.values_list("id_number", flat=True)) == set(good)
    job = ImportJob.objects.get()
    assert (job.applied, job.created_count, job.error_rows) == (True, 5, 1)
    assert job.report["taken"] == "2-3, 5-7"


def test_a_dry_run_writes_nothing(tmp_path, home, writers):
    output = run_import(tmp_path, [row(new_id_number()) for _ in range(5)], "--dry-run")

    assert "试运行" in output
    assert writers == []
    assert Person.objects.count() == 0


def test_a_failure_while_writing_leaves_nothing_and_says_so(tmp_path, home, writers, monkeypatch):
    real_write, calls = PersonImporter.write, []

    def failing_write(self, plans):
        calls.append(plans)
        if len(calls) == (2 if writes_ahead() else 1):  # ahead: after a first batch
            raise RuntimeError("disk full")
        real_write(self, plans)

    monkeypatch.setattr(PersonImporter, "write", failing_write)

    with pytest.raises(CommandError) as raised:
        run_import(tmp_path, [row(new_id_number()) for _ in range(6)])

    assert "内部错误（RuntimeError）" in str(raised.value)
    assert Person.objects.count() == 0
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED


def test_registered_numbers_of_later_chunks_are_read_ahead(tmp_path, home, writers, monkeypatch):
    readers = []

    class Spy(pipeline.ReadAhead):
        def __init__(self):
            super().__init__()
            self.submitted = 0
            readers.append(self)

        def submit(self, function, *args):
            if function.__name__ == "_registered_numbers":  # not the keys it takes ahead
                self.submitted += 1
            return super().submit(function, *args)

    monkeypatch.setattr(pipeline, "ReadAhead", Spy)
    registered = new_id_number()
    run_import(tmp_path, [row(registered, name="李四")])
    rows = [row(new_id_number()) for _ in range(3)] + [row(registered)] + [row(new_id_number())]

    with pytest.raises(CommandError):
        run_import(tmp_path, rows)

    # The fourth row of the file (row 5 of the sheet), in its second chunk.
    [(line, column, message)] = ImportJob.objects.latest("id").report["errors"]
    assert (line, column) == (5, "公民身份号码")
    assert message.startswith("该身份证号码已登记：李四")
    assert Person.objects.count() == 1
    if writes_ahead():  # chunks 2 and 3 of the second file were read ahead, then closed
        assert [r.submitted for r in readers] == [0, 2]
        assert all(r.pool._shutdown for r in readers)
    else:
        assert readers == []


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a second connection writing meanwhile: SQLite's shared in-memory test database locks",
)
def test_a_person_registered_meanwhile_fails_the_import_clearly_and_writes_nothing(
    tmp_path, home, writers, monkeypatch
):
    """The same file submitted twice, or a worker registering someone while the file is
    imported: the rows were validated against what was committed then."""
    numbers = [new_id_number() for _ in range(4)]
    real_prepare = PersonImporter.prepare

    def prepare_after_someone_else(self, plans):
        if not Person.objects.filter(id_number=numbers[0]).exists():

            def register_elsewhere():  # another connection, committed at once
                make_person(home, id_number=numbers[0], name="王五")
                connection.close()

            worker = threading.Thread(target=register_elsewhere)
            worker.start()
            worker.join()
        return real_prepare(self, plans)

    monkeypatch.setattr(PersonImporter, "prepare", prepare_after_someone_else)

    with pytest.raises(CommandError) as raised:
        run_import(tmp_path, [row(n) for n in numbers])

    assert "刚刚由另一个导入或操作登记" in str(raised.value)
    assert "内部错误" not in str(raised.value)
    assert list(Person.objects.values_list("name", flat=True)) == ["王五"]  # nothing else
    job = ImportJob.objects.get()
    assert (job.status, job.applied) == (ImportJob.Status.FAILED, False)


def test_progress_is_saved_chunk_by_chunk_without_leaving_durability_off(
    tmp_path, home, writers, monkeypatch
):
    monkeypatch.setattr(imports, "PROGRESS_SECONDS", 0)
    saved = []
    save_progress = imports._save_progress

    def spy(job, *fields):
        save_progress(job, *fields)
        saved.append(ImportJob.objects.values_list("phase", "processed_rows").get(pk=job.pk))

    monkeypatch.setattr(imports, "_save_progress", spy)

    output = run_import(tmp_path, [row(new_id_number(), home=str(i)) for i in range(5)])

    assert "导入完成：全部 5 行已通过。" in output
    validating, writing = ImportJob.Phase.VALIDATING, ImportJob.Phase.WRITING
    assert saved == [(validating, 2), (validating, 4), (validating, 5), (writing, 5)]
    if connection.vendor == "postgresql":
        # The progress commits skip the wait for the disk; nothing after them may.
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
