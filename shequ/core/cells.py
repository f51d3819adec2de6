"""Cell parsers and renderers the tables of every app share (``tabular.Column``'s ``parse``
and ``render``): dates as people type them, yes/no, integers, and choices by their Chinese
label, in Chinese whatever the page language."""

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(text: str) -> datetime.date:
    """YYYY-MM-DD; also 2015/3/2, 2015.3.2, 20150302, 2015年3月2日 and Excel's day numbers."""
    value = text.strip()
    if len(value) == 10 and value[4] == "-":  # the usual YYYY-MM-DD, without strptime's cost
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    if " " in value:  # an Excel date-time cell: 2015-03-02 00:00
        value = value.split(" ", 1)[0]
    if value.isdigit() and len(value) <= 5:
        return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        _("日期应写成 YYYY-MM-DD（如 2015-03-02），当前为“%(value)s”。") % {"value": text}
    )


_TRUE = {"是", "y", "yes", "true", "1", "√", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无"}


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError(_("应填“是”或“否”，当前为“%(value)s”。") % {"value": text})


def parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationError(_("应为整数，当前为“%(value)s”。") % {"value": text}) from None


def choice_parser(choices: Iterable[tuple[str, Any]]) -> Callable[[str], str]:
    """A parser that takes a choice's Chinese label (or its code) and gives the code."""
    pairs = _chinese_pairs(choices)
    by_text = {label: code for code, label in pairs} | {code: code for code, _l in pairs}
    by_text |= {code.lower(): code for code, _l in pairs}
    labels = "、".join(label for _c, label in pairs)

    def parse(text: str) -> str:
        value = text.strip()
        code = by_text.get(value) or by_text.get(value.lower())
        if code is None:
            raise ValidationError(
                _("“%(value)s”不是可选值。可选：%(labels)s。") % {"value": text, "labels": labels}
            )
        return code

    return parse


def choice_renderer(choices: Iterable[tuple[str, Any]]) -> Callable[[Any], str]:
    """Render a code as its Chinese label (what the parser above reads back)."""
    labels = dict(_chinese_pairs(choices))

    def render(value: Any) -> str:
        if value in (None, ""):
            return ""
        return str(labels.get(str(value), value))

    return render


def choice_help(choices: Iterable[tuple[str, Any]]) -> str:
    return "可选：" + "、".join(label for _code, label in _chinese_pairs(choices)) + "。"


def _chinese_pairs(choices: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    # Files are written and read in Chinese whatever the page language: a file exported from
    # the English pages must import the same (our message ids are the Chinese texts).
    with translation.override(None):
        return [(str(code), str(label)) for code, label in choices]


def render_bool(value: Any) -> str:
    if value is None:
        return ""
    return "是" if value else "否"
