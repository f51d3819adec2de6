"""生育登记: a registration with an immediate receipt — at the desk, by a worker, online by
the resident; the marriage rule per province; the other place told; the child linked."""

import datetime

import pytest
from django.test import Client

from shequ.desk import services
from shequ.desk.models import BirthRegistration
from shequ.outbox.models import Notification
from shequ.registry import services as registry_services
from shequ.rulebook import services as rulebook_services
from tests.factories import HEFEI_YAOHAI, make_building, make_household, make_person

pytestmark = pytest.mark.django_db

SOON = (datetime.date.today() + datetime.timedelta(days=120)).isoformat()


def _online(client, resident, **overrides):
    data = {
        "id_number": resident.id_number,
        "mobile": "13900001111",
        "spouse_name": "张伟",
        "married": "1",
        "stage": "before",
        "expected_on": SOON,
        "declaration": "on",
    }
    data.update(overrides)
    return client.post("/birth-registration/", data)


def test_online_registration_gives_a_receipt_at_once(resident):
    client = Client()
    answer = _online(client, resident)
    assert answer.status_code == 302, answer.content.decode()
    registration = BirthRegistration.objects.get()
    assert answer["Location"].endswith(f"/birth-registration/{registration.receipt_code}/")
    assert len(registration.receipt_code) >= 22  # 128 random bits
    receipt = client.get(answer["Location"]).content.decode()
    assert registration.receipt_code in receipt and "欧***" in receipt
    assert "欧阳娜娜" not in receipt and resident.id_number not in receipt
    assert (registration.channel, registration.order, registration.registered_by) == (
        "online",
        2,  # one living child recorded
        None,
    )


def test_online_a_wrong_mobile_says_nothing_about_the_number(resident):
    wrong = _online(Client(), resident, mobile="13900002222").content.decode()
    unknown = _online(Client(), resident, id_number="110101199003071234").content.decode()
    message = "身份证号码与手机号码不能核对一致"
    assert message in wrong and message in unknown
    assert BirthRegistration.objects.count() == 0


def test_online_is_rate_limited_per_address(resident, settings):
    settings.BIRTH_ONLINE_LIMIT_PER_HOUR = 2
    client = Client()
    for _ in range(2):
        assert _online(client, resident, mobile="13900002222").status_code == 200
    assert _online(client, resident).status_code == 429
    assert BirthRegistration.objects.count() == 0


def test_the_declaration_and_the_dates_are_required(resident):
    page = _online(Client(), resident, declaration="", expected_on="")
    assert page.status_code == 200
    assert BirthRegistration.objects.count() == 0


def test_marriage_is_required_where_the_province_says_so(resident, people):
    values = {"stage": "before", "expected_on": datetime.date.fromisoformat(SOON)}
    values |= {"declaration": True, "married": False}
    registration = services.birth_registration_create(
        actor=people.worker_a, person=resident, channel="worker", values=values
    )
    assert registration.married is False  # the national default row (0): not required
    rulebook_services.setting_create(
        actor=None,
        programme="desk",
        key="birth_registration_requires_marriage",
        value=1,
        region_prefix="34",  # 安徽 (the demo city's province), for the test
        valid_from=datetime.date(2022, 1, 1),
        reason="测试",
    )
    with pytest.raises(Exception, match="已婚为前提"):
        services.birth_registration_create(
            actor=people.worker_a, person=resident, channel="worker", values=values
        )


def test_the_hukou_place_elsewhere_is_notified(tree, people):
    home = make_household(make_building(tree.grid_a1, "5号楼"), "301")
    migrant = make_person(home, name="李梅", hukou_division=HEFEI_YAOHAI, marital_status="married")
    registration = services.birth_registration_create(
        actor=people.worker_a,
        person=migrant,
        channel="worker",
        values={"stage": "after", "born_on": datetime.date(2026, 11, 1), "declaration": True},
    )
    assert registration.other_place == HEFEI_YAOHAI
    notice = Notification.objects.get(key=f"desk.birth:{registration.uid}")
    assert (notice.to_division_code, notice.from_unit_code, notice.person) == (
        HEFEI_YAOHAI,
        migrant.unit_id,
        migrant,
    )


def test_after_the_birth_the_child_is_linked(resident, people, api):
    api.as_(people.worker_a)
    created = api.post(
        "/api/v1/birth-registrations/",
        {"person": str(resident.uid), "stage": "before", "expected_on": SOON, "declaration": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["channel"] == "worker"
    child = registry_services.child_record(
        actor=people.worker_a,
        parent=resident,
        values={"birth_date": datetime.date.today(), "sex": "M", "name": "欧阳小宝"},
    )
    uid = created.json()["id"]
    linked = api.post(f"/api/v1/birth-registrations/{uid}/child/", {"child": str(child.uid)})
    assert linked.status_code == 200, linked.content
    assert linked.json()["child"] == str(child.uid)
    assert linked.json()["born_on"] == datetime.date.today().isoformat()
    again = api.post(f"/api/v1/birth-registrations/{uid}/child/", {"child": str(child.uid)})
    assert again.status_code == 400


def test_desk_registration_is_scoped(resident, people, web, api):
    web.as_(people.worker_b)
    page = web.post(
        "/desk/births/new/",
        {
            "id_number": resident.id_number,
            "stage": "before",
            "expected_on": SOON,
            "married": "1",
            "declaration": "on",
        },
    )
    assert "您的辖区内没有登记这个身份证号码" in page.content.decode()
    web.as_(people.worker_a)
    made = web.post(
        "/desk/births/new/",
        {
            "id_number": resident.id_number,
            "stage": "before",
            "expected_on": SOON,
            "married": "1",
            "declaration": "on",
        },
    )
    assert made.status_code == 302, made.content.decode()
    registration = BirthRegistration.objects.get()
    assert registration.receipt_code in web.get(made["Location"]).content.decode()
    api.as_(people.worker_b)
    assert api.get("/api/v1/birth-registrations/").json()["count"] == 0
    assert api.get(f"/api/v1/birth-registrations/{registration.uid}/").status_code == 404
