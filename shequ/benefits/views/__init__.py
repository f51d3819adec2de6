"""The benefits' pages: the year lists (start one, its progress, its rows with filters and
the Excel export), checking, confirming, publishing, corrections, payments with the bank's
file and its results, declarations, the programmes with their rules. Each parses its form,
calls one selector or service and renders; every step asks before it is made."""

from shequ.benefits.views.declarations import confirmation_list, eligibility_check, programme_list
from shequ.benefits.views.lists import (
    list_add,
    list_check,
    list_confirm,
    list_detail,
    list_index,
    list_publish,
    list_recompute,
    list_reset,
    list_start,
)
from shequ.benefits.views.payments import list_bank, list_bank_result, list_payments, payment_result
from shequ.benefits.views.rows import row_check, row_correct, row_detail

__all__ = [
    "confirmation_list",
    "eligibility_check",
    "list_add",
    "list_bank",
    "list_bank_result",
    "list_check",
    "list_confirm",
    "list_detail",
    "list_index",
    "list_payments",
    "list_publish",
    "list_recompute",
    "list_reset",
    "list_start",
    "payment_result",
    "programme_list",
    "row_check",
    "row_correct",
    "row_detail",
]
