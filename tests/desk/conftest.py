"""What the desk's tests share: a married resident of 丽景社区 and a street worker."""

import datetime

import pytest

from tests.factories import make_building, make_household, make_person


@pytest.fixture
def resident(tree):
    home = make_household(make_building(tree.grid_a1, "3号楼"), "201")
    return make_person(
        home,
        name="欧阳娜娜",
        sex="F",
        birth_date=datetime.date(1992, 3, 8),
        marital_status="married",
        marriage_date=datetime.date(2018, 10, 1),
        children_count=1,
        phone="13900001111",
    )
