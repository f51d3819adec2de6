"""What the supplies tests share: a district store, a street store and a community's service
room and machine, stocked with a lot of pills and two lots of condoms."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from shequ.supplies import services
from shequ.supplies.models import Item, Location, Lot


@dataclass
class Stores:
    district: Location
    street: Location
    room: Location
    machine: Location
    postal: Location
    other_room: Location  # in the other district
    pill: Item
    condom: Item
    injection: Item
    condom_early: Lot
    condom_late: Lot


@pytest.fixture
def stores(tree) -> Stores:
    services.defaults_ensure()  # a transactional test before this one flushed them
    K = Location.Kind
    district = services.location_create(
        actor=None, unit_code=tree.district.code, name="相山区药具库", kind=K.DISTRICT_STORE
    )
    street = services.location_create(
        actor=None,
        unit_code=tree.street.code,
        name="示范街道药具库",
        kind=K.STREET_STORE,
        supplier=district,
    )
    room = services.location_create(
        actor=None,
        unit_code=tree.community_a.code,
        name="丽景社区服务室",
        kind=K.SERVICE_ROOM,
        supplier=street,
    )
    machine = services.location_create(
        actor=None,
        unit_code=tree.community_a.code,
        name="丽景社区自助发放机",
        kind=K.MACHINE,
        supplier=room,
    )
    postal = services.location_create(
        actor=None,
        unit_code=tree.street.code,
        name="示范街道网上申领",
        kind=K.POSTAL,
        supplier=street,
    )
    other_room = services.location_create(
        actor=None, unit_code=tree.community_c.code, name="水泥厂社区服务室", kind=K.SERVICE_ROOM
    )
    pill = Item.objects.get(code="pill-21-7")
    condom = Item.objects.get(code="condom-male")
    injection = Item.objects.get(code="injection")
    day = timezone.localdate() - datetime.timedelta(days=30)
    services.stock_receive(
        actor=None,
        location=room,
        item=condom,
        lot_number="C-LATE",
        expiry=datetime.date(2029, 1, 1),
        quantity=100,
        day=day,
    )
    services.stock_receive(
        actor=None,
        location=room,
        item=condom,
        lot_number="C-EARLY",
        expiry=datetime.date(2027, 6, 1),
        quantity=50,
        day=day,
    )
    services.stock_receive(
        actor=None,
        location=room,
        item=pill,
        lot_number="P-1",
        expiry=datetime.date(2028, 1, 1),
        quantity=30,
        day=day,
    )
    services.stock_receive(
        actor=None,
        location=district,
        item=pill,
        lot_number="P-1",
        expiry=datetime.date(2028, 1, 1),
        quantity=1000,
        day=day,
    )
    return Stores(
        district=district,
        street=street,
        room=room,
        machine=machine,
        postal=postal,
        other_room=other_room,
        pill=pill,
        condom=condom,
        injection=injection,
        condom_early=Lot.objects.get(number="C-EARLY"),
        condom_late=Lot.objects.get(number="C-LATE"),
    )
