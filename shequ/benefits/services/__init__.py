"""Every write of the benefits: a year's list computed (a background job with progress),
rows checked by the communities, the list confirmed by the street and frozen, corrections
after that, payments and the bank's answer, declarations, publication of the results.

Each checks the role and the jurisdiction and writes its rows with their history (actor,
reason) and a change-log event in one transaction. ``actor`` None is the system (the demo,
the command line, the task worker running a job someone started)."""

from shequ.benefits.services._common import BATCH, may_compute
from shequ.benefits.services.declarations import confirmation_record, defaults_ensure
from shequ.benefits.services.lists import (
    benefit_list_compute,
    benefit_list_confirm,
    benefit_list_publish,
    benefit_list_reset,
    benefit_list_start,
    row_add,
    row_correct,
    rows_check,
)
from shequ.benefits.services.payments import (
    RESULT_STEPS,
    RESULT_WORDS,
    bank_rows,
    payment_result,
    payment_summary,
    payments_import,
)

__all__ = [
    "BATCH",
    "RESULT_STEPS",
    "RESULT_WORDS",
    "bank_rows",
    "benefit_list_compute",
    "benefit_list_confirm",
    "benefit_list_publish",
    "benefit_list_reset",
    "benefit_list_start",
    "confirmation_record",
    "defaults_ensure",
    "may_compute",
    "payment_result",
    "payment_summary",
    "payments_import",
    "row_add",
    "row_correct",
    "rows_check",
]
