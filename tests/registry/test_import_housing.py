"""Importing buildings and households (以房管人): the housing a person file then refers to."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.registry.models import Building, Household
from tests.factories import make_building, make_household, make_person, tabular_file

GRID_A1, GRID_B1 = "34060302000101", "34060302000201"
BUILDING_HEADERS = ["单位代码", "楼栋名称", "地址", "类型"]
HOUSEHOLD_HEADERS = [
    "单位代码",
    "楼栋名称",
    "门牌/室号",
    "出租房屋",
    "房东身份证号码",
    "房东姓名",
    "房东电话",
    "出租起始",
]


def upload(api, user, kind, content, **options):
    response = api.as_(user).post(
        "/api/v1/imports/",
        {"kind": kind, "file": SimpleUploadedFile(f"{kind}.csv", content), **options},
        format="multipart",
    )
    assert response.status_code == 202, response.data
    return response.data


def problems(data):
    return [(e["row"], e["column"], e["message"]) for e in data["errors"]]


def test_buildings_file_creates_buildings_with_history(api, people, tree):
    content = tabular_file(
        BUILDING_HEADERS,
        [[GRID_A1, "1号楼", "人民路1号", "住宅楼"], [GRID_A1, "2号院", "", "院落/平房"]],
    )

    data = upload(api, people.worker_a, "buildings", content)

    assert (data["created"], data["error_rows"]) == (2, 0)
    yard = Building.objects.get(name="2号院")
    assert (yard.unit_id, yard.kind) == (GRID_A1, Building.Kind.COURTYARD)
    assert yard.history.get().history_change_reason == "导入：buildings.csv 第3行"


def test_building_in_a_street_is_refused(api, people, tree):
    content = tabular_file(BUILDING_HEADERS, [[tree.street.code, "1号楼", "", ""]])

    data = upload(api, people.street, "buildings", content)

    assert problems(data) == [
        (
            2,
            "单位代码",
            "示范街道（340603020000）不是在用的社区或网格：楼栋须属于社区或网格。",
        )
    ]


def test_building_already_there_is_a_duplicate_or_an_update(api, people, tree):
    make_building(tree.grid_a1, "1号楼", address="旧地址")
    content = tabular_file(BUILDING_HEADERS, [[GRID_A1, "1号楼", "新地址", "住宅楼"]])

    refused = upload(api, people.worker_a, "buildings", content)
    updated = upload(api, people.worker_a, "buildings", content, update="true")

    assert problems(refused) == [
        (2, "楼栋名称", "第1网格 已有楼栋“1号楼”。如要更新，请勾选“更新已有记录”。")
    ]
    assert updated["updated"] == 1
    assert Building.objects.get(name="1号楼").address == "新地址"


def test_buildings_of_another_community_cannot_be_imported(api, people, tree):
    content = tabular_file(BUILDING_HEADERS, [[GRID_B1, "1号楼", "", ""]])

    data = upload(api, people.worker_a, "buildings", content)

    assert problems(data) == [(2, "单位代码", f"单位代码 {GRID_B1} 不存在或不在您的管辖范围内。")]
    assert not Building.objects.exists()


def test_households_file_creates_homes_with_landlords(api, people, tree):
    building = make_building(tree.grid_a1, "1号楼")
    landlord = make_person(make_household(building, "100"), name="房东甲")
    content = tabular_file(
        HOUSEHOLD_HEADERS,
        [
            [GRID_A1, "1号楼", "101", "否", "", "", "", ""],
            [GRID_A1, "1号楼", "102", "是", landlord.id_number, "", "", "2023-01-01"],
            [GRID_A1, "1号楼", "103", "", "", "李房东", "13812345678", ""],
        ],
    )

    data = upload(api, people.worker_a, "households", content)

    assert (data["created"], data["error_rows"]) == (3, 0)
    rented = Household.objects.get(number="102")
    assert (rented.is_rented, rented.landlord, rented.rented_since) == (
        True,
        landlord,
        datetime.date(2023, 1, 1),
    )
    outside = Household.objects.get(number="103")
    assert (outside.is_rented, outside.landlord_name, outside.landlord_phone) == (
        True,
        "李房东",
        "13812345678",
    )
    assert Household.objects.get(number="101").is_rented is False


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["是", "", "", "", ""], ("房东姓名", "出租房屋须登记房东（已登记人员或姓名和电话）。")),
        (
            ["否", "", "李房东", "", ""],
            ("出租房屋", "不是出租房屋时不能填写房东、出租起始日期和租期。"),
        ),
        (
            ["是", "", "李房东", "12345", ""],
            ("房东电话", "手机号码应为 11 位，以 13–19 开头，当前为“12345”。"),
        ),
        (
            ["是", "340603199001010011", "", "", ""],
            ("房东身份证号码", "没有找到该身份证号码的登记人员（须在您的辖区内）。"),
        ),
        (["也许", "", "", "", ""], ("出租房屋", "应填“是”或“否”，当前为“也许”。")),
    ],
)
def test_rent_problems_are_reported(api, people, tree, cells, expected):
    make_building(tree.grid_a1, "1号楼")
    content = tabular_file(HOUSEHOLD_HEADERS, [[GRID_A1, "1号楼", "101", *cells]])

    data = upload(api, people.worker_a, "households", content)

    assert problems(data) == [(2, *expected)]


def test_household_in_an_unknown_building_is_reported(api, people, tree):
    content = tabular_file(HOUSEHOLD_HEADERS, [[GRID_A1, "8号楼", "101", "", "", "", "", ""]])

    data = upload(api, people.worker_a, "households", content)

    assert problems(data) == [(2, "楼栋名称", "第1网格 没有楼栋“8号楼”，请先新建或导入楼栋。")]


def test_duplicate_home_within_the_file_names_the_first_row(api, people, tree):
    make_building(tree.grid_a1, "1号楼")
    line = [GRID_A1, "1号楼", "101", "", "", "", "", ""]

    data = upload(api, people.worker_a, "households", tabular_file(HOUSEHOLD_HEADERS, [line, line]))

    assert problems(data) == [(3, "门牌/室号", "与第 2 行重复。")]


def test_update_mode_marks_a_home_as_rented(api, people, tree):
    home = make_household(make_building(tree.grid_a1, "1号楼"), "101")
    content = tabular_file(
        HOUSEHOLD_HEADERS, [[GRID_A1, "1号楼", "101", "是", "", "王房东", "13812345678", ""]]
    )

    data = upload(api, people.worker_a, "households", content, update="true")

    assert data["updated"] == 1
    home.refresh_from_db()
    assert (home.is_rented, home.landlord_name) == (True, "王房东")
    assert home.history.order_by("-history_id").first().history_change_reason == (
        "导入：households.csv 第2行"
    )


def test_update_without_rent_columns_leaves_rent_alone(api, people, tree):
    home = make_household(
        make_building(tree.grid_a1, "1号楼"), "101", is_rented=True, landlord_name="王房东"
    )
    content = tabular_file(["单位代码", "楼栋名称", "门牌/室号"], [[GRID_A1, "1号楼", "101"]])

    data = upload(api, people.worker_a, "households", content, update="true")

    assert (data["updated"], data["unchanged"]) == (0, 1)
    home.refresh_from_db()
    assert home.is_rented is True
