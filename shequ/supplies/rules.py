"""Pure rules of the supplies (no ORM): caps and minimum intervals at dispensing, when a
follow-up falls due, and the rates. The values come from the rulebook (rules as data,
``services._limits`` / ``services._follow_up_days``); these functions only apply them."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

# The rulebook's programme for the supplies; keys are ``limits.<item code, "-" as "_">`` ({"per_year",
# "min_days"}) and ``follow_up.<item kind>`` (days after dispensing; 0 = none).
PROGRAMME = "supplies"
# A follow-up task names the method a person uses (core/hooks.py "health_task_kinds"):
# the kind services.FOLLOW_UP_KIND gives it.
HEALTH_TASK_KINDS = ("supplies.follow_up",)


# The methods whose named users are offered follow-up (DOMAIN-FACTS.md §4).
FOLLOW_UP_KINDS = frozenset({"oral_pill", "injection", "iud", "implant"})


def limits_key(item_code: str) -> str:
    """The rulebook's keys are lower-case letters, digits, "_" and "."."""
    return "limits." + item_code.replace("-", "_")


def follow_up_key(item_kind: str) -> str:
    return f"follow_up.{item_kind}"


@dataclass(frozen=True)
class Limits:
    """Per person and item: at most ``per_year`` in any 365 days, and ``min_days`` between
    two dispensings (None: no limit)."""

    per_year: int | None = None
    min_days: int | None = None

    @classmethod
    def from_value(cls, value: object) -> "Limits":
        if not isinstance(value, dict):
            return cls()
        per_year, min_days = value.get("per_year"), value.get("min_days")
        return cls(
            per_year=int(per_year) if per_year not in (None, "") else None,
            min_days=int(min_days) if min_days not in (None, "") else None,
        )


def dispensing_problem(
    *,
    limits: Limits,
    unit: str,
    quantity: int,
    day: datetime.date,
    history: Sequence[tuple[datetime.date, int]],
) -> str:
    """Why this dispensing exceeds the person's cap or comes too soon ("" when it may go).
    ``history``: the person's earlier dispensings of the item, (day, quantity)."""
    year_ago = day - datetime.timedelta(days=365)
    if limits.per_year is not None:
        taken = sum(n for when, n in history if year_ago < when <= day)
        if taken + quantity > limits.per_year:
            return _(
                "超过年度限量：每人每年最多 %(cap)s%(unit)s，近一年已领 %(taken)s%(unit)s，"
                "本次最多还可领 %(left)s%(unit)s。"
            ) % {
                "cap": limits.per_year,
                "unit": unit,
                "taken": taken,
                "left": max(limits.per_year - taken, 0),
            }
    if limits.min_days and history:
        last = max(when for when, _n in history)
        next_day = last + datetime.timedelta(days=limits.min_days)
        if day < next_day:
            return _("距上次领取（%(last)s）不足 %(days)s 天，%(next)s 起可再领。") % {
                "last": last,
                "days": limits.min_days,
                "next": next_day,
            }
    return ""


def clinician_problem(*, clinician_first: bool, first_time: bool, by_clinician: bool) -> str:
    """The first oral pill or injection, and every IUD or implant, is given under a doctor:
    the catalogue's flag says which; a first dispensing of such an item needs a provider."""
    if clinician_first and first_time and not by_clinician:
        return _("首次领取该药具须由医务人员（卫生服务机构）提供指导后发放。")
    return ""


def follow_up_due(day: datetime.date, days: int) -> datetime.date | None:
    """When the follow-up of a dispensing on ``day`` falls due (None: no follow-up)."""
    return day + datetime.timedelta(days=days) if days > 0 else None


# The follow-up targets (MISSION.md indicator 8, seed 004): 98 % of the follow-ups due, and
# every one of the key groups'.
FOLLOW_UP_TARGET = 98.0
KEY_GROUP_TARGET = 100.0


def met(done: int, due: int, target: float) -> bool | None:
    """Whether done / due reaches the target per cent (None: nothing was due). Compared on
    the counts, not the rounded rate: 2,999 of 3,000 shows as 100.0 % yet misses 100 %."""
    return None if not due else done * 100 >= target * due


def rate(done: int, due: int) -> float | None:
    """A rate in per cent, one decimal (None when nothing was due)."""
    return round(100.0 * done / due, 1) if due else None
