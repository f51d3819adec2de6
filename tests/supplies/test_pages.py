"""The supplies' pages: each renders for the roles that use it, the actions work through
their forms, the HTMX person lookup answers a partial, and the lists keep their queries."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from shequ.supplies import services
from shequ.supplies.models import Lot, Movement, MovementKind, Requisition
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_renders(stores, people):
    client = _client(people.worker_a)
    req = services.requisition_submit(actor=None, location=stores.room, lines={stores.pill: 5})
    pages = [
        "/supplies/",
        "/supplies/movements/",
        "/supplies/report/",
        "/supplies/locations/",
        "/supplies/locations/new/",
        f"/supplies/locations/{stores.room.uid}/",
        f"/supplies/locations/{stores.room.uid}/receive/",
        f"/supplies/locations/{stores.room.uid}/write-off/",
        f"/supplies/locations/{stores.room.uid}/dispense/",
        f"/supplies/locations/{stores.room.uid}/count/",
        f"/supplies/locations/{stores.machine.uid}/refill/",
        f"/supplies/locations/{stores.machine.uid}/pickup/",
        "/supplies/requisitions/",
        "/supplies/requisitions/new/",
        "/supplies/items/",
        "/supplies/dispensings/",
        f"/supplies/requisitions/{req.uid}/",
        f"/supplies/requisitions/{req.uid}/cancel/",
    ]
    for page in pages:
        answer = client.get(page)
        assert answer.status_code == 200, (page, answer.status_code)
    assert "丽景社区服务室" in client.get("/supplies/").content.decode()


def test_dispensing_through_the_page_with_the_person_found_as_typed(stores, tree, people):
    person = make_person(make_household(make_building(tree.grid_a1)), name="页面领取人")
    client = _client(people.worker_a)
    url = f"/supplies/locations/{stores.room.uid}/dispense/"
    found = client.get(url, {"part": "person", "id_number": person.id_number})
    assert "页面领取人" in found.content.decode()
    assert person.id_number not in found.content.decode()  # masked
    answer = client.post(
        url, {"id_number": person.id_number, "item": "condom-male", "quantity": "500"}
    )
    assert "超过年度限量" in answer.content.decode()
    answer = client.post(
        url, {"id_number": person.id_number, "item": "condom-male", "quantity": "6"}
    )
    assert answer.status_code == 302
    assert Movement.objects.filter(kind=MovementKind.DISPENSE).count() == 1


def test_a_count_through_the_page(stores, people):
    client = _client(people.worker_a)
    url = f"/supplies/locations/{stores.room.uid}/count/"
    late, early = str(stores.condom_late.uid), str(stores.condom_early.uid)
    pill = str(Lot.objects.get(number="P-1").uid)
    answer = client.post(
        url,
        {
            f"counted_{late}": "98",
            f"why_{late}": "",
            f"counted_{early}": "50",
            f"counted_{pill}": "30",
        },
    )
    assert "请说明原因" in answer.content.decode()
    answer = client.post(
        url,
        {
            f"counted_{late}": "98",
            f"why_{late}": "鼠咬",
            f"counted_{early}": "50",
            f"counted_{pill}": "30",
        },
    )
    assert answer.status_code == 302


def test_the_requisition_steps_are_confirmed_on_their_own_page(stores, people):
    req = services.requisition_submit(actor=None, location=stores.street, lines={stores.pill: 5})
    district = _client(people.district)
    detail = district.get(f"/supplies/requisitions/{req.uid}/").content.decode()
    assert "/approve/" in detail and "/receive/" not in detail
    answer = district.post(f"/supplies/requisitions/{req.uid}/approve/", {"version": 1})
    assert answer.status_code == 302
    stale = district.post(f"/supplies/requisitions/{req.uid}/send/", {"version": 1})
    assert "已被他人处理" in stale.content.decode()
    req.refresh_from_db()
    assert req.status == Requisition.Status.APPROVED


def test_a_keeper_without_the_right_cannot_open_the_forms(stores, people):
    people.worker_a.data_rights = []
    people.worker_a.save()
    client = _client(people.worker_a)
    assert client.get(f"/supplies/locations/{stores.room.uid}/receive/").status_code == 403
    assert client.get(f"/supplies/locations/{stores.room.uid}/dispense/").status_code == 403
    assert client.get("/supplies/").status_code == 200


def test_the_lists_keep_their_queries(stores, people, django_assert_max_num_queries):
    day = timezone.localdate() - datetime.timedelta(days=2)
    for n in range(30):
        services.stock_receive(actor=None, location=stores.room, item=stores.pill,
                               lot_number=f"PG-{n}", expiry=datetime.date(2030, 1, 1),
                               quantity=3, day=day)  # fmt: skip
        services.requisition_submit(actor=None, location=stores.room, lines={stores.pill: 5})
    client = _client(people.worker_a)
    for page in ("/supplies/", "/supplies/movements/", "/supplies/requisitions/",
                 "/supplies/locations/", "/supplies/report/"):  # fmt: skip
        with django_assert_max_num_queries(25):
            assert client.get(page).status_code == 200


def test_a_persons_supplies_need_the_health_right_and_are_logged(stores, tree, people):
    from shequ.org.models import SensitiveAccess

    person = make_person(make_household(make_building(tree.grid_a1)), name="记录人")
    services.dispense(actor=people.worker_a, location=stores.room, person=person,
                      item=stores.condom, quantity=4)  # fmt: skip
    before = SensitiveAccess.objects.count()
    page = _client(people.worker_a).get(f"/supplies/persons/{person.uid}/")
    assert page.status_code == 200 and "男用避孕套" in page.content.decode()
    assert SensitiveAccess.objects.count() == before + 1
    people.worker_a.data_rights = ["keep_stock", "dispense_supplies"]
    people.worker_a.save()
    assert _client(people.worker_a).get(f"/supplies/persons/{person.uid}/").status_code == 403


def test_a_lot_is_recalled_on_a_confirmed_page(stores, people):
    client = _client(people.worker_a)
    url = f"/supplies/lots/{stores.condom_late.uid}/recall/"
    assert "召回" in client.get(url).content.decode()
    assert client.post(url, {"reason": "质量通报"}).status_code == 302
    stores.condom_late.refresh_from_db()
    assert stores.condom_late.recalled


def test_pages_and_api_call_the_same_services():
    """Every action a page can do, the API can do through the same service."""
    import ast
    from pathlib import Path

    import shequ.supplies

    folder = Path(shequ.supplies.__file__).parent

    def called(name: str) -> set[str]:
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        return {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "services"
            and callable(getattr(services, node.attr, None))
        }

    only_pages = {
        "log_dispensings_read": "the API shows no person's dispensing list yet",
        "log_dispensings_list_read": "the API takes the dispensing list out as an export job",
        "may_keep_catalogue": "which buttons a page shows; the services check it on writes",
    }
    assert called("views.py") - called("api.py") == set(only_pages)
    assert called("api.py") - called("views.py") == set()
