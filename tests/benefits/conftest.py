"""What the benefits' tests share: families built through the registry's services, in the
shared tree (示范街道 with 丽景社区 A and 文苑社区 B; 杜集区's 水泥厂社区 C elsewhere).

The year is 2026: the rules in force on 1 January 2026 decide (national rows seeded by the
app's data migration: 960 a year; 270/340 urban, 150/170 rural a month; 10 a month)."""

import datetime
import itertools

import pytest

from shequ.registry import services as registry_services
from tests.factories import make_building, make_household, make_person

D = datetime.date
YEAR = 2026
_homes = itertools.count(1)
_NAME_CHARS = "子丑寅卯辰巳午未申酉戌亥金木水火土日月星云山川河海风"


def cn(n: int) -> str:
    """A name part for a number (names hold Chinese characters only)."""
    return _NAME_CHARS[n % len(_NAME_CHARS)] + (
        "" if n < len(_NAME_CHARS) else _NAME_CHARS[n // len(_NAME_CHARS)]
    )


def resident(unit, *, name, sex, born, nature="agricultural", hukou=None, home=None):
    """A person living in ``unit`` (a grid or community), 户口性质 ``nature``."""
    home = home or make_household(make_building(unit, f"{name}家"), f"{next(_homes)}")
    region = "340603" if born.year >= 1985 else "340621"
    extra = {"hukou_division": hukou} if hukou else {}
    person = make_person(home, name=name, sex=sex, birth_date=born, region=region, **extra)
    if nature:
        registry_services.person_set_hukou_nature(
            actor=None, person=person, nature=nature, reason="登记户口性质"
        )
    person.refresh_from_db()
    return person


MARRIED_ON = D(1985, 5, 1)


def marry(husband, wife, *, on=MARRIED_ON, **values):
    return registry_services.marriage_record(
        actor=None, husband=husband, wife=wife, values={"married_on": on, **values}
    )


def child(parent, *, born, sex="F", **values):
    return registry_services.child_record(
        actor=None, parent=parent, values={"birth_date": born, "sex": sex, **values}
    )


def couple(
    unit,
    *,
    husband_born,
    wife_born,
    nature="agricultural",
    wife_nature=None,
    wife_hukou=None,
    names=("王大山", "李秀英"),
):
    home = make_household(make_building(unit, f"{names[0]}家"), f"{next(_homes)}")
    husband = resident(unit, name=names[0], sex="M", born=husband_born, nature=nature, home=home)
    wife = resident(
        unit,
        name=names[1],
        sex="F",
        born=wife_born,
        nature=wife_nature if wife_nature is not None else nature,
        hukou=wife_hukou,
        home=home,
    )
    marry(husband, wife)
    return husband, wife


@pytest.fixture
def rural_couple(tree):
    """丽景社区: a rural couple (born 1960 and 1962) with one daughter born 1988."""
    husband, wife = couple(tree.grid_a1, husband_born=D(1960, 3, 1), wife_born=D(1962, 7, 9))
    child(wife, born=D(1988, 2, 2))
    return husband, wife
