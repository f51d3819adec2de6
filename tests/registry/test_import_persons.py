"""Importing persons: every row validated, problems named by row and column, all or nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core.identifiers import id_number_for_test
from shequ.jobs.models import ImportJob
from shequ.org.models import AuditEvent
from shequ.registry.models import Child, Flow, Household, Person, PopulationType
from tests.factories import (
    HEFEI_YAOHAI,
    PERSON_IMPORT_HEADERS,
    make_building,
    make_household,
    make_person,
    tabular_file,
)
from tests.factories import id_number as new_id_number

HEADERS = PERSON_IMPORT_HEADERS
GRID_A1 = "34060302000101"


def row(id_number, name="张三", hukou="340603000000", unit=GRID_A1, building="1号楼", home="101"):
    return [id_number, name, hukou, unit, building, home, "未婚"]


def upload(api, user, content, *, name="人员.csv", kind="persons", **options):
    response = api.as_(user).post(
        "/api/v1/imports/",
        {"kind": kind, "file": SimpleUploadedFile(name, content), **options},
        format="multipart",
    )
    assert response.status_code == 202, response.data
    return response.data


def problems(data):
    return [(e["row"], e["column"], e["message"]) for e in data["errors"]]


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def test_good_csv_file_registers_every_person(api, people, home):
    local, migrant = new_id_number(), new_id_number(sex="M")
    content = tabular_file(HEADERS, [row(local, "张三"), row(migrant, "李四", hukou=HEFEI_YAOHAI)])

    data = upload(api, people.worker_a, content)

    assert data["status"] == "succeeded"
    assert (data["created"], data["error_rows"], data["applied"]) == (2, 0, True)
    assert data["accepted_all"] is True
    resident = Person.objects.get(id_number=local)
    assert resident.population_type == PopulationType.RESIDENT
    assert (resident.household, resident.unit_id) == (home, GRID_A1)
    assert (resident.name_initials, resident.name_pinyin) == ("zs", "zhangsan")
    assert Person.objects.get(id_number=migrant).population_type == PopulationType.INFLOW


def test_each_imported_person_has_a_history_row_naming_file_and_row(api, people, home):
    number = new_id_number()
    upload(api, people.worker_a, tabular_file(HEADERS, [row(number)]), name="三月.csv")

    history = Person.objects.get(id_number=number).history.get()
    assert history.history_type == "+"
    assert history.history_change_reason == "导入：三月.csv 第2行"
    assert history.history_user == people.worker_a


def test_an_inflow_migrant_gets_an_arrival_flow_and_a_resident_only_history(api, people, home):
    local, migrant = new_id_number(), new_id_number()
    headers = [*HEADERS, "流入日期", "流入原因"]
    content = tabular_file(
        headers,
        [
            [*row(local), "", ""],
            [*row(migrant, hukou=HEFEI_YAOHAI), "2024-03-01", "务工经商"],
        ],
    )
    upload(api, people.worker_a, content)

    arrival = Flow.objects.get(person__id_number=migrant)
    assert (arrival.kind, arrival.date, arrival.reason) == (
        Flow.Kind.ARRIVAL,
        datetime.date(2024, 3, 1),
        "务工经商",
    )
    assert (arrival.division_id, arrival.to_household, arrival.actor) == (
        HEFEI_YAOHAI,
        home,
        people.worker_a,
    )
    assert not Flow.objects.filter(person__id_number=local).exists()


def test_xlsx_file_with_excel_dates_imports(api, people, home):
    number = id_number_for_test("340603", datetime.date(1985, 2, 3), 7, "M")
    content = tabular_file(
        [*HEADERS, "出生日期", "结婚日期"],
        [[*row(number)[:6], "已婚", datetime.datetime(1985, 2, 3), datetime.date(2010, 5, 1)]],
        fmt="xlsx",
    )

    data = upload(api, people.worker_a, content, name="人员.xlsx")

    assert problems(data) == []
    person = Person.objects.get(id_number=number)
    assert (person.birth_date, person.sex, person.marriage_date) == (
        datetime.date(1985, 2, 3),
        "M",
        datetime.date(2010, 5, 1),
    )


def test_gb18030_csv_from_chinese_excel_is_read(api, people, home):
    number = new_id_number()
    content = tabular_file(HEADERS, [row(number, "欧阳娜娜")], encoding="gb18030")

    data = upload(api, people.worker_a, content)

    assert data["created"] == 1
    assert Person.objects.get(id_number=number).name == "欧阳娜娜"


def test_bad_check_digit_is_reported_with_row_and_column(api, people, home):
    good = new_id_number()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")

    data = upload(api, people.worker_a, tabular_file(HEADERS, [row(wrong)]))

    assert problems(data) == [
        (2, "公民身份号码", f"身份证号码校验位错误：最后一位应为 {good[-1]}。")
    ]
    assert not Person.objects.exists()


def test_identity_number_with_a_future_birth_date_is_reported(api, people, home):
    future = id_number_for_test("340603", datetime.date(2090, 1, 1), 1, "F")

    data = upload(api, people.worker_a, tabular_file(HEADERS, [row(future)]))

    assert problems(data) == [(2, "公民身份号码", "身份证号码中的出生日期 2090-01-01 晚于今天。")]


def test_birth_date_disagreeing_with_the_number_is_reported(api, people, home):
    number = id_number_for_test("340603", datetime.date(1990, 5, 17), 3, "F")
    content = tabular_file([*HEADERS, "出生日期"], [[*row(number), "1990-05-18"]])

    data = upload(api, people.worker_a, content)

    assert problems(data) == [
        (2, "出生日期", "出生日期 1990-05-18 与身份证号码中的 1990-05-17 不一致。")
    ]


def test_unknown_unit_code_is_reported(api, people, home):
    data = upload(
        api, people.worker_a, tabular_file(HEADERS, [row(new_id_number(), unit="340603020009")])
    )

    assert problems(data) == [(2, "单位代码", "单位代码 340603020009 不存在或不在您的管辖范围内。")]


def test_unit_of_another_community_reads_like_an_unknown_one(api, people, home):
    data = upload(api, people.worker_b, tabular_file(HEADERS, [row(new_id_number())]))

    assert problems(data) == [(2, "单位代码", f"单位代码 {GRID_A1} 不存在或不在您的管辖范围内。")]
    assert not Person.objects.exists()


def test_unknown_hukou_division_code_is_reported(api, people, home):
    data = upload(
        api, people.worker_a, tabular_file(HEADERS, [row(new_id_number(), hukou="419999000000")])
    )

    assert problems(data) == [(2, "户籍地代码", "区划代码 419999000000 不存在。")]


def test_unknown_building_is_reported(api, people, home):
    data = upload(
        api, people.worker_a, tabular_file(HEADERS, [row(new_id_number(), building="9号楼")])
    )

    assert problems(data) == [(2, "楼栋名称", "第1网格 没有楼栋“9号楼”，请先新建或导入楼栋。")]


def test_duplicate_identity_number_within_the_file_names_the_first_row(api, people, home):
    number = new_id_number()
    content = tabular_file(HEADERS, [row(new_id_number()), row(number), row(number, "李四")])

    data = upload(api, people.worker_a, content)

    assert problems(data) == [(4, "公民身份号码", "与第 3 行重复。")]


def test_person_already_registered_here_is_a_duplicate_without_update(api, people, home):
    existing = make_person(home, name="王五")

    data = upload(api, people.worker_a, tabular_file(HEADERS, [row(existing.id_number)]))

    assert problems(data) == [
        (
            2,
            "公民身份号码",
            "该身份证号码已登记：王五（在册）。如要更新，请勾选“更新已有记录”。",
        )
    ]


def test_every_registered_person_of_a_large_file_is_found(api, people, home):
    # More numbers than one lookup query takes (LOOKUP_GROUP): none may slip through.
    numbers = [
        new_id_number(birth_date=datetime.date(1990, 1, 1) + datetime.timedelta(days=day))
        for day in range(600)
    ]
    content = tabular_file(HEADERS, [row(number) for number in numbers])
    first = upload(api, people.worker_a, content)
    assert first["created"] == 600, (first["status"], first["message"], first["errors"][:3])

    again = upload(api, people.worker_a, content)

    assert (again["created"], again["error_rows"], again["applied"]) == (0, 600, False)
    assert {message for _row, _column, message in problems(again)} == {
        "该身份证号码已登记：张三（在册）。如要更新，请勾选“更新已有记录”。"
    }
    assert Person.objects.filter(id_number__in=numbers).count() == 600


def test_person_registered_in_another_community_must_be_transferred_in(api, people, tree):
    other = make_person(make_household(make_building(tree.grid_b1, "文苑1号楼"), "101"))
    make_household(make_building(tree.grid_a1, "1号楼"), "101")

    data = upload(
        api, people.worker_a, tabular_file(HEADERS, [row(other.id_number)]), update="true"
    )

    assert problems(data) == [
        (
            2,
            "公民身份号码",
            "该身份证号码已在其他社区登记，请办理迁入（市内迁入），不要重复建档。",
        )
    ]
    other.refresh_from_db()
    assert other.unit_id == tree.grid_b1.code


def test_missing_required_value_is_reported(api, people, home):
    data = upload(api, people.worker_a, tabular_file(HEADERS, [row(new_id_number(), name="")]))

    assert problems(data) == [(2, "姓名", "必填。")]


def test_missing_required_header_stops_the_import_before_any_row(api, people, home):
    content = tabular_file(HEADERS[:-1], [row(new_id_number())[:-1]])

    data = upload(api, people.worker_a, content)

    assert data["status"] == "failed"
    assert "缺少必填列：婚姻状况" in data["message"]
    assert data["processed_rows"] == 0
    assert not Person.objects.exists()


def test_unknown_header_is_refused_by_name(api, people, home):
    content = tabular_file([*HEADERS, "备注"], [[*row(new_id_number()), "x"]])

    data = upload(api, people.worker_a, content)

    assert data["status"] == "failed"
    assert "无法识别的列：备注" in data["message"]


def test_one_bad_row_means_nothing_is_written(api, people, home):
    content = tabular_file(
        HEADERS, [row(new_id_number()), row(new_id_number(), name=""), row(new_id_number())]
    )

    data = upload(api, people.worker_a, content)

    assert (data["applied"], data["error_rows"], data["created"]) == (False, 1, 2)
    assert data["outcome"] == "1 行有问题，按“全部通过才写入”的要求，未写入任何数据。"
    assert not Person.objects.exists()


def test_take_good_rows_writes_the_valid_rows_and_says_which(api, people, home):
    good_a, good_b = new_id_number(), new_id_number()
    content = tabular_file(HEADERS, [row(good_a), row(new_id_number(), name=""), row(good_b)])

    data = upload(api, people.worker_a, content, take_good="true")

    assert (data["applied"], data["created"], data["error_rows"]) == (True, 2, 1)
    assert (data["taken_rows"], data["rejected_rows"]) == ("2, 4", "3")
    assert set(Person.objects.values_list("id_number", flat=True)) == {good_a, good_b}


def test_dry_run_validates_and_writes_nothing(api, people, home):
    data = upload(
        api, people.worker_a, tabular_file(HEADERS, [row(new_id_number())]), dry_run="true"
    )

    assert (data["status"], data["created"], data["applied"]) == ("succeeded", 1, False)
    assert data["outcome"] == "试运行完成：全部 1 行都可以导入，未写入任何数据。"
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="import.persons").exists()


def test_missing_household_is_created_in_the_existing_building(api, people, home):
    numbers = [new_id_number(), new_id_number()]
    content = tabular_file(HEADERS, [row(n, home="302") for n in numbers])

    upload(api, people.worker_a, content)

    created = Household.objects.get(number="302")
    assert (created.building, created.unit_id) == (home.building, GRID_A1)
    assert created.members.count() == 2
    assert created.history.get().history_change_reason == "导入：人员.csv 第2行"


def test_children_cell_registers_each_child(api, people, home):
    number = id_number_for_test("340603", datetime.date(1985, 2, 3), 9, "F")
    headers = [*HEADERS[:-1], "婚姻状况", "结婚日期", "子女"]
    content = tabular_file(
        headers,
        [[*row(number)[:-1], "已婚", "2012-01-01", "1:2015-03-02:女;2:2019-07-01:男:张小明"]],
    )

    upload(api, people.worker_a, content)

    person = Person.objects.get(id_number=number)
    assert list(person.children.values_list("order", "birth_date", "sex", "name")) == [
        (1, datetime.date(2015, 3, 2), "F", ""),
        (2, datetime.date(2019, 7, 1), "M", "张小明"),
    ]
    assert person.children_count == 2


def test_badly_written_children_cell_is_explained(api, people, home):
    content = tabular_file([*HEADERS, "子女"], [[*row(new_id_number()), "2015-03-02 女"]])

    data = upload(api, people.worker_a, content)

    assert problems(data) == [
        (
            2,
            "子女",
            "子女“2015-03-02 女”格式不对。 每个子女写成“孩次:出生日期:性别”，可加“:姓名”，"
            "多个子女用分号隔开，例如 1:2015-03-02:女;2:2019-07-01:男。",
        )
    ]
    assert not Child.objects.exists()


def test_population_type_contradicting_residence_and_hukou_is_reported(api, people, home):
    content = tabular_file([*HEADERS, "人口类型"], [[*row(new_id_number()), "流入"]])

    data = upload(api, people.worker_a, content)

    assert problems(data) == [
        (2, "人口类型", "人口类型应为“户籍常住”（由户籍地和现居住地推得），文件中为“流入”。")
    ]


def test_choice_columns_take_codes_as_well_as_labels(api, people, home):
    number = new_id_number(sex="M")
    content = tabular_file(
        [*HEADERS, "性别", "就业情况"], [[*row(number)[:-1], "single", "M", "学生"]]
    )

    data = upload(api, people.worker_a, content)

    assert problems(data) == [
        (
            2,
            "就业情况",
            "“学生”不是可选值。可选：单位就业、个体经营、灵活就业、务农、无业、在校学生、离退休、学龄前。",
        )
    ]


def test_status_column_cannot_register_a_departed_person(api, people, home):
    content = tabular_file([*HEADERS, "状态"], [[*row(new_id_number()), "已迁出"]])

    data = upload(api, people.worker_a, content)

    assert problems(data) == [
        (2, "状态", "导入只能登记在册人员；迁出、死亡、注销请在人员页面办理。")
    ]


def test_update_mode_changes_only_what_differs_and_keeps_history(api, people, home):
    same, changed = make_person(home, name="王五"), make_person(home, name="赵六")
    content = tabular_file(
        [*HEADERS, "联系电话"],
        [[*row(same.id_number, "王五"), ""], [*row(changed.id_number, "赵六"), "13912345678"]],
    )

    data = upload(api, people.worker_a, content, update="true", name="核对.csv")

    assert (data["created"], data["updated"], data["unchanged"]) == (0, 1, 1)
    changed.refresh_from_db()
    assert changed.phone == "13912345678"
    latest = changed.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_change_reason) == ("~", "导入：核对.csv 第3行")
    assert same.history.count() == 1


def test_update_mode_moves_a_person_to_another_home(api, people, home):
    person = make_person(home)
    content = tabular_file(HEADERS, [row(person.id_number, home="202")])

    upload(api, people.worker_a, content, update="true")

    person.refresh_from_db()
    assert person.household.number == "202"
    move = Flow.objects.get(person=person, kind=Flow.Kind.MOVE)
    assert (move.from_household, move.to_household) == (home, person.household)


def test_one_audit_event_per_import_job_with_its_counts(api, people, home):
    content = tabular_file(HEADERS, [row(new_id_number()) for _ in range(3)])

    data = upload(api, people.worker_a, content)

    event = AuditEvent.objects.get(action="import.persons")
    assert event.target_id == data["id"]
    assert (event.actor, event.unit_code) == (people.worker_a, people.worker_a.unit_id)
    assert event.changes["created"] == 3
    assert AuditEvent.objects.filter(action__startswith="person.").count() == 0


def test_validation_progress_is_committed_chunk_by_chunk(api, people, home, monkeypatch):
    from shequ.jobs import imports
    from shequ.registry.importers import PersonImporter

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(imports, "PROGRESS_SECONDS", 0)
    seen = []
    original = PersonImporter.validate

    def spy(self, rows):
        seen.append(ImportJob.objects.get(pk=self.ctx.job.pk).processed_rows)
        return original(self, rows)

    monkeypatch.setattr(PersonImporter, "validate", spy)
    content = tabular_file(HEADERS, [row(new_id_number()) for _ in range(5)])

    data = upload(api, people.worker_a, content)

    assert seen == [0, 2, 4]
    assert (data["processed_rows"], data["total_rows"], data["progress"]) == (5, 5, 100)


def test_units_are_read_once_whatever_the_number_of_chunks(api, people, tree, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shequ.jobs import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    make_household(make_building(tree.grid_a1, "1号楼"), "101")
    make_household(make_building(tree.grid_a2, "2号楼"), "201")
    in_a2 = {"unit": tree.grid_a2.code, "building": "2号楼", "home": "201"}

    def unit_reads(rows) -> int:
        with CaptureQueriesContext(connection) as queries:
            data = upload(api, people.worker_a, tabular_file(HEADERS, rows))
        assert data["status"] == "succeeded", data
        return sum('FROM "org_orgunit"' in q["sql"] for q in queries)

    # Each chunk names a unit the ones before did not: a query per chunk, were units read
    # by chunk.
    one_chunk = unit_reads([row(new_id_number()), row(new_id_number(), **in_a2)])
    four_chunks = unit_reads(
        [row(new_id_number()), row(new_id_number())] * 2
        + [row(new_id_number(), **in_a2), row(new_id_number(), **in_a2)] * 2
    )
    assert four_chunks == one_chunk


def test_a_unit_outside_the_scope_reads_as_unknown(api, people, tree, home):
    data = upload(
        api, people.worker_a, tabular_file(HEADERS, [row(new_id_number(), unit=tree.grid_b1.code)])
    )
    assert problems(data) == [
        (2, "单位代码", f"单位代码 {tree.grid_b1.code} 不存在或不在您的管辖范围内。")
    ]


def progress_seen(monkeypatch) -> list[int]:
    """The processed rows the status page would read as each chunk's validation begins."""
    from shequ.registry.importers import PersonImporter

    seen = []
    original = PersonImporter.validate

    def spy(self, rows):
        seen.append(ImportJob.objects.get(pk=self.ctx.job.pk).processed_rows)
        return original(self, rows)

    monkeypatch.setattr(PersonImporter, "validate", spy)
    return seen


def fake_clock(monkeypatch, step: float) -> None:
    from shequ.jobs import imports

    ticks = iter(range(10_000))
    # The engine's own clock only: patching time.monotonic would let others take ticks.
    monkeypatch.setattr(imports, "monotonic", lambda: next(ticks) * step)


def test_progress_moves_every_thousand_rows_of_a_slow_import(api, people, home, monkeypatch):
    seen = progress_seen(monkeypatch)
    fake_clock(monkeypatch, step=1.0)  # each chunk takes a second
    born = [datetime.date(1990, 1, 1) + datetime.timedelta(days=i // 400) for i in range(2500)]
    content = tabular_file(HEADERS, [row(new_id_number(day)) for day in born])

    data = upload(api, people.worker_a, content, dry_run="true")

    assert seen == [0, 1000, 2000]
    assert (data["processed_rows"], data["progress"], data["error_rows"]) == (2500, 100, 0)


def test_progress_is_committed_at_most_every_half_second(api, people, home, monkeypatch):
    from shequ.jobs import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    seen = progress_seen(monkeypatch)
    fake_clock(monkeypatch, step=0.2)  # five chunks a second
    content = tabular_file(HEADERS, [row(new_id_number()) for _ in range(9)])

    data = upload(api, people.worker_a, content)

    assert seen == [0, 2, 2, 2, 8]  # saved after the 1st chunk, then 0.6 s later
    assert (data["processed_rows"], data["progress"]) == (9, 100)


def test_outflow_destination_inside_the_city_is_a_problem_of_its_row(api, people, home):
    headers = [*HEADERS, "人口类型", "流出去向代码"]
    inside = [*row(new_id_number()), "流出", "340602000000"]
    outside = [*row(new_id_number()), "流出", HEFEI_YAOHAI]

    data = upload(api, people.worker_a, tabular_file(headers, [outside, inside]))

    assert [(r, c) for r, c, _m in problems(data)] == [(3, "流出去向代码")]
    assert problems(data)[0][2].startswith("去向地在本市之内。外出登记只用于到本市以外居住")
    assert not Person.objects.exists()


def _outflow(person, people):
    from shequ.registry import services

    services.person_register_outflow(
        actor=people.worker_a,
        person=person,
        date=datetime.date(2024, 5, 1),
        reason="外出务工",
        division=HEFEI_YAOHAI,
    )


def test_update_keeps_an_outflow_record_whose_hukou_stays_in_the_city(api, people, home):
    person = make_person(home, name="王五")
    _outflow(person, people)
    content = tabular_file(
        [*HEADERS, "联系电话"], [[*row(person.id_number, "王五"), "13912345678"]]
    )

    data = upload(api, people.worker_a, content, update="true")

    assert (data["updated"], data["error_rows"]) == (1, 0)
    person.refresh_from_db()
    assert person.population_type == PopulationType.OUTFLOW
    assert person.flow_out_division_id == HEFEI_YAOHAI
    assert person.phone == "13912345678"


def test_update_moving_an_outflow_hukou_outside_the_city_ends_the_outflow(api, people, home):
    # As on the person's page: a 户籍地 corrected to a place outside gives the facts' type.
    person = make_person(home, name="王五")
    _outflow(person, people)
    content = tabular_file(HEADERS, [row(person.id_number, "王五", hukou=HEFEI_YAOHAI)])

    data = upload(api, people.worker_a, content, update="true", name="更正.csv")

    assert (data["updated"], data["error_rows"]) == (1, 0)
    person.refresh_from_db()
    assert person.population_type == PopulationType.INFLOW
    assert (person.flow_out_date, person.flow_out_division_id, person.flow_out_address) == (
        None,
        None,
        "",
    )
    previous = person.history.order_by("-history_id")[1]
    assert previous.flow_out_division_id == HEFEI_YAOHAI  # the history keeps where they went
    assert person.history.order_by("-history_id")[0].history_change_reason == "导入：更正.csv 第2行"


def test_update_saying_outflow_for_a_hukou_outside_the_city_is_a_problem(api, people, home):
    person = make_person(home, name="王五")
    _outflow(person, people)
    content = tabular_file(
        [*HEADERS, "人口类型"], [[*row(person.id_number, "王五", hukou=HEFEI_YAOHAI), "流出"]]
    )

    data = upload(api, people.worker_a, content, update="true")

    assert problems(data) == [
        (2, "人口类型", "人口类型应为“流入”（由户籍地和现居住地推得），文件中为“流出”。")
    ]
    person.refresh_from_db()
    assert person.population_type == PopulationType.OUTFLOW


def test_update_turning_an_outflow_record_back_to_resident_asks_for_the_return(api, people, home):
    person = make_person(home, name="王五")
    _outflow(person, people)
    content = tabular_file([*HEADERS, "人口类型"], [[*row(person.id_number, "王五"), "户籍常住"]])

    data = upload(api, people.worker_a, content, update="true")

    assert problems(data) == [(2, "人口类型", "流出人员返回请在人员页面办理“返回登记”。")]
