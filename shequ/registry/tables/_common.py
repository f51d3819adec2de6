"""How the registry's file cells are read and written: dates, choices, division codes,
ethnicities and the children column."""

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from shequ.core.cells import choice_help, choice_parser, choice_renderer, parse_date
from shequ.core.tabular import Column
from shequ.registry.models import ETHNICITY_CHOICES

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
