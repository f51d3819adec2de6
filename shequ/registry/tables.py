"""The registry's files: the columns of buildings, households and persons, declared once.

Each ``Table`` below drives the downloadable template, the export and the import (and the
API bulk endpoint): Chinese headers, how a cell is read (choice columns take the Chinese
label or the code) and how a value is written back, so an exported file imports unchanged.
The headers are the file format, so they are plain Chinese, not translated.
"""

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.identifiers import mask_id_number, normalize_id_number
from shequ.core.tabular import (
    Column,
    Table,
    choice_help,
    choice_parser,
    choice_renderer,
    parse_bool,
    parse_date,
    parse_int,
    render_bool,
)
from shequ.org.audit import audit_export
from shequ.org.audit_chain import append_rows
from shequ.org.models import SensitiveAccess
from shequ.registry.disclosure import birth_date_text
from shequ.registry.models import (
    ETHNICITY_CHOICES,
    Building,
    Child,
    Contraception,
    Education,
    Employment,
    FlowInReason,
    Household,
    MaritalStatus,
    Person,
    PersonStatus,
    PopulationType,
    Relation,
    Sex,
)

DATE_HELP = "日期写成 YYYY-MM-DD，如 2015-03-02（Excel 日期格式也可以）。"


def _choice(header: str, key: str, choices, *, required: bool = False, help: str = "", **kw):
    return Column(
        header,
        key,
        required=required,
        parse=choice_parser(choices),
        render=choice_renderer(choices),
        help=(help + " " if help else "") + choice_help(choices),
        **kw,
    )


def _date(header: str, key: str, help: str = "", **kw) -> Column:
    return Column(
        header, key, parse=parse_date, help=(help + " " if help else "") + DATE_HELP, **kw
    )


def parse_division_code(text: str) -> str:
    """A 12-digit division code; a 6-digit county code (340603) is completed with zeros."""
    code = text.strip()
    if code.isdigit() and len(code) in (6, 9):
        code = code.ljust(12, "0")
    return code


# Files carry the Chinese names whatever the page language (the labels are translated).
with translation.override(None):
    _ETHNICITY_BY_TEXT = {str(name): code for code, name in ETHNICITY_CHOICES}
_ETHNICITY_BY_TEXT |= {
    name.removesuffix("族"): code for name, code in list(_ETHNICITY_BY_TEXT.items())
}
_ETHNICITY_BY_TEXT |= {code: code for code, _name in ETHNICITY_CHOICES}
_ETHNICITY_BY_TEXT |= {str(int(code)): code for code, _name in ETHNICITY_CHOICES}


def parse_ethnicity(text: str) -> str:
    code = _ETHNICITY_BY_TEXT.get(text.strip())
    if code is None:
        raise ValidationError(_("“%(value)s”不是民族名称（如“汉族”“回族”）。") % {"value": text})
    return code


_SEX_BY_TEXT = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F"}
_SEX_LABEL = {"M": "男", "F": "女"}
_CHILD_SPLIT = re.compile(r"[;；]")
_PART_SPLIT = re.compile(r"[:：]")
CHILDREN_HELP = (
    "每个子女写成“孩次:出生日期:性别”，可加“:姓名”，多个子女用分号隔开，"
    "例如 1:2015-03-02:女;2:2019-07-01:男。"
)


def parse_children(text: str) -> list[dict[str, Any]]:
    """'1:2015-03-02:女;2:2019-07-01:男' → [{order, birth_date, sex, name}, …]."""
    children = []
    for item in filter(None, (part.strip() for part in _CHILD_SPLIT.split(text))):
        parts = [p.strip() for p in _PART_SPLIT.split(item)]
        if len(parts) not in (3, 4) or not parts[0].isdigit() or parts[2] not in _SEX_BY_TEXT:
            raise ValidationError(
                _("子女“%(item)s”格式不对。") % {"item": item} + " " + CHILDREN_HELP
            )
        children.append(
            {
                "order": int(parts[0]),
                "birth_date": parse_date(parts[1]),
                "sex": _SEX_BY_TEXT[parts[2]],
                "name": parts[3] if len(parts) == 4 else "",
            }
        )
    return children


def render_children(children: list[dict[str, Any]] | None) -> str:
    parts = []
    for child in sorted(children or [], key=lambda c: c["order"]):
        born = child["birth_date"]  # a year alone in a masked export
        born = born.isoformat() if isinstance(born, datetime.date) else str(born)
        text = f"{child['order']}:{born}:{_SEX_LABEL[child['sex']]}"
        if child.get("name"):
            text += f":{child['name']}"
        parts.append(text)
    return ";".join(parts)


def _unit_code(**kw) -> Column:
    return Column(
        "单位代码",
        "unit",
        required=True,
        text=True,
        width=18,
        help="楼栋所在网格或社区的代码（网格为 14 位，社区为 12 位），须在您的辖区内。",
        **kw,
    )


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
    ],
    notes=[
        "一行一户。户按“单位代码 + 楼栋名称 + 门牌/室号”识别；楼栋须先建好。"
        "房东是登记人员的，须先导入该人员。"
    ],
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

TABLES = {t.kind: t for t in (BUILDINGS, HOUSEHOLDS, PERSONS)}
KIND_TITLES = {
    "buildings": gettext_lazy("楼栋"),
    "households": gettext_lazy("户"),
    "persons": gettext_lazy("人员"),
    "flows": gettext_lazy("流动记录"),  # exported only (the flow list), never imported
}


# --- Export rows: what each table writes for a record ----------------------------------
#
# Exports read plain values (``values_list``), never model instances: building a Person with
# its prefetched children cost more than writing its row. Each batch of rows reads its
# children in one query and logs its sensitive reads in one insert, so memory stays flat
# from a community to the whole city.

EXPORT_BATCH = 2000

# Called with the count of rows read so far, after each batch (a job's progress bar).
Progress = Callable[[int], None]


@dataclass(frozen=True)
class _Shown:
    """A person whose unmasked identity number (or health facts) an export wrote."""

    uid: Any
    name: str
    id_number: str
    unit_code: str
    health: bool


class _ReadLog:
    """The sensitive reads of one export, written in one insert per batch as it goes."""

    def __init__(self, actor, *, reveal: bool, health: bool, ip: str | None):
        self.actor_id = getattr(actor, "pk", None)
        self.reveal, self.health, self.ip = reveal, health, ip
        self.now = timezone.now()
        self.fields = {
            (True, True): "contraception,id_number",
            (True, False): "id_number",
            (False, True): "contraception",
        }

    @property
    def active(self) -> bool:
        return self.actor_id is not None and (self.reveal or self.health)

    def write(self, shown: list[_Shown]) -> None:
        if not self.active or not shown:
            return
        purpose, channel = SensitiveAccess.Purpose.VERIFY, SensitiveAccess.Channel.EXPORT
        rows = []
        for p in shown:
            fields = self.fields.get((self.reveal, self.health and p.health))
            if fields:
                label = f"{p.name}（{mask_id_number(p.id_number)}）"[:120]
                rows.append(
                    (
                        self.now,
                        self.actor_id,
                        "registry.person",
                        str(p.uid),
                        label,
                        p.unit_code,
                        fields,
                        purpose,
                        channel,
                        self.ip,
                    )
                )
        append_rows(SensitiveAccess, _READ_FIELDS, rows)


_READ_FIELDS = [
    "at",
    "actor",
    "target_type",
    "target_id",
    "target_label",
    "unit_code",
    "fields",
    "purpose",
    "channel",
    "ip",
]


def _batches(queryset: QuerySet, size: int = EXPORT_BATCH) -> Iterator[list]:
    rows = queryset.iterator(chunk_size=size)
    while batch := list(islice(rows, size)):
        yield batch


def building_rows(
    queryset: QuerySet[Building], *, progress: Progress | None = None
) -> Iterator[dict[str, Any]]:
    values = queryset.order_by("unit_id", "name").values_list(
        "unit_id", "unit__name", "name", "address", "kind"
    )
    done = 0
    for batch in _batches(values):
        for unit, unit_name, name, address, kind in batch:
            yield {
                "unit": unit,
                "unit_name": unit_name,
                "name": name,
                "address": address,
                "kind": kind,
            }
        done += len(batch)
        if progress:
            progress(done)


def household_rows(
    queryset: QuerySet[Household],
    *,
    reveal: bool,
    log: _ReadLog | None = None,
    progress: Progress | None = None,
) -> Iterator[dict[str, Any]]:
    values = queryset.order_by("unit_id", "building__name", "number").values_list(
        "unit_id",
        "building__name",
        "number",
        "is_rented",
        "landlord_name",
        "landlord_phone",
        "rented_since",
        "landlord_id",
        "landlord__uid",
        "landlord__name",
        "landlord__id_number",
        "landlord__unit_id",
    )
    logged: set[int] = set()  # a landlord of several homes is one read
    done = 0
    for batch in _batches(values):
        shown: list[_Shown] = []
        for row in batch:
            landlord = ""
            if row[7]:
                landlord = row[10] if reveal else mask_id_number(row[10])
                if reveal and row[7] not in logged:
                    logged.add(row[7])
                    shown.append(_Shown(row[8], row[9], row[10], row[11], False))
            yield {
                "unit": row[0],
                "building": row[1],
                "number": row[2],
                "is_rented": row[3],
                "landlord": landlord,
                "landlord_name": row[4],
                "landlord_phone": row[5],
                "rented_since": row[6],
            }
        if log is not None:
            log.write(shown)
        done += len(batch)
        if progress:
            progress(done)


def person_row(person: Person, children: list[dict[str, Any]]) -> dict[str, Any]:
    """The row a person is written as (and compared with, when a file updates records)."""
    household = person.household
    return {
        "id_number": person.id_number,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "ethnicity": person.ethnicity,
        "phone": person.phone,
        "education": person.education,
        "hukou_division": person.hukou_division_id,
        "hukou_address": person.hukou_address,
        "unit": person.unit_id,
        "building": household.building.name if household else "",
        "household": household.number if household else "",
        "relation": person.relation,
        "population_type": person.population_type,
        "marital_status": person.marital_status,
        "marriage_date": person.marriage_date,
        "children_count": person.children_count,
        "children": children,
        "contraception": person.contraception,
        "contraception_since": person.contraception_since,
        "employment": person.employment,
        "employer_name": person.employer_name,
        "flow_in_date": person.flow_in_date,
        "flow_in_reason": person.flow_in_reason,
        "flow_out_date": person.flow_out_date,
        "flow_out_division": person.flow_out_division_id,
        "flow_out_address": person.flow_out_address,
        "status": person.status,
    }


# The row keys of a person, in the order of the values read for the export.
_PERSON_EXPORT = (
    ("id_number", "id_number"),
    ("name", "name"),
    ("sex", "sex"),
    ("birth_date", "birth_date"),
    ("ethnicity", "ethnicity"),
    ("phone", "phone"),
    ("education", "education"),
    ("hukou_division", "hukou_division_id"),
    ("hukou_address", "hukou_address"),
    ("unit", "unit_id"),
    ("building", "household__building__name"),
    ("household", "household__number"),
    ("relation", "relation"),
    ("population_type", "population_type"),
    ("marital_status", "marital_status"),
    ("marriage_date", "marriage_date"),
    ("children_count", "children_count"),
    ("contraception", "contraception"),
    ("contraception_since", "contraception_since"),
    ("employment", "employment"),
    ("employer_name", "employer_name"),
    ("flow_in_date", "flow_in_date"),
    ("flow_in_reason", "flow_in_reason"),
    ("flow_out_date", "flow_out_date"),
    ("flow_out_division", "flow_out_division_id"),
    ("flow_out_address", "flow_out_address"),
    ("status", "status"),
)
_PERSON_KEYS = tuple(key for key, _field in _PERSON_EXPORT)


def person_rows(
    queryset: QuerySet[Person],
    *,
    reveal: bool,
    log: _ReadLog | None = None,
    progress: Progress | None = None,
) -> Iterator[dict[str, Any]]:
    # The queryset's own order (the list's ?sort=), else by unit and home.
    order = queryset.query.order_by or (
        "unit_id",
        "household__building__name",
        "household__number",
        "id",
    )
    values = queryset.order_by(*order).values_list(
        "id", "uid", *(field for _key, field in _PERSON_EXPORT)
    )
    done = 0
    for batch in _batches(values):
        children: dict[int, list[dict[str, Any]]] = {}
        kids = Child.objects.filter(parent_id__in=[r[0] for r in batch]).values_list(
            "parent_id", "order", "birth_date", "sex", "name"
        )
        for parent, order, birth_date, sex, name in kids:
            children.setdefault(parent, []).append(
                {"order": order, "birth_date": birth_date, "sex": sex, "name": name}
            )
        shown: list[_Shown] = []
        for pk, uid, *fields in batch:
            row = dict(zip(_PERSON_KEYS, fields, strict=True))
            row["children"] = children.get(pk)
            id_number = row["id_number"]
            if not reveal:
                # As on the pages: nothing written beside the mask may rebuild the number.
                row["id_number"] = mask_id_number(id_number)
                row["birth_date"] = birth_date_text(row["birth_date"], full=False)
                for child in row["children"] or ():
                    child["birth_date"] = birth_date_text(child["birth_date"], full=False)
            if log is not None:
                shown.append(
                    _Shown(uid, row["name"], id_number, row["unit"], bool(row["contraception"]))
                )
            yield row
        if log is not None:
            log.write(shown)
        done += len(batch)
        if progress:
            progress(done)


def export_write(
    kind: str,
    queryset: QuerySet,
    out: IO[bytes],
    *,
    actor,
    fmt: str = "xlsx",
    reveal: bool = True,
    health: bool = True,
    progress: Progress | None = None,
    ip: str | None = None,
) -> int:
    """Write an export file of ``kind`` from an already scoped queryset; returns the rows.

    Identity numbers are unmasked only when ``reveal``; otherwise birth dates are written as
    the year alone (``disclosure``). When ``reveal``, for a user, every person (and
    landlord) written is logged as one sensitive read with channel "export" (one insert per
    batch, as the rows are written), health facts likewise. One audit event records the
    export itself. ``ip`` is the client address of the request that asked for the export
    (a background job keeps it from the request that created it).
    """
    log = _ReadLog(actor, reveal=reveal, health=health and kind == "persons", ip=ip)
    if kind == "buildings":
        table, rows = BUILDINGS, building_rows(queryset, progress=progress)
    elif kind == "households":
        table = HOUSEHOLDS
        rows = household_rows(queryset, reveal=reveal, log=log, progress=progress)
    elif kind == "persons":
        table = PERSONS if health else PERSONS_WITHOUT_HEALTH
        rows = person_rows(queryset, reveal=reveal, log=log, progress=progress)
    else:
        raise ValidationError({"kind": [_("未知的导出类型“%(kind)s”。") % {"kind": kind}]})
    count = table.write(rows, out, fmt)
    audit_export(
        actor=actor,
        kind=kind,
        target_type=f"registry.{kind.removesuffix('s')}",
        label=_("导出%(title)s %(n)d 条") % {"title": KIND_TITLES[kind], "n": count},
        changes={"rows": count, "format": fmt, "id_numbers": "shown" if reveal else "masked"},
        ip=ip,
    )
    return count
