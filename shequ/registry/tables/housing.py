"""The files of buildings and households."""

from shequ.core.cells import parse_bool, render_bool
from shequ.core.identifiers import normalize_id_number
from shequ.core.tabular import Column, Table
from shequ.registry.models import Building, Household
from shequ.registry.tables._common import _choice, _date, _unit_code

BUILDINGS = Table(
    kind="buildings",
    title="楼栋",
    columns=[
        _unit_code(),
        Column("单位名称", "unit_name", informative=True, width=16, help="导出时填写，便于阅读。"),
        Column("楼栋名称", "name", required=True, help="同一网格内不能重名。"),
        Column("地址", "address", width=30),
        _choice("类型", "kind", Building.Kind.choices, help="空着为住宅楼。"),
    ],
    notes=["一行一个楼栋（院落）。楼栋按“单位代码 + 楼栋名称”识别。"],
)

HOUSEHOLDS = Table(
    kind="households",
    title="户",
    columns=[
        _unit_code(),
        Column("楼栋名称", "building", required=True, help="须是该单位已有的楼栋。"),
        Column("门牌/室号", "number", required=True, text=True),
        Column(
            "出租房屋",
            "is_rented",
            parse=parse_bool,
            render=render_bool,
            help="填“是”或“否”；空着时，填了房东即视为出租。",
        ),
        Column(
            "房东身份证号码",
            "landlord",
            parse=normalize_id_number,
            text=True,
            width=22,
            help="房东是本辖区已登记人员时填写。",
        ),
        Column("房东姓名", "landlord_name", help="房东不是登记人员时填写姓名和电话。"),
        Column("房东电话", "landlord_phone", text=True),
        _date("出租起始", "rented_since"),
        _date("租期起", "lease_start", help="出租房屋填写。"),
        _date("租期止", "lease_end", help="出租房屋填写；不能早于租期起。"),
        _choice("用途", "use", Household.Use.choices, help="空着为居住。"),
        Column(
            "宿舍所属单位",
            "dormitory_of",
            width=20,
            help="用人单位提供的集体宿舍填写单位名称（宿舍没有户主）。",
        ),
    ],
    notes=[
        "一行一户。户按“单位代码 + 楼栋名称 + 门牌/室号”识别；楼栋须先建好。"
        "房东是登记人员的，须先导入该人员。"
    ],
)
