"""The three programmes' conditions, one evaluator each, and ``evaluate`` which picks one."""

import datetime
from collections.abc import Mapping
from typing import Any

# The reasons are a record kept in Chinese, as the list was confirmed (a row frozen in 2026
# reads the same later, whatever the language of the page): marked for the catalogue, not
# looked up per person (a district's 60,000 lookups cost more than the rules themselves).
from django.utils.translation import gettext_noop as _

from shequ.benefits.rules.base import (
    FAIL,
    OK,
    UNKNOWN,
    Check,
    ChildFact,
    PersonFacts,
    Programme,
    Result,
    _born_after,
    _confirmation,
    _date,
    _local,
    _money,
    _nature_words,
    _outcome,
    _shared,
    year_end,
)
from shequ.registry.rules import age_on

# --- 农村部分计划生育家庭奖励扶助 ------------------------------------------------------------


def _children_for_reward(children: tuple[ChildFact, ...]) -> Check:
    """现存一个子女，或两个女孩，或子女死亡现无子女 (国办发〔2004〕21号)."""
    living = [c for c in children if c.living]
    girls = all(c.sex == "F" for c in living)
    return _children_check(bool(children), len(living), girls)


@_shared
def _children_check(any_child: bool, living: int, girls: bool) -> Check:
    """``living``: how many children live; ``girls``: all of them are girls."""
    if not any_child:
        return Check("children", FAIL, _("无生育子女记录"))
    if living == 1:
        return Check("children", OK, _("现存一个子女"))
    if living == 2 and girls:
        return Check("children", OK, _("现存两个女孩"))
    if not living:
        return Check("children", OK, _("子女死亡，现无子女"))
    return Check(
        "children",
        FAIL,
        _("现存子女 %(n)d 个（须现存一个子女或两个女孩或子女死亡现无子女）") % {"n": living},
    )


def evaluate_reward(
    facts: PersonFacts, *, year: int, unit_prefix: str, rules: Mapping[str, Any]
) -> Result:
    """奖励扶助: both spouses rural hukou, no policy-violating birth 1973–2001 (a
    declaration), one child or two girls or none left, born after 1933-01-01, aged 60+."""
    min_age = int(rules["min_age"])
    checks = [
        _local(facts, unit_prefix),
        _born_after(facts, _date(rules["born_after"])),
        _age_check(year, age_on(facts.birth_date, year_end(year)), min_age),
        _rural_check(facts.hukou_nature),
    ]
    spouse = facts.spouse
    if spouse is None or spouse.registry:
        checks.append(_spouse_rural_check(None if spouse is None else spouse.hukou_nature))
    else:
        checks.append(_confirmation(facts, "spouse_rural", "spouse_rural"))
    checks.append(_children_for_reward(facts.children))
    checks.append(_confirmation(facts, "no_violation_1973_2001", "no_violation"))
    outcome = _outcome(checks)
    return Result(
        facts.person_id,
        outcome,
        checks,
        category="rural",
        amount=_money(rules["annual_amount"]),
    )


@_shared
def _age_check(year: int, age: int, min_age: int) -> Check:
    if age >= min_age:
        return Check("age", OK, _("%(year)s 年底满 %(age)d 周岁") % {"year": year, "age": age})
    return Check(
        "age",
        FAIL,
        _("%(year)s 年底 %(age)d 周岁，未满 %(min)d 周岁")
        % {"year": year, "age": age, "min": min_age},
    )


@_shared
def _rural_check(nature: str) -> Check:
    if nature == "agricultural":
        return Check("rural", OK, _("本人为农业户口"))
    if nature == "non_agri":
        return Check("rural", FAIL, _("本人为非农业户口"))
    return Check(
        "rural",
        UNKNOWN,
        _("本人户口性质需核实（%(nature)s）") % {"nature": _nature_words(nature)},
    )


@_shared
def _spouse_rural_check(nature: str | None) -> Check:
    """``nature``: the registry spouse's 户口性质; None: no spouse in force."""
    if nature is None:
        return Check("spouse_rural", OK, _("无在婚配偶（丧偶、离婚或未婚）"))
    if nature == "agricultural":
        return Check("spouse_rural", OK, _("配偶为农业户口"))
    if nature == "non_agri":
        return Check("spouse_rural", FAIL, _("配偶为非农业户口"))
    return Check(
        "spouse_rural",
        UNKNOWN,
        _("配偶户口性质需核实（%(nature)s）") % {"nature": _nature_words(nature)},
    )


# --- 计划生育家庭特别扶助 -------------------------------------------------------------------


def _woman_birth(facts: PersonFacts) -> tuple[datetime.date | None, str]:
    """The woman of the couple: the person herself, or the wife (a registry spouse, or the
    birth date in an outside wife's identity number), or the child's mother."""
    if facts.sex == "F":
        return facts.birth_date, "self"
    if facts.spouse is not None and facts.spouse.birth_date is not None:
        return facts.spouse.birth_date, "spouse"
    return None, ""


def evaluate_special(
    facts: PersonFacts, *, year: int, unit_prefix: str, rules: Mapping[str, Any]
) -> Result:
    """特别扶助: parents born after 1933-01-01, the woman 49+, one child born or adopted, who
    died or has a disability of grade 3 or worse, no later birth or adoption."""
    checks = [_local(facts, unit_prefix), _born_after(facts, _date(rules["born_after"]))]
    min_age = int(rules["min_woman_age"])
    birth, whose = _woman_birth(facts)
    if birth is None:
        if facts.spouse is not None and not facts.spouse.registry:
            checks.append(_confirmation(facts, "spouse_birth_date", "woman_age"))
        else:
            checks.append(Check("woman_age", UNKNOWN, _("女方出生日期不详，需核实")))
    else:
        age = age_on(birth, year_end(year))
        who = _("本人") if whose == "self" else _("女方（配偶）")
        if age >= min_age:
            checks.append(
                Check(
                    "woman_age",
                    OK,
                    _("%(who)s %(year)s 年底满 %(age)d 周岁")
                    % {"who": who, "year": year, "age": age},
                )
            )
        else:
            checks.append(
                Check(
                    "woman_age",
                    FAIL,
                    _("%(who)s %(year)s 年底 %(age)d 周岁，未满 %(min)d 周岁")
                    % {"who": who, "year": year, "age": age, "min": min_age},
                )
            )
    children = facts.children
    category = ""
    if len(children) != 1:
        checks.append(
            Check(
                "one_child",
                FAIL,
                _("生育（收养）子女 %(n)d 个，须只生育或合法收养一个子女") % {"n": len(children)},
            )
            if children
            else Check("one_child", FAIL, _("无生育子女记录"))
        )
    else:
        child = children[0]
        checks.append(Check("one_child", OK, _("只生育一个子女，此后未再生育或收养")))
        born_by = rules.get("only_child_born_by")
        if born_by and child.birth_date > _date(born_by):
            checks.append(
                Check(
                    "child_born_by",
                    FAIL,
                    _("子女出生于 %(birth)s，晚于 %(date)s（不属独生子女家庭）")
                    % {"birth": child.birth_date.isoformat(), "date": _date(born_by).isoformat()},
                )
            )
        grades = [str(g) for g in rules.get("disability_grades", ["1", "2", "3"])]
        if not child.living:
            category = "death"
            when = child.death_date.isoformat() if child.death_date else _("日期不详")
            checks.append(Check("child_state", OK, _("子女已死亡（%(when)s）") % {"when": when}))
        elif child.disability_grade in grades:
            category = "disability"
            checks.append(
                Check(
                    "child_state",
                    OK,
                    _("子女为%(grade)s级残疾") % {"grade": child.disability_grade},
                )
            )
        else:
            words = (
                _("子女为%(grade)s级残疾，未达三级以上") % {"grade": child.disability_grade}
                if child.disability_grade
                else _("子女健在且无残疾登记")
            )
            checks.append(Check("child_state", FAIL, words))
    amount = None
    if facts.hukou_nature == "agricultural":
        area = "rural"
    elif facts.hukou_nature in ("non_agri", "unified"):
        area = "urban"
    else:
        area = ""
        checks.append(Check("area", UNKNOWN, _("户口性质未登记：城镇或农村标准无法确定")))
    if area and category:
        monthly = _money(rules[f"monthly_{area}_{category}"])
        amount = monthly * 12
        category = f"{area}_{category}"
    return Result(facts.person_id, _outcome(checks), checks, category=category, amount=amount)


# --- 独生子女父母奖励费 ---------------------------------------------------------------------


def months_under_age(
    child_birth: datetime.date, since: datetime.date | None, year: int, max_age: int
) -> int:
    """The months of ``year`` from the certificate's month on, before the month in which
    the child turns ``max_age`` (paid "from issue until the child is 18")."""
    limit = (
        child_birth.replace(year=child_birth.year + max_age)
        if not (child_birth.month == 2 and child_birth.day == 29)
        else datetime.date(child_birth.year + max_age, 3, 1)
    )
    count = 0
    for month in range(1, 13):
        first = datetime.date(year, month, 1)
        if since is not None and first < since.replace(day=1):
            continue
        if first >= limit.replace(day=1):
            continue
        count += 1
    return count


def evaluate_only_child(
    facts: PersonFacts, *, year: int, unit_prefix: str, rules: Mapping[str, Any]
) -> Result:
    """独生子女父母奖励费: a 光荣证 on the couple's marriage, for an only child born by
    2015-12-31, paid monthly until the child is 18; a later child ends it from the next
    year (nothing reclaimed)."""
    checks = [_local(facts, unit_prefix)]
    certificate = facts.certificate
    amount = None
    if certificate is None:
        checks.append(Check("certificate", FAIL, _("未登记独生子女父母光荣证")))
        return Result(facts.person_id, _outcome(checks), checks)
    when = certificate.issued_on.isoformat() if certificate.issued_on else _("日期不详")
    checks.append(
        Check(
            "certificate",
            OK,
            _("持独生子女父母光荣证 %(number)s（%(when)s）")
            % {"number": certificate.number, "when": when},
        )
    )
    ordered = sorted(facts.children, key=lambda c: c.birth_date)
    if not ordered:
        checks.append(Check("child", UNKNOWN, _("未登记子女，无法确定独生子女年龄")))
        return Result(facts.person_id, _outcome(checks), checks)
    only = ordered[0]
    born_by = _date(rules["child_born_by"])
    if only.birth_date > born_by:
        checks.append(
            Check(
                "child_born_by",
                FAIL,
                _("子女出生于 %(birth)s，%(date)s 以后出生的不再享受")
                % {"birth": only.birth_date.isoformat(), "date": born_by.isoformat()},
            )
        )
    later = [c for c in ordered[1:] if c.birth_date.year < year]
    if later:
        checks.append(
            Check(
                "no_later_child",
                FAIL,
                _("%(year)s 年再生育子女，自次年起停发") % {"year": later[0].birth_date.year},
            )
        )
    else:
        checks.append(Check("no_later_child", OK, _("未再生育子女")))
    max_age = int(rules["max_child_age"])
    months = months_under_age(only.birth_date, certificate.issued_on, year, max_age)
    if months:
        checks.append(
            Check(
                "child_age",
                OK,
                _("%(year)s 年子女未满 %(age)d 周岁的月数：%(m)d")
                % {"year": year, "age": max_age, "m": months},
            )
        )
        amount = _money(rules["monthly_amount"]) * months
    else:
        checks.append(
            Check(
                "child_age",
                FAIL,
                _("子女于 %(year)s 年前已满 %(age)d 周岁") % {"year": year, "age": max_age},
            )
        )
    if certificate.payee:
        checks.append(Check("payee", OK, _("由本人领取（按对发放）")))
    else:
        checks.append(Check("payee", FAIL, _("奖励费按对发放，由配偶（母亲）领取")))
    return Result(facts.person_id, _outcome(checks), checks, category="couple", amount=amount)


EVALUATORS: dict[str, Any] = {
    Programme.REWARD: evaluate_reward,
    Programme.SPECIAL: evaluate_special,
    Programme.ONLY_CHILD: evaluate_only_child,
}


def evaluate(
    programme: str, facts: PersonFacts, *, year: int, unit_prefix: str, rules: Mapping[str, Any]
) -> Result:
    """One person's answer for a programme and year; ``rules``: the values in force there."""
    result = EVALUATORS[programme](facts, year=year, unit_prefix=unit_prefix, rules=rules)
    result.rules = dict(rules)
    return result
