"""What the desk's tests share: a married resident of 丽景社区 with one child born in 2019,
and an older couple whose only child was born in 2000 (光荣证 recorded)."""

import datetime

import pytest

from shequ.registry import services as registry_services
from tests.factories import make_building, make_household, make_person

D = datetime.date


def _couple(unit, wife_name, husband_name, wife_birth, married_on, child_birth, **wife_values):
    home = make_household(make_building(unit, f"{wife_name}家"), "201")
    # Born before 相山区 existed (1983): the identity number keeps the old county code.
    region = "340603" if wife_birth.year >= 1985 else "340621"
    wife = make_person(
        home, name=wife_name, sex="F", birth_date=wife_birth, region=region, **wife_values
    )
    husband = make_person(
        home,
        name=husband_name,
        sex="M",
        birth_date=wife_birth.replace(year=wife_birth.year - 2),
        region=region,
    )
    registry_services.marriage_record(
        actor=None, husband=husband, wife=wife, values={"married_on": married_on}
    )
    registry_services.child_record(
        actor=None, parent=wife, values={"birth_date": child_birth, "sex": "F", "name": "小囡"}
    )
    wife.refresh_from_db()
    return wife, husband


@pytest.fixture
def resident(tree):
    wife, _husband = _couple(
        tree.grid_a1,
        "欧阳娜娜",
        "张伟",
        D(1992, 3, 8),
        D(2018, 10, 1),
        D(2019, 6, 1),
        phone="13900001111",
    )
    return wife


@pytest.fixture
def honor_couple(tree):
    """An only child born in 2000; the 光荣证 (1 March 2001) is on the marriage."""
    from shequ.desk import services

    wife, husband = _couple(
        tree.grid_a1, "刘芳", "陈建国", D(1972, 4, 2), D(1996, 5, 1), D(2000, 8, 8)
    )
    services.glory_certificate_record(
        actor=None, person=wife, number="HB2001000123", issued_on=D(2001, 3, 1), reason="登记原证"
    )
    return wife, husband
