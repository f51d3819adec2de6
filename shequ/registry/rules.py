"""Pure rules of the registry: no database, so forms, imports, the API and tests share them."""

import datetime
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Protocol

from django.utils.translation import gettext_lazy as _

from shequ.core.identifiers import division_prefix
from shequ.core.text import pinyin_keys
from shequ.registry.models import Flow, FlowInReason, MaritalStatus, PopulationType, Sex

WCBA_MIN_AGE, WCBA_MAX_AGE = 15, 49  # 育龄: women aged 15–49

EIGHT_CLEAR = {
    "name": _("姓名"),
    "hukou": _("户籍地"),
    "residence": _("现居住地"),
    "childbearing": _("生育情况"),
    "contraception": _("节育情况"),
    "employment": _("就业情况"),
    "flow_dates": _("流入流出时间"),
    "count": _("流动人口数量（按户籍地归类）"),
}


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def birth_date_bounds_for_age(
    day: datetime.date, min_age: int, max_age: int
) -> tuple[datetime.date, datetime.date]:
    """(earliest, latest) birth dates of people aged min_age..max_age on ``day``."""
    latest = _years_before(day, min_age)
    earliest = _years_before(day, max_age + 1) + datetime.timedelta(days=1)
    return earliest, latest


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def is_wcba(sex: str, birth_date: datetime.date, day: datetime.date) -> bool:
    return sex == Sex.FEMALE and WCBA_MIN_AGE <= age_on(birth_date, day) <= WCBA_MAX_AGE


class Typing(NamedTuple):
    """How a deployment types its people (``TypingSettings``; docs/population-types.md).

    ``separation``: "street" (人户分离 across 乡镇街道, as statistics count) or "community"
    (across communities, the registry's old behaviour); ``migrant``: "county" (流动 on
    leaving the county, county-level city or district, moves between the city's districts
    excepted: the 2009 regulation, art. 2) or "city" (only on leaving the city);
    ``service_months``: how long a migrant lives here before the services of the residence
    are theirs."""

    separation: str = "street"
    migrant: str = "county"
    service_months: int = 6


DEFAULT_TYPING = Typing()


def is_city_district(code: str) -> bool:
    """Whether a division code lies in a 市辖区 (district of a city): national codes number
    a city's districts 01–20 in their fifth and sixth digits, counties 21–80 and
    county-level cities 81–99."""
    return code[4:6].isdigit() and 1 <= int(code[4:6]) <= 20


def derive_population_type(
    *,
    hukou_code: str,
    residence_code: str,
    city_prefix: str,
    outflow: bool = False,
    typing: Typing = DEFAULT_TYPING,
) -> str:
    """户籍常住 when the household-registration place contains the residence (or, by the
    deployment's ``typing``, lies in the same street); 流入 when the registration place is
    outside the city or — with the county boundary — in another county of it, unless both
    places are districts of the city; 人户分离 otherwise. Defaults for 淮北: 濉溪 → 相山 is
    流入, 烈山 → 相山 is 人户分离, another community of the same street neither.

    ``outflow``: the record is 流出 (a local registered resident living outside the city,
    recorded by 外出登记); it stays so while its 户籍地 lies in the city, and takes the type
    its facts give once the 户籍地 is corrected to a place outside.

    A 户籍地 given only down to the county counts as 户籍常住 for anyone living in that
    county: the registry cannot tell finer than what was recorded.
    """
    if outflow and city_prefix and hukou_code.startswith(city_prefix):
        return PopulationType.OUTFLOW
    hukou_prefix = division_prefix(hukou_code)
    if residence_code.startswith(hukou_prefix):
        return PopulationType.RESIDENT
    if not hukou_code.startswith(city_prefix):
        return PopulationType.INFLOW
    if (
        typing.migrant == "county"
        and hukou_code[:6] != residence_code[:6]
        and not (is_city_district(hukou_code) and is_city_district(residence_code))
    ):
        return PopulationType.INFLOW
    if typing.separation == "street" and hukou_code[:9] == residence_code[:9]:
        return PopulationType.RESIDENT
    return PopulationType.SEPARATED


def served_at_residence(
    flow_in_date: datetime.date | None, today: datetime.date, typing: Typing = DEFAULT_TYPING
) -> bool:
    """Whether a migrant has lived here long enough (``typing.service_months``) for the
    services given by the residence (an unknown arrival date counts as not yet)."""
    if flow_in_date is None:
        return False
    months = (today.year - flow_in_date.year) * 12 + today.month - flow_in_date.month
    if today.day < flow_in_date.day:
        months -= 1
    return months >= typing.service_months


def landlord_kind(*, registered: bool, population_type: str = "") -> str:
    """How the rented-home register names a landlord: a registered person is 本地房东 unless
    they are themselves a migrant (流入: 外来房东); one known only by name and phone is
    "未在册房东" — often a local owner living elsewhere, so not called 外来."""
    if not registered:
        return str(_("未在册房东"))
    if population_type == PopulationType.INFLOW:
        return str(_("外来房东"))
    return str(_("本地房东"))


# The types whose records keep the 八个清楚 and are checked monthly (每月一查).
MIGRANT_TYPES = frozenset((PopulationType.INFLOW, PopulationType.OUTFLOW))


@functools.lru_cache(maxsize=50_000)
def name_keys(name: str) -> tuple[str, str]:
    """The pinyin initials and full pinyin a name is searched by (names repeat a lot: the
    import and the demo ask for every row)."""
    return pinyin_keys(name)


def eight_clear_rate(complete: int, migrants: int) -> int:
    """八个清楚 completeness in whole percent: the migrants whose eight facts are all known,
    of all migrants (流入 and 流出); 100 where there are none, as nothing is missing."""
    if migrants <= 0:
        return 100
    return (100 * complete) // migrants


def eight_clear_text(facts: Mapping[str, Any], *, today: datetime.date) -> str:
    """``eight_clear_missing`` as the record stores it: the keys joined by commas."""
    if facts.get("population_type") not in MIGRANT_TYPES:
        return ""
    return ",".join(eight_clear_missing(facts, today=today))


_FLOW_IN_LABELS = dict(FlowInReason.choices)


class EntryFlow(NamedTuple):
    """The flow that opens a person's record (``entry_flow``)."""

    kind: str
    date: datetime.date
    division: str | None  # where an arrival came from
    reason: str


def entry_flow(
    *,
    population_type: str,
    flow_in_date: datetime.date | None,
    flow_in_reason: str,
    hukou_code: str | None,
    today: datetime.date,
    reason: str = "",
    registered_on: datetime.date | None = None,
    registration: bool = True,
) -> EntryFlow | None:
    """人来登记 of an inflow migrant is an arrival: dated when they came (else the day of
    registering), from their 户籍地, for the reason they came. Anyone else's is a
    registration, dated ``registered_on`` (the day of registering, default today) with the
    registering reason; None when ``registration`` is off (an import, whose history row
    records when and from which file the record was made)."""
    if population_type == PopulationType.INFLOW:
        label = _FLOW_IN_LABELS.get(flow_in_reason, flow_in_reason or "")
        day = flow_in_date or registered_on or today
        return EntryFlow(Flow.Kind.ARRIVAL, day, hukou_code, str(label))
    if not registration:
        return None
    return EntryFlow(
        Flow.Kind.REGISTRATION, registered_on or flow_in_date or today, None, reason or ""
    )


def register_reason(reason: str) -> str:
    """The history reason of a person registered without one given."""
    return reason or str(_("人来登记"))


def destination_problem(
    code: str | None, *, city_prefix: str, outflow: bool, unknown: bool = False
) -> str | None:
    """Why a destination cannot be the one of a 迁出注销 (``outflow`` False) or a 外出登记:
    none given, or a place inside the city, where the record stays and moves instead.

    ``unknown`` is a 迁出注销 declared 去向不明: then no place may be given at all. A 外出登记
    cannot be 去向不明: the person is still served by the community, which must know where."""
    if unknown:
        if outflow:
            return str(_("外出登记必须填写去向地，不能登记为去向不明。"))
        if code:
            return str(_("已选择“去向不明”，请不要再填写去向地；知道去向的，请取消“去向不明”。"))
        return None
    if not code:
        return str(_("请选择去向地。"))
    if city_prefix and code.startswith(city_prefix):
        if outflow:
            return str(
                _(
                    "去向地在本市之内。外出登记只用于到本市以外居住；在本市内搬家的，"
                    "请办理“迁移”，或由新住址所在社区办理“市内迁入”。"
                )
            )
        return str(
            _(
                "去向地在本市之内。此人仍住在本市的，请不要注销：改用“迁移”，"
                "或由新住址所在社区办理“市内迁入”，记录保留在本市，不会重复建档。"
            )
        )
    return None


def eight_clear_missing(values: Mapping[str, Any], *, today: datetime.date) -> list[str]:
    """Which of the 八个清楚 facts a migrant's record still lacks ([] when all are clear, or
    when the person is not a migrant)."""
    population_type = values.get("population_type")
    if population_type not in MIGRANT_TYPES:
        return []
    missing = []
    if not values.get("name"):
        missing.append("name")
    if not values.get("hukou_division") or not values.get("hukou_address"):
        missing.append("hukou")
        missing.append("count")
    if population_type == PopulationType.INFLOW and not values.get("household"):
        missing.append("residence")
    if population_type == PopulationType.OUTFLOW and not (
        values.get("flow_out_division") or values.get("flow_out_address")
    ):
        missing.append("residence")
    adult = values.get("birth_date") and age_on(values["birth_date"], today) >= 18
    if adult and (not values.get("marital_status") or values.get("children_count") is None):
        missing.append("childbearing")
    if (
        values.get("marital_status") == MaritalStatus.MARRIED
        and values.get("birth_date")
        and is_wcba(values.get("sex", ""), values["birth_date"], today)
        and not values.get("contraception")
    ):
        missing.append("contraception")
    if (
        values.get("birth_date")
        and age_on(values["birth_date"], today) >= 16
        and not values.get("employment")
    ):
        missing.append("employment")
    if population_type == PopulationType.INFLOW and not values.get("flow_in_date"):
        missing.append("flow_dates")
    if population_type == PopulationType.OUTFLOW and not values.get("flow_out_date"):
        missing.append("flow_dates")
    return [key for key in EIGHT_CLEAR if key in missing]


def may_register_outflow(population_type: str) -> bool:
    """外出登记 is for people registered in the city who live here (户籍常住, 人户分离)."""
    return population_type in (PopulationType.RESIDENT, PopulationType.SEPARATED)


def checks_due(
    *,
    is_migrant: bool,
    last_monthly: datetime.date | None,
    last_quarterly: datetime.date | None,
    today: datetime.date,
) -> tuple[bool, bool]:
    """Whether an active person is due 每月一查 (migrants) and 每季度一核对 (everyone)."""
    monthly = is_migrant and (last_monthly is None or last_monthly < month_start(today))
    quarterly = last_quarterly is None or last_quarterly < quarter_start(today)
    return monthly, quarterly


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def quarter_start(day: datetime.date) -> datetime.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


# --- Couples and children ------------------------------------------------------------------


class MarriageFacts(Protocol):
    """What the marital-status rule reads of a marriage (a ``Marriage`` row fits)."""

    married_on: datetime.date | None
    end_reason: str
    ended_on: datetime.date | None


def marital_status_of(
    marriages: Iterable[MarriageFacts], stated: str = "", *, died_on: datetime.date | None = None
) -> str:
    """婚姻状况 derived from a person's marriage records: one in force → 已婚; else the
    latest that ended → 离婚 or 丧偶; annulled marriages never count (void from the start).
    A deceased person (``died_on``) whose marriage ended by their own death stays 已婚, as
    they were. With no record at all, what registration or the import stated (``stated``,
    else 未婚): a person registered as married whose spouse is not recorded yet."""
    records = list(marriages)
    if not records:
        return stated or MaritalStatus.SINGLE
    valid = [m for m in records if m.end_reason != "annulment"]
    if not valid:
        return MaritalStatus.SINGLE
    if any(not m.end_reason for m in valid):
        return MaritalStatus.MARRIED
    never = datetime.date.min
    latest = max(valid, key=lambda m: (m.ended_on or m.married_on or never, m.married_on or never))
    if latest.end_reason == "divorce":
        return MaritalStatus.DIVORCED
    if died_on is not None and latest.ended_on == died_on:
        return MaritalStatus.MARRIED  # the marriage ended by this person's death
    return MaritalStatus.WIDOWED


def marriage_date_of(marriages: Iterable[MarriageFacts]) -> datetime.date | None:
    """结婚日期 on the person's record: that of the marriage in force (None without one)."""
    return next((m.married_on for m in marriages if not m.end_reason), None)


class ChildFacts(Protocol):
    is_living: bool
    death_date: datetime.date | None


def children_count_of(children: Iterable[ChildFacts], stated: int | None = None) -> int | None:
    """现有子女数: the living children recorded on the person (as mother or father); with no
    child recorded, the number stated at registration or import (None: not yet verified)."""
    rows = list(children)
    if not rows:
        return stated
    return sum(1 for c in rows if c.is_living and c.death_date is None)


def birth_certificate_problem(number: str) -> str:
    """Why a 出生医学证明编号 is not one ('' when it is): a letter and 9 digits since 2014,
    older forms 7–12 digits; stored upper-case."""
    value = (number or "").strip().upper()
    if not value:
        return str(_("请填写出生医学证明编号。"))
    if not (len(value) in range(7, 13) and value[0].isalnum() and value[1:].isdigit()):
        return str(_("出生医学证明编号应为字母加数字（如 P340123456）。"))
    return ""


HONOR_CERTIFICATE_LAST_BIRTH = datetime.date(2015, 12, 31)


def honor_certificate_problem(child_births: Iterable[datetime.date]) -> str:
    """Why a 独生子女父母光荣证 cannot be recorded for a couple with these children ('' when
    it can): none is issued for a child born after 2015 (the two-child policy from 2016), so
    a couple records one only with a child born by then."""
    births = list(child_births)
    if not births:
        return str(_("没有子女记录的夫妻不能登记光荣证。"))
    if min(births) > HONOR_CERTIFICATE_LAST_BIRTH:
        return str(_("2016年1月1日以后出生的子女不再发放独生子女父母光荣证。"))
    return ""


# --- Newcomers found on a visit ----------------------------------------------------------


class Newcomer(NamedTuple):
    """Someone a 每月一查 found living in a home, not registered yet, as the worker noted
    them: a name and, when noted, an identity number (either may be missing)."""

    name: str
    id_number: str


_NEWCOMER_SPLIT = re.compile(r"[，,、；;/\n]+")
_NEWCOMER_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_NEWCOMER_NAME = re.compile(r"[\u3400-\u9fff·]{2,10}")


def newcomers_of(text: str) -> list[Newcomer]:
    """The newcomers of a visit's free text (“张三 340603199001011234，李四”): one per
    piece between separators, its first run of Chinese characters the name and an
    18-character number the identity number; pieces with neither are left out."""
    found = []
    for piece in _NEWCOMER_SPLIT.split(text or ""):
        number = _NEWCOMER_ID.search(piece)
        name = _NEWCOMER_NAME.search(_NEWCOMER_ID.sub(" ", piece))
        if number or name:
            found.append(
                Newcomer(name.group() if name else "", number.group().upper() if number else "")
            )
    return found
