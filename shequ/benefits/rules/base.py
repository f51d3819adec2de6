"""What the programmes share: the programmes and outcomes, the rulebook keys, the facts a
rule is asked about, a condition's result (``Check``) and a person's (``Result``), where a
person is paid, and the small checks more than one programme makes."""

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy

# The reasons are a record kept in Chinese, as the list was confirmed (a row frozen in 2026
# reads the same later, whatever the language of the page): marked for the catalogue, not
# looked up per person (a district's 60,000 lookups cost more than the rules themselves).
from django.utils.translation import gettext_noop as _

RULE_PROGRAMME = "benefits"  # the rulebook's programme of every benefit setting


class Programme(models.TextChoices):
    REWARD = "reward_assistance", gettext_lazy("农村部分计划生育家庭奖励扶助")
    SPECIAL = "special_assistance", gettext_lazy("计划生育家庭特别扶助")
    ONLY_CHILD = "only_child_reward", gettext_lazy("独生子女父母奖励费")


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", gettext_lazy("符合")
    INELIGIBLE = "ineligible", gettext_lazy("不符合")
    PENDING = "pending", gettext_lazy("待核实")


# A condition's result: met, not met, or not known from the registry (a declaration or a
# registry fact is missing: the person is "pending" until someone records it).
OK, FAIL, UNKNOWN = "ok", "fail", "unknown"

# Facts the registry cannot know, recorded as a declaration or a confirmation by staff
# (``Confirmation``): the key, the programme it serves, what it says.
CONFIRMATION_KEYS: dict[str, tuple[str, Any]] = {
    "no_violation_1973_2001": (
        Programme.REWARD,
        gettext_lazy("1973年至2001年间无违反计划生育法律法规和政策规定生育"),
    ),
    "spouse_rural": (Programme.REWARD, gettext_lazy("配偶为农业户口（配偶不在本库，经核实）")),
    "spouse_birth_date": (
        Programme.SPECIAL,
        gettext_lazy("女方出生日期已核实（配偶不在本库，按身份证件）"),
    ),
}

CONFIRMATION_KEY_CHOICES = [(key, label) for key, (_programme, label) in CONFIRMATION_KEYS.items()]

# The rulebook keys each programme reads (``<programme>.<key>``) with what they mean.
RULES: dict[str, tuple[str, ...]] = {
    Programme.REWARD: ("annual_amount", "min_age", "born_after", "payment_periods"),
    Programme.SPECIAL: (
        "min_woman_age",
        "born_after",
        "only_child_born_by",
        "disability_grades",
        "monthly_urban_disability",
        "monthly_urban_death",
        "monthly_rural_disability",
        "monthly_rural_death",
        "payment_periods",
    ),
    Programme.ONLY_CHILD: ("monthly_amount", "max_child_age", "child_born_by", "payment_periods"),
}


def rule_key(programme: str, key: str) -> str:
    return f"{programme}.{key}"


# --- Facts ---------------------------------------------------------------------------------


@dataclass(slots=True)
class ChildFact:
    sex: str
    birth_date: datetime.date
    living: bool
    death_date: datetime.date | None = None
    disability_grade: str = ""


@dataclass(slots=True)
class SpouseFact:
    """The spouse of the marriage in force: a registry person (wherever they live) or
    someone outside the registry (``registry`` false: name and identity number only)."""

    name: str
    registry: bool
    birth_date: datetime.date | None = None
    hukou_nature: str = ""
    residence: str = ""  # the unit code where a registry spouse lives
    alive: bool = True


@dataclass(slots=True)
class CertificateFact:
    """独生子女父母光荣证 on one of the person's marriages; ``payee``: the parent the fee is
    paid to (the mother when she is in the registry, else the father)."""

    number: str
    issued_on: datetime.date | None
    payee: bool


@dataclass(slots=True)
class PersonFacts:
    person_id: int
    name: str
    sex: str
    birth_date: datetime.date
    hukou: str  # the 户籍地 division code
    hukou_nature: str
    residence: str  # the unit code where the person lives
    spouse: SpouseFact | None = None
    children: tuple[ChildFact, ...] = ()
    certificate: CertificateFact | None = None
    confirmations: Mapping[str, bool] = field(default_factory=dict)


class Check(NamedTuple):
    code: str
    outcome: str  # OK, FAIL, UNKNOWN
    text: str


@dataclass
class Result:
    """One person's answer for one programme and year."""

    person_id: int
    outcome: str
    checks: list[Check]
    category: str = ""  # rural / urban_disability / urban_death / rural_disability …
    amount: Decimal | None = None  # for the year, per person
    rules: dict[str, Any] = field(default_factory=dict)  # the rule values used

    @property
    def reasons(self) -> list[dict[str, str]]:
        return [{"code": c.code, "outcome": c.outcome, "text": c.text} for c in self.checks]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.outcome != OK]


# --- Where a person is paid ------------------------------------------------------------


def precise_division(code: str) -> bool:
    """Whether a 户籍地 code names a street (乡镇/街道) or a place below it."""
    return len(code) >= 9 and code[6:9] != "000"


def paying_place(*, hukou: str, residence: str) -> str:
    """The code of the place whose list a person is on: benefits are paid where the person
    is registered (户籍地). A 户籍地 known only to its county, with the person living in
    that county, is taken as where they live; otherwise the 户籍地 (which may be outside
    the deployment: no list of ours holds the person then)."""
    if precise_division(hukou):
        return hukou
    if hukou[:6] and hukou[:6] == residence[:6]:
        return residence
    return hukou


# A check's words depend on a few values many persons share (a district's 100,000 persons
# have a few hundred places, a few thousand birth dates, a handful of ages): each check is
# built once per value and shared (a ``Check`` is immutable), not formatted per person.
_shared = functools.lru_cache(maxsize=65536)


def _local(facts: PersonFacts, unit_prefix: str) -> Check:
    place = paying_place(hukou=facts.hukou, residence=facts.residence)
    return _local_check(facts.hukou, place.startswith(unit_prefix))


@_shared
def _local_check(hukou: str, inside: bool) -> Check:
    if inside:
        return Check("local", OK, _("户籍在本辖区（%(code)s）") % {"code": hukou})
    return Check(
        "local",
        FAIL,
        _("户籍不在本辖区，由户籍地审核发放（户籍地代码 %(code)s）") % {"code": hukou},
    )


# --- Small helpers ---------------------------------------------------------------------


def _date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else _iso_date(str(value))


@functools.cache
def _iso_date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@functools.cache  # a rule's amount, the same for every person of a place
def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@functools.cache
def year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def _nature_words(nature: str) -> str:
    return {
        "agricultural": _("农业户口"),
        "non_agri": _("非农业户口"),
        "unified": _("居民户口（统一登记后）"),
    }.get(nature, _("未登记"))


@functools.cache
def _confirmation_label(key: str, language: str) -> str:
    with translation.override(language):
        return str(CONFIRMATION_KEYS[key][1])


def _confirmation(facts: PersonFacts, key: str, code: str) -> Check:
    return _confirmation_check(key, code, facts.confirmations.get(key))


@_shared
def _confirmation_check(key: str, code: str, value: bool | None) -> Check:
    label = _confirmation_label(key, "zh-hans")
    if value is None:
        return Check(code, UNKNOWN, _("待登记承诺/核实：%(what)s") % {"what": label})
    if value:
        return Check(code, OK, _("已登记承诺/核实：%(what)s") % {"what": label})
    return Check(code, FAIL, _("经核实不符合：%(what)s") % {"what": label})


def _born_after(facts: PersonFacts, since: datetime.date) -> Check:
    return _born_after_check(since, None if facts.birth_date >= since else facts.birth_date)


@_shared
def _born_after_check(since: datetime.date, before: datetime.date | None) -> Check:
    """``before``: the birth date when it is before ``since`` (the words name it)."""
    if before is None:
        return Check("born_after", OK, _("%(date)s 以后出生") % {"date": since.isoformat()})
    return Check(
        "born_after",
        FAIL,
        _("%(date)s 以前出生（%(birth)s）")
        % {"date": since.isoformat(), "birth": before.isoformat()},
    )


def _outcome(checks: list[Check]) -> str:
    found = {c.outcome for c in checks}
    if FAIL in found:
        return Outcome.INELIGIBLE
    if UNKNOWN in found:
        return Outcome.PENDING
    return Outcome.ELIGIBLE


# --- Payments ------------------------------------------------------------------------------


def periods(year: int, count: int) -> list[str]:
    """The payment periods of a year: 2026; 2026-H1 …; 2026-Q1 …; 2026-01 …"""
    if count == 2:
        return [f"{year}-H1", f"{year}-H2"]
    if count == 4:
        return [f"{year}-Q{q}" for q in range(1, 5)]
    if count == 12:
        return [f"{year}-{m:02d}" for m in range(1, 13)]
    return [str(year)]


def split(amount: Decimal, count: int) -> list[Decimal]:
    """An amount in ``count`` equal parts to the fen; the last takes the rounding."""
    part = (amount / count).quantize(Decimal("0.01"))
    return [part] * (count - 1) + [amount - part * (count - 1)]
