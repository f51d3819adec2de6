"""Eligibility against hand-computed cases: each programme, each condition that fails, the
couple with a spouse living elsewhere or outside the registry, a child born after
2015-12-31, a dead child, disability grades; the amounts from the rulebook; the query count
constant whatever the number of persons."""

import datetime
from decimal import Decimal

import pytest

from shequ.benefits import rules, services
from shequ.benefits.eligibility import eligibility
from shequ.registry import services as registry_services
from shequ.rulebook import services as rulebook_services
from tests.benefits.conftest import YEAR, child, cn, couple, marry, resident
from tests.factories import DUJI, make_building, make_household

pytestmark = pytest.mark.django_db
D = datetime.date


def answers(unit, programme, *, persons=None, year=YEAR):
    found = eligibility(
        unit=unit,
        year=year,
        programme=programme,
        person_ids=None if persons is None else [p.pk for p in persons],
    )
    return {a.person["id"]: a.result for a in found.answers}


def failed(result) -> dict[str, str]:
    return {c.code: c.outcome for c in result.checks if c.outcome != "ok"}


def declare(person, value=True, key="no_violation_1973_2001"):
    return services.confirmation_record(actor=None, person=person, key=key, value=value)


# --- 奖励扶助 -----------------------------------------------------------------------------------


def test_reward_rural_couple_with_one_child_each_gets_960(tree, rural_couple):
    husband, wife = rural_couple
    declare(husband)
    declare(wife)
    found = answers(tree.street, "reward_assistance")
    for person in (husband, wife):
        result = found[person.pk]
        assert result.outcome == "eligible", result.reasons
        assert result.amount == Decimal("960.00")
        texts = [c.text for c in result.checks]
        assert "现存一个子女" in texts
        assert "配偶为农业户口" in texts


def test_reward_without_the_declaration_is_pending_and_says_what_is_missing(tree, rural_couple):
    husband, _wife = rural_couple
    result = answers(tree.street, "reward_assistance")[husband.pk]
    assert result.outcome == "pending"
    assert failed(result) == {"no_violation": "unknown"}
    assert "待登记承诺/核实" in result.checks[-1].text


def test_a_declared_violation_makes_the_person_ineligible(tree, rural_couple):
    husband, _wife = rural_couple
    declare(husband, value=False)
    result = answers(tree.street, "reward_assistance")[husband.pk]
    assert result.outcome == "ineligible"
    assert failed(result) == {"no_violation": "fail"}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("born_before_1933", {"born_after": "fail"}),
        ("under_60", {"age": "fail"}),
        ("urban_self", {"rural": "fail"}),
        ("urban_spouse", {"spouse_rural": "fail"}),
        ("three_children", {"children": "fail"}),
        ("two_boys", {"children": "fail"}),
        ("hukou_elsewhere", {"local": "fail"}),
        ("nature_unknown", {"rural": "unknown"}),
    ],
)
def test_reward_each_failing_condition(case, expected, tree):
    husband_born, wife_born = D(1958, 1, 1), D(1959, 1, 1)
    if case == "born_before_1933":
        wife_born = D(1932, 12, 31)
    if case == "under_60":
        wife_born = D(1967, 1, 1)  # 59 at the end of 2026
    wife_nature = {"urban_self": "non_agri", "nature_unknown": ""}.get(case)
    husband, wife = couple(
        tree.grid_a1,
        husband_born=husband_born,
        wife_born=wife_born,
        wife_nature=wife_nature,
        wife_hukou="340102000000" if case == "hukou_elsewhere" else None,  # 合肥市瑶海区
    )
    if case == "urban_spouse":
        registry_services.person_set_hukou_nature(
            actor=None, person=husband, nature="non_agri", reason="核实"
        )
    kids = {"three_children": ["F", "M", "M"], "two_boys": ["M", "M"]}.get(case, ["F", "F"])
    for index, sex in enumerate(kids):
        child(wife, born=D(1984 + index * 2, 5, 5), sex=sex)
    declare(wife)
    result = answers(tree.street, "reward_assistance", persons=[wife])[wife.pk]
    assert failed(result) == expected
    assert result.outcome == ("pending" if "unknown" in expected.values() else "ineligible")


def test_reward_two_living_girls_and_all_children_dead_qualify(tree):
    _h, two_girls = couple(tree.grid_a1, husband_born=D(1955, 1, 1), wife_born=D(1956, 1, 1))
    child(two_girls, born=D(1980, 1, 1), sex="F")
    child(two_girls, born=D(1983, 1, 1), sex="F")
    _h2, none_left = couple(
        tree.grid_a2, husband_born=D(1955, 2, 1), wife_born=D(1956, 2, 1), names=("赵甲", "钱乙")
    )
    child(none_left, born=D(1980, 1, 1), sex="M", death_date=D(2000, 1, 1))
    for person in (two_girls, none_left):
        declare(person)
    found = answers(tree.street, "reward_assistance")
    assert [c.text for c in found[two_girls.pk].checks if c.code == "children"] == ["现存两个女孩"]
    assert [c.text for c in found[none_left.pk].checks if c.code == "children"] == [
        "子女死亡，现无子女"
    ]
    assert found[none_left.pk].outcome == "eligible"


def test_reward_spouse_living_in_another_district_is_judged_from_her_record(tree, rural_couple):
    """The husband lives in 丽景社区; his wife lives and is registered in 杜集区 (another
    district of the city): his list reads her hukou nature from her own record, and she is on
    the list of the place where she is registered, not his."""
    husband = resident(tree.grid_a1, name="孙远", sex="M", born=D(1959, 1, 1))
    home = make_household(make_building(tree.community_c, "水泥厂3号楼"), "301")
    wife = resident(
        tree.community_c, name="周近", sex="F", born=D(1960, 1, 1), hukou=DUJI, home=home
    )
    marry(husband, wife)
    child(wife, born=D(1986, 1, 1))
    declare(husband)
    declare(wife)
    street = answers(tree.street, "reward_assistance")
    assert street[husband.pk].outcome == "eligible"
    assert wife.pk not in street
    other = answers(tree.other_street, "reward_assistance")
    assert other[wife.pk].outcome == "eligible"
    # Her record says she is urban now: his answer changes with it.
    registry_services.person_set_hukou_nature(
        actor=None, person=wife, nature="non_agri", reason="核实"
    )
    assert failed(answers(tree.street, "reward_assistance")[husband.pk]) == {"spouse_rural": "fail"}


def test_reward_spouse_outside_the_registry_needs_a_confirmation(tree):
    wife = resident(tree.grid_a1, name="吴外嫁", sex="F", born=D(1958, 1, 1))
    marry(None, wife, husband_name="郑在外")
    child(wife, born=D(1985, 1, 1))
    declare(wife)
    result = answers(tree.street, "reward_assistance")[wife.pk]
    assert failed(result) == {"spouse_rural": "unknown"}
    declare(wife, key="spouse_rural")
    assert answers(tree.street, "reward_assistance")[wife.pk].outcome == "eligible"


def test_reward_amount_comes_from_the_rulebook_by_region_and_year(tree, rural_couple):
    husband, _wife = rural_couple
    declare(husband)
    rulebook_services.setting_create(
        actor=None,
        programme="benefits",
        key="reward_assistance.annual_amount",
        value=1200,
        region_prefix="340603",
        valid_from=D(2026, 1, 1),
        reason="相山区提高标准",
    )
    assert answers(tree.street, "reward_assistance")[husband.pk].amount == Decimal("1200.00")
    assert answers(tree.street, "reward_assistance", year=2025)[husband.pk].amount == Decimal(
        "960.00"
    )


# --- 特别扶助 -----------------------------------------------------------------------------------


def test_special_parents_of_an_only_child_who_died(tree):
    husband, wife = couple(tree.grid_a1, husband_born=D(1968, 1, 1), wife_born=D(1970, 3, 3))
    child(wife, born=D(1995, 1, 1), death_date=D(2012, 6, 1))
    found = answers(tree.street, "special_assistance")
    for person in (husband, wife):
        result = found[person.pk]
        assert result.outcome == "eligible", result.reasons
        assert result.category == "rural_death"
        assert result.amount == Decimal("170.00") * 12
    registry_services.person_set_hukou_nature(
        actor=None, person=wife, nature="non_agri", reason="核实"
    )
    urban = answers(tree.street, "special_assistance")
    assert urban[wife.pk].category == "urban_death"
    assert urban[wife.pk].amount == Decimal("4080.00")


@pytest.mark.parametrize(
    ("grade", "outcome"), [("1", "eligible"), ("3", "eligible"), ("4", "ineligible")]
)
def test_special_disability_grade_three_or_worse(grade, outcome, tree):
    _husband, wife = couple(
        tree.grid_a1, husband_born=D(1968, 1, 1), wife_born=D(1970, 3, 3), nature="non_agri"
    )
    child(wife, born=D(1996, 1, 1), disability_grade=grade)
    result = answers(tree.street, "special_assistance")[wife.pk]
    assert result.outcome == outcome
    if outcome == "eligible":
        assert result.amount == Decimal("270.00") * 12
    else:
        assert failed(result) == {"child_state": "fail"}


def test_special_each_failing_condition(tree):
    """The woman under 49; a second child; an only child born after 2015-12-31."""
    _h1, young = couple(
        tree.grid_a1, husband_born=D(1978, 1, 1), wife_born=D(1980, 1, 1), names=("甲夫", "甲妻")
    )
    child(young, born=D(2003, 1, 1), death_date=D(2010, 1, 1))
    _h2, two = couple(
        tree.grid_a2, husband_born=D(1960, 1, 1), wife_born=D(1962, 1, 1), names=("乙夫", "乙妻")
    )
    child(two, born=D(1985, 1, 1), death_date=D(2001, 1, 1))
    child(two, born=D(1990, 1, 1))
    _h3, late = couple(
        tree.community_b,
        husband_born=D(1975, 1, 1),
        wife_born=D(1976, 1, 1),
        names=("丙夫", "丙妻"),
    )
    child(late, born=D(2016, 3, 1), death_date=D(2020, 1, 1))
    found = answers(tree.street, "special_assistance")
    assert failed(found[young.pk]) == {"woman_age": "fail"}
    assert failed(found[two.pk]) == {"one_child": "fail"}
    assert failed(found[late.pk]) == {"child_born_by": "fail"}


def test_special_husband_with_a_wife_outside_the_registry_takes_her_age_from_her_number(tree):
    from tests.factories import id_number

    husband = resident(tree.grid_a1, name="冯独居", sex="M", born=D(1966, 1, 1))
    registry_services.marriage_record(
        actor=None,
        husband=husband,
        wife=None,
        values={
            "married_on": D(1990, 1, 1),
            "wife_name": "陈外地",
            "wife_id_number": id_number(D(1969, 5, 5), "F", "340621"),
        },
    )
    child(husband, born=D(1992, 1, 1), death_date=D(2015, 1, 1))
    result = answers(tree.street, "special_assistance")[husband.pk]
    assert result.outcome == "eligible", result.reasons
    assert any("女方（配偶）" in c.text for c in result.checks)


# --- 独生子女父母奖励费 ---------------------------------------------------------------------------


WIFE_BORN, ISSUED = D(1980, 1, 1), D(2011, 3, 1)


def _honor(unit, *, child_born, names, wife_born=WIFE_BORN, issued=ISSUED):
    husband, wife = couple(
        unit, husband_born=D(wife_born.year - 2, 1, 1), wife_born=wife_born, names=names
    )
    child(wife, born=child_born)
    marriage = registry_services.marriage_in_force(wife)
    registry_services.marriage_update(
        actor=None,
        marriage=marriage,
        values={"honor_certificate_number": f"HB{names[0]}", "honor_certificate_date": issued},
        reason="登记原证",
    )
    return husband, wife


def test_only_child_reward_is_paid_to_the_mother_month_by_month_until_18(tree):
    husband, wife = _honor(tree.grid_a1, child_born=D(2010, 6, 6), names=("何父", "何母"))
    _h2, turning = _honor(
        tree.grid_a2, child_born=D(2008, 5, 10), names=("韩父", "韩母"), wife_born=D(1979, 1, 1)
    )
    found = answers(tree.street, "only_child_reward")
    assert found[wife.pk].outcome == "eligible"
    assert found[wife.pk].amount == Decimal("120.00")  # 12 months × 10
    assert failed(found[husband.pk]) == {"payee": "fail"}
    assert found[turning.pk].amount == Decimal("40.00")  # January–April 2026, 18 in May


def test_only_child_reward_ends_at_18_and_after_a_later_child(tree):
    _h, grown = _honor(tree.grid_a1, child_born=D(2007, 5, 10), names=("许父", "许母"))
    _h2, again = _honor(tree.grid_a2, child_born=D(2012, 1, 1), names=("吕父", "吕母"))
    child(again, born=D(2020, 8, 8), sex="M")
    found = answers(tree.street, "only_child_reward")
    assert failed(found[grown.pk]) == {"child_age": "fail"}
    assert failed(found[again.pk]) == {"no_later_child": "fail"}
    assert "2020 年再生育子女，自次年起停发" in [c.text for c in found[again.pk].checks]


def test_only_child_born_on_the_last_day_of_2015_still_gets_the_reward(tree):
    _h, wife = _honor(tree.grid_a1, child_born=D(2015, 12, 31), names=("施父", "施母"))
    assert answers(tree.street, "only_child_reward")[wife.pk].outcome == "eligible"


def test_only_child_born_after_2015_gets_no_reward():
    """The registry itself refuses a 光荣证 for a child born in 2016; the rule holds anyway
    (a certificate recorded elsewhere, an imported one): the pure rule, by hand."""
    facts = rules.PersonFacts(
        person_id=1,
        name="施母",
        sex="F",
        birth_date=D(1980, 1, 1),
        hukou="340603020001",
        hukou_nature="non_agri",
        residence="34060302000101",
        children=(rules.ChildFact(sex="F", birth_date=D(2016, 2, 2), living=True),),
        certificate=rules.CertificateFact(number="HB1", issued_on=D(2016, 3, 1), payee=True),
    )
    values = {
        "monthly_amount": 10,
        "max_child_age": 18,
        "child_born_by": "2015-12-31",
        "payment_periods": 1,
    }
    result = rules.evaluate(
        "only_child_reward", facts, year=YEAR, unit_prefix="340603020", rules=values
    )
    assert failed(result) == {"child_born_by": "fail"}
    assert "2016-02-02" in next(c.text for c in result.checks if c.code == "child_born_by")


# --- Set-based ------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_persons(tree, django_assert_max_num_queries):
    for index in range(3):
        _husband, wife = couple(
            tree.grid_a1,
            husband_born=D(1950 + index, 1, 1),
            wife_born=D(1952 + index, 1, 1),
            names=(f"甲{cn(index)}", f"乙{cn(index)}"),
        )
        child(wife, born=D(1980, 1, 1))
        declare(wife)
    with django_assert_max_num_queries(12) as few:
        eligibility(unit=tree.street, year=YEAR, programme="reward_assistance", with_identity=True)
    for index in range(12):
        _husband, wife = couple(
            tree.grid_a2,
            husband_born=D(1950, 1, 1 + index),
            wife_born=D(1952, 1, 1 + index),
            names=(f"丙{cn(index)}", f"丁{cn(index)}"),
        )
        child(wife, born=D(1980, 1, 1))
        declare(wife)
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = eligibility(
            unit=tree.street, year=YEAR, programme="reward_assistance", with_identity=True
        )
    assert len(found.answers) == 30
