import datetime

import pytest
from django.utils import timezone

from shequ.health import services
from shequ.health.models import Facility
from shequ.org.roles import Role
from tests.conftest import make_user
from tests.factories import HEFEI_YAOHAI, make_building, make_household, make_person


@pytest.fixture
def hospital(tree):
    return services.facility_create(
        actor=None, name="相山区妇幼保健院", kind=Facility.Kind.HOSPITAL, unit=tree.district
    )


@pytest.fixture
def station(tree):
    return services.facility_create(
        actor=None, name="示范街道服务站", kind=Facility.Kind.STATION, unit=tree.street
    )


@pytest.fixture
def doctor(tree, station):
    user = make_user("doctor", Role.PROVIDER, tree.street)
    services.facility_staff_set(actor=None, facility=station, user=user)
    return user


@pytest.fixture
def women(tree):
    """丽景社区: a resident married this year, a migrant past the threshold without a
    method, a migrant arrived last month (not yet), a woman with a method (not a target)."""
    today = timezone.localdate()
    home = make_household(make_building(tree.grid_a1), "201")
    this_year = today.replace(month=1, day=2)
    return {
        "newlywed": make_person(
            home,
            name="甲新婚",
            marital_status="married",
            marriage_date=this_year,
            contraception="condom",
            birth_date=datetime.date(1996, 3, 1),
        ),
        "migrant": make_person(
            home,
            name="乙流入",
            marital_status="married",
            marriage_date=datetime.date(2015, 5, 1),
            contraception="",
            hukou_division=HEFEI_YAOHAI,
            hukou_address="合肥市瑶海区",
            flow_in_date=today - datetime.timedelta(days=400),
            flow_in_reason="work",
            birth_date=datetime.date(1990, 3, 1),
            region="340102",
        ),
        "arrived": make_person(
            home,
            name="丙新到",
            marital_status="married",
            marriage_date=datetime.date(2015, 5, 1),
            contraception="",
            hukou_division=HEFEI_YAOHAI,
            hukou_address="合肥市瑶海区",
            flow_in_date=today - datetime.timedelta(days=20),
            flow_in_reason="work",
            birth_date=datetime.date(1991, 3, 1),
            region="340102",
        ),
        "covered": make_person(
            home,
            name="丁已落实",
            marital_status="married",
            marriage_date=datetime.date(2010, 5, 1),
            contraception="iud",
            birth_date=datetime.date(1985, 3, 1),
        ),
    }
