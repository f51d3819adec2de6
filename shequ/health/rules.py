"""Pure rules of the health services (no ORM): months, the chain of reports, what a
service asks for next, which units' months a record falls in. Values that change by
place and year (intervals, deadlines, thresholds) are in the rulebook, programme
``health``; ``DEFAULTS`` are what a new deployment starts with (``settings_seed``)."""

import datetime

from django.utils.translation import gettext_lazy as _

PROGRAMME = "health"
# Every task this app creates names a health service (core/hooks.py "health_task_kinds").
HEALTH_TASK_KINDS = ("health.",)

# programme "health": key → (value, note). Seeded by the demo and by migration 0002.
DEFAULTS: dict[str, tuple[object, str]] = {
    "residence_threshold_months": (6, "流动人口居住满几个月纳入服务对象"),
    "report_deadline_working_days": (
        {"community": 3, "street": 6},
        "月报上报截止：次月第几个工作日（社区、街道）",
    ),
    "migrant_notice_working_days": (10, "流动人口检查结果、分娩通报户籍地的时限（工作日）"),
    "hospitals_per_district_max": (3, "每个区县最多几家定点医院（在用）"),
    "next_service": (
        {
            "prepregnancy_check": {"kind": "prepregnancy_followup", "days": 90},
            "pregnancy_registration": {"kind": "pregnancy_visit", "days": 30},
            "pregnancy_visit": {"kind": "pregnancy_visit", "days": 30},
            "birth": {"kind": "postnatal_visit", "working_days": 7},
            "procedure": {"kind": "procedure_followup", "days": 30},
            "reproductive_check": {"kind": "reproductive_check", "days": 365},
        },
        "各类服务的下次服务：类型和间隔（天或工作日）",
    ),
}

# Kinds whose records carry clinical results: only the provider records them.
CLINICAL_KINDS = {"reproductive_check", "prepregnancy_check", "procedure"}
# A migrant's record of these kinds is notified to her registration place.
NOTIFIED_KINDS = {"reproductive_check", "prepregnancy_check", "birth"}

REPORT_LEVEL = {12: "community", 9: "street"}  # significant prefix length → level


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months earlier (the month's last day when it has none)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    first = datetime.date(year, month + 1, 1)
    return first.replace(day=min(day.day, month_end(first).day))


def locking_units(unit_code: str) -> list[str]:
    """The codes of the units whose approved report locks a record of this unit: its
    community and its street."""
    return [unit_code[:12], unit_code[:9] + "000"]


def report_level(prefix: str) -> str | None:
    return REPORT_LEVEL.get(len(prefix))


FIGURE_LABELS = {
    "targets": _("服务对象（进入系统的对象）"),
    "targets_migrant": _("其中流动人口"),
    "married": _("本月结婚"),
    "births": _("本月生育"),
    "contraception_changes": _("本月节育措施变化"),
    "no_contraception": _("未落实节育措施"),
    "services": _("本月服务人次"),
}
