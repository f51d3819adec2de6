"""The benefits' sheets (core/tabular.py): a list's rows (identity numbers masked), its
payments, and the bank's file — the same columns the bank writes its results into and the
result import reads back."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.core.tabular import Column, Table


def _money(value: Any) -> str:
    return "" if value in (None, "") else f"{Decimal(value):.2f}"


def rows_table() -> Table:
    return Table(
        kind="benefit_rows",
        title=str(_("扶助名单")),
        columns=[
            Column(str(_("所在单位代码")), "unit_code", text=True),
            Column(str(_("姓名")), "name"),
            Column(str(_("公民身份号码")), "id_masked", text=True, width=22),
            Column(str(_("性别")), "sex", width=6),
            Column(str(_("出生年份")), "birth_year", width=8),
            Column(str(_("户籍地代码")), "hukou_code", text=True),
            Column(str(_("计算结果")), "outcome"),
            Column(str(_("类别")), "category"),
            Column(str(_("年度金额")), "amount", render=_money),
            Column(str(_("列入发放")), "included", width=8),
            Column(str(_("已核对")), "checked", width=8),
            Column(str(_("更正原因")), "correction_reason", width=24),
            Column(str(_("各项条件")), "reasons", width=80),
        ],
    )


def payments_table() -> Table:
    return Table(
        kind="benefit_payments",
        title=str(_("发放记录")),
        columns=[
            Column(str(_("付款参考号")), "reference", text=True, width=18),
            Column(str(_("姓名")), "name"),
            Column(str(_("所在单位代码")), "unit_code", text=True),
            Column(str(_("发放期")), "period", width=10),
            Column(str(_("金额")), "amount", render=_money, width=10),
            Column(str(_("状态")), "state", width=10),
            Column(str(_("银行处理日期")), "result_on", width=12),
            Column(str(_("说明")), "result_note", width=24),
        ],
    )


def bank_table() -> Table:
    """代发文件: the bank pays by identity number and writes 结果 (成功/失败/退回), 说明 and
    日期 into the same file, which the result import reads back."""
    return Table(
        kind="benefit_bank",
        title=str(_("银行代发")),
        columns=[
            Column(str(_("付款参考号")), "reference", required=True, text=True, width=18),
            Column(str(_("姓名")), "name", informative=True),
            Column(str(_("公民身份号码")), "id_number", informative=True, text=True, width=22),
            Column(str(_("金额")), "amount", informative=True, render=_money, width=10),
            Column(str(_("项目")), "programme", informative=True, width=28),
            Column(str(_("发放期")), "period", informative=True, width=10),
            Column(str(_("所在单位代码")), "unit_code", informative=True, text=True),
            Column(
                str(_("结果")),
                "result",
                required=True,
                help=str(_("银行填写：成功、失败或退回")),
                width=8,
            ),
            Column(str(_("说明")), "note", help=str(_("失败或退回的原因")), width=24),
            Column(str(_("日期")), "date", help=str(_("银行处理日期，YYYY-MM-DD")), width=12),
        ],
        notes=[
            str(_("银行按公民身份号码代发，处理后填写“结果”“说明”“日期”三列，原文件导入即可。"))
        ],
    )
