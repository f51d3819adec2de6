"""The file of persons, with and without the health columns."""

from shequ.core.cells import choice_parser, choice_renderer, parse_int
from shequ.core.identifiers import normalize_id_number
from shequ.core.tabular import Column, Table
from shequ.registry.models import (
    ETHNICITY_CHOICES,
    Contraception,
    Education,
    Employment,
    FlowInReason,
    MaritalStatus,
    PersonStatus,
    PopulationType,
    Relation,
    Sex,
)
from shequ.registry.tables._common import (
    CHILDREN_HELP,
    _choice,
    _date,
    _unit_code,
    parse_children,
    parse_division_code,
    parse_ethnicity,
    render_children,
)

_PERSON_COLUMNS = [
    Column(
        "公民身份号码",
        "id_number",
        required=True,
        parse=normalize_id_number,
        text=True,
        width=22,
        help="18 位，最后一位可以是 X。请把本列设为文本格式，以免 Excel 改成科学计数。",
    ),
    Column("姓名", "name", required=True, width=10),
    Column(
        "性别",
        "sex",
        parse=choice_parser(Sex.choices),
        render=choice_renderer(Sex.choices),
        width=6,
        help="男 或 女；空着时按身份证号码填写。",
    ),
    _date("出生日期", "birth_date", help="空着时按身份证号码填写。"),
    Column(
        "民族",
        "ethnicity",
        parse=parse_ethnicity,
        render=choice_renderer(ETHNICITY_CHOICES),
        width=8,
        help="如“汉族”；空着为汉族。",
    ),
    Column("联系电话", "phone", text=True, help="手机号码或带区号的固定电话。"),
    _choice("文化程度", "education", Education.choices),
    Column(
        "户籍地代码",
        "hukou_division",
        required=True,
        parse=parse_division_code,
        text=True,
        width=16,
        help="户籍地的 12 位统计用区划代码（至少到区县，如 340603000000；6 位区县代码也可以）。",
    ),
    Column("户籍地址", "hukou_address", width=30),
    _unit_code(),
    Column("楼栋名称", "building", required=True, help="须是该单位已有的楼栋。"),
    Column(
        "门牌/室号",
        "household",
        required=True,
        text=True,
        help="该楼栋里没有这一户时，导入时自动新建。",
    ),
    _choice("与户主关系", "relation", Relation.choices),
    _choice(
        "人口类型",
        "population_type",
        PopulationType.choices,
        help="可空：由户籍地和现居住地推得；填写时须与推得的一致。流出人员须填流出去向。",
    ),
    _choice("婚姻状况", "marital_status", MaritalStatus.choices, required=True),
    _date("结婚日期", "marriage_date"),
    Column(
        "配偶身份证号码",
        "spouse_id_number",
        parse=normalize_id_number,
        text=True,
        width=22,
        help="已婚者填写，连同配偶姓名：导入时登记婚姻（同人员页面“登记婚姻”）。配偶在本库"
        "或本文件中的，关联夫妻双方；不在本库的，其姓名和号码记在婚姻上。",
    ),
    Column("配偶姓名", "spouse_name", width=10, help="填写了配偶身份证号码时必填。"),
    Column("现有子女数", "children_count", parse=parse_int, width=8, help="0–20 的整数。"),
    Column("子女", "children", parse=parse_children, render=render_children, help=CHILDREN_HELP),
    _choice("节育措施", "contraception", Contraception.choices, help="健康信息，仅授权人员可见。"),
    _date("措施起始日期", "contraception_since"),
    _choice("就业情况", "employment", Employment.choices),
    Column("工作单位", "employer_name", width=20),
    _date("流入日期", "flow_in_date", help="流入人员填写。"),
    _choice("流入原因", "flow_in_reason", FlowInReason.choices),
    _date("流出日期", "flow_out_date", help="流出人员填写。"),
    Column(
        "流出去向代码",
        "flow_out_division",
        parse=parse_division_code,
        text=True,
        width=16,
        help="流出人员现居住地的区划代码。",
    ),
    Column("流出去向地址", "flow_out_address", width=30),
    _choice(
        "状态",
        "status",
        PersonStatus.choices,
        help="可空（在册）。迁出、死亡、注销请在人员页面办理，导入不能更改状态。",
    ),
]

HEALTH_KEYS = ("contraception", "contraception_since")

PERSONS = Table(
    kind="persons",
    title="人员",
    columns=_PERSON_COLUMNS,
    notes=[
        "一行一人。人员按公民身份号码识别：已在本辖区登记的，勾选“更新已有记录”时更新，"
        "否则报错；已在其他社区登记的，请办理市内迁入。",
        "楼栋须先建好；户不存在时自动新建。",
    ],
)
PERSONS_WITHOUT_HEALTH = Table(
    kind="persons",
    title="人员",
    columns=[c for c in _PERSON_COLUMNS if c.key not in HEALTH_KEYS],
    notes=PERSONS.notes,
)
