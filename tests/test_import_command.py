"""`shequ import` and `shequ export`: the same engine as the pages, exit 0 only when all rows pass."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from shequ.jobs.models import ImportJob
from shequ.org.models import AuditEvent
from shequ.registry.models import Building, Person
from tests.factories import (
    PERSON_IMPORT_HEADERS,
    make_building,
    make_household,
    make_person,
    tabular_file,
)
from tests.factories import id_number as new_id_number

HEADERS = PERSON_IMPORT_HEADERS
GRID_A1 = "34060302000101"


def row(number, name="张三", unit=GRID_A1, building="1号楼"):
    return [number, name, "340603000000", unit, building, "101", "未婚"]


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def write(tmp_path, rows, name="persons.csv", headers=HEADERS, fmt="csv"):
    path = tmp_path / name
    path.write_bytes(tabular_file(headers, rows, fmt=fmt))
    return str(path)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_good_file_imports_and_exits_zero(tmp_path, home):
    path = write(tmp_path, [row(new_id_number()), row(new_id_number())])

    output = run("import", "persons", path)

    assert "共 2 行：新增 2，更新 0，无变化 0，有问题 0" in output
    assert "导入完成：全部 2 行已通过。" in output
    assert Person.objects.count() == 2
    assert Person.objects.first().history.get().history_user is None  # the system


def test_a_bad_row_prints_the_report_and_exits_one(tmp_path, home):
    path = write(tmp_path, [row(new_id_number()), row(new_id_number(), name="")])
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import", "persons", path, stdout=out)

    assert raised.value.returncode == 1
    assert "第3行 [姓名] 必填。" in out.getvalue()
    assert str(raised.value) == "1 行有问题，按“全部通过才写入”的要求，未写入任何数据。"
    assert not Person.objects.exists()


def test_take_good_still_exits_one_when_rows_were_left_out(tmp_path, home):
    path = write(tmp_path, [row(new_id_number()), row(new_id_number(), name="")])

    with pytest.raises(CommandError) as raised:
        call_command("import", "persons", path, "--take-good", stdout=io.StringIO())

    assert raised.value.returncode == 1
    assert Person.objects.count() == 1


def test_dry_run_of_a_good_file_exits_zero_and_writes_nothing(tmp_path, home):
    path = write(tmp_path, [row(new_id_number())])

    output = run("import", "persons", path, "--dry-run")

    assert "（试运行，未写入）" in output
    assert not Person.objects.exists()


def test_unit_option_limits_the_import_to_that_subtree(tmp_path, tree, home):
    make_building(tree.grid_b1, "1号楼")
    path = write(tmp_path, [row(new_id_number(), unit="34060302000201")])
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import", "persons", path, "--unit", tree.community_a.code, stdout=out)

    assert "第2行 [单位代码] 单位代码 34060302000201 不存在或不在您的管辖范围内。" in out.getvalue()


def test_job_of_the_command_is_recorded_without_the_file(tmp_path, tree, home):
    path = write(tmp_path, [row(new_id_number())])

    run("import", "persons", path, "--unit", tree.community_a.code)

    job = ImportJob.objects.get()
    assert (job.actor, job.unit_code, bytes(job.content)) == (None, tree.community_a.code, b"")
    assert AuditEvent.objects.get(action="import.persons").actor is None


def test_wrong_headers_exit_one_with_the_reason(tmp_path, home):
    path = write(tmp_path, [["x"]], headers=["身份证"])

    with pytest.raises(CommandError) as raised:
        call_command("import", "persons", path, stdout=io.StringIO())

    assert raised.value.returncode == 1
    assert "缺少必填列：公民身份号码" in str(raised.value)


def test_missing_file_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import", "persons", str(tmp_path / "none.csv"))


def test_export_writes_an_xlsx_that_imports_back_unchanged(tmp_path, home):
    make_person(home, name="张三")
    make_person(home, name="李四")
    path = str(tmp_path / "persons.xlsx")

    assert "已导出 2 行" in run("export", "persons", path)
    output = run("import", "persons", path, "--update")

    assert "共 2 行：新增 0，更新 0，无变化 2，有问题 0" in output
    assert Person.history.count() == 2


def test_export_unit_option_limits_the_rows(tmp_path, tree, home):
    make_building(tree.grid_b1, "文苑1号楼")
    path = tmp_path / "buildings.xlsx"

    run("export", "buildings", str(path), "--unit", tree.community_b.code)

    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[2]][2] == "文苑1号楼"
    assert sheet.max_row == 2
    assert Building.objects.count() == 2


def test_export_buildings_leaves_out_those_no_longer_in_use_as_the_export_page_does(
    tmp_path, tree, home, admin_client
):
    closed = make_building(tree.grid_a1, "2号楼")
    Building.objects.filter(pk=closed.pk).update(is_active=False)
    path = tmp_path / "buildings.xlsx"

    assert "已导出 1 行" in run("export", "buildings", str(path))

    names = [row[2] for row in load_workbook(path).worksheets[0].iter_rows(values_only=True)]
    assert names[1:] == ["1号楼"]
    page = admin_client.get("/registry/export/buildings/?format=xlsx")
    page_names = [
        row[2]
        for row in load_workbook(io.BytesIO(page.content)).worksheets[0].iter_rows(values_only=True)
    ]
    assert page_names == names


def test_export_flows_writes_every_flow_with_full_names(tmp_path, home):
    make_person(home, name="张三")
    path = tmp_path / "flows.csv"

    assert "已导出 1 行" in run("export", "flows", str(path))

    assert "张三" in path.read_text(encoding="utf-8-sig")


def test_export_refuses_other_file_types(tmp_path, db):
    with pytest.raises(CommandError, match=r"\.xlsx 或 \.csv"):
        call_command("export", "persons", str(tmp_path / "persons.pdf"))


# Outside a test's transaction, as the command and the task worker really run: progress is
# committed chunk by chunk, the data in one transaction at the end (foreign keys checked at
# its commit on PostgreSQL).


@pytest.fixture
def divisions(transactional_db):
    """The division codes a migration loads: gone after any earlier test that flushed."""
    from shequ.org.divisions import load_divisions
    from shequ.org.models import Division

    load_divisions(Division)


@pytest.mark.django_db(transaction=True)
def test_chunked_import_outside_a_transaction_writes_every_chunk(
    tmp_path, divisions, tree, monkeypatch
):
    from shequ.jobs import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    make_household(make_building(tree.grid_a1, "1号楼"), "101")
    numbers = [new_id_number() for _ in range(5)]
    rows = [row(n) for n in numbers]
    rows[3][5] = "909"  # a home the file creates, in the second chunk
    path = write(tmp_path, rows)

    output = run("import", "persons", path)

    assert "共 5 行：新增 5" in output
    assert set(Person.objects.values_list("id_number", flat=True)) == set(numbers)
    assert Person.history.count() == 5
    assert Person.objects.get(id_number=numbers[3]).household.number == "909"
    assert AuditEvent.objects.get(action="import.persons").changes["created"] == 5


@pytest.mark.django_db(transaction=True)
def test_chunked_import_with_a_late_bad_row_writes_nothing(tmp_path, divisions, tree, monkeypatch):
    from shequ.jobs import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    make_household(make_building(tree.grid_a1, "1号楼"), "101")
    rows = [row(new_id_number()) for _ in range(4)] + [row(new_id_number(), name="")]
    path = write(tmp_path, rows)

    with pytest.raises(CommandError):
        call_command("import", "persons", path, stdout=io.StringIO())

    assert not Person.objects.exists()
    assert not Person.history.exists()
    job = ImportJob.objects.get()
    assert (job.status, job.applied, job.error_rows) == ("succeeded", False, 1)


@pytest.mark.django_db(transaction=True)
def test_chunked_import_taking_the_good_rows_skips_the_bad_one(
    tmp_path, divisions, tree, monkeypatch
):
    from shequ.jobs import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    make_household(make_building(tree.grid_a1, "1号楼"), "101")
    rows = [row(new_id_number()) for _ in range(4)]
    rows[1][1] = ""
    path = write(tmp_path, rows)

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "persons", path, "--take-good", stdout=out)

    assert Person.objects.count() == 3, out.getvalue()
    job = ImportJob.objects.get()
    assert (job.applied, job.report["taken"], job.report["rejected"]) == (True, "2, 4-5", "3")
