"""The registered household (户籍户, 户口簿) apart from the dwelling (住户): opened with its
head, members in and out with a reason and history; pages and API (``registered-households``);
the dwellings under their new name with the old one as a deprecated alias."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.org.models import AuditEvent
from shequ.registry import services
from shequ.registry.models import RegisteredHousehold, RegisteredHouseholdMember
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(tree):
    home = make_household(make_building(tree.grid_a1, "1号楼"), "101")
    head = make_person(home, name="张建国", sex="M", birth_date=datetime.date(1990, 1, 2))
    wife = make_person(home, name="李秀英", birth_date=datetime.date(1991, 3, 4))
    son = make_person(home, name="张伟", sex="M", birth_date=datetime.date(2012, 5, 6))
    household = services.registered_household_create(
        actor=None, head=head, number="000123", reason="建户"
    )
    services.registered_household_add_member(
        actor=None, household=household, person=wife, relation="spouse", reason="婚入"
    )
    return {"home": home, "head": head, "wife": wife, "son": son, "household": household}


def test_the_household_page_lists_members_and_takes_one_in(family, people, web):
    web.as_(people.worker_a)
    url = reverse("registry:registered_household_detail", args=[family["household"].uid])
    page = web.get(url).content.decode()
    assert "张建国 户" in page and "李秀英" in page and "配偶" in page and "000123" in page
    answer = web.post(
        reverse("registry:registered_household_add_member", args=[family["household"].uid]),
        {"id_number": family["son"].id_number, "relation": "child", "reason": "出生入户"},
    )
    assert answer.status_code == 302
    member = RegisteredHouseholdMember.objects.get(person=family["son"])
    assert (member.relation, member.join_reason, member.left_on) == ("child", "出生入户", None)
    assert AuditEvent.objects.filter(action="registered_household.member_add").count() == 2
    # A person is on one 户口簿 at a time.
    other = services.registered_household_create(
        actor=None, head=make_person(family["home"], name="王二"), reason="建户"
    )
    again = web.post(
        reverse("registry:registered_household_add_member", args=[other.uid]),
        {"id_number": family["son"].id_number, "relation": "other", "reason": "试"},
    )
    assert again.status_code == 400 and "已是另一户籍户的成员" in again.content.decode()


def test_removing_a_member_asks_first_and_keeps_the_row(family, people, web):
    web.as_(people.worker_a)
    member = RegisteredHouseholdMember.objects.get(person=family["wife"])
    url = reverse("registry:registered_household_remove_member", args=[member.uid])
    confirm = web.get(url).content.decode()
    assert "确认 李秀英（配偶）离开此户籍户" in confirm
    assert web.post(url, {"reason": ""}).status_code == 200  # a reason is required
    early = web.post(url, {"reason": "离婚迁出", "left_on": "2000-01-02"})
    assert "离户日期不能早于入户日期" in early.content.decode()  # she joined today
    assert web.post(url, {"reason": "离婚迁出"}).status_code == 302
    member.refresh_from_db()
    assert (member.left_on, member.leave_reason) == (timezone.localdate(), "离婚迁出")
    assert member.history.count() == 2
    page = web.get(
        reverse("registry:registered_household_detail", args=[family["household"].uid])
    ).content.decode()
    assert "已离户" in page and "离婚迁出" in page
    # The head leaves last, and then the household is closed.
    head = RegisteredHouseholdMember.objects.get(person=family["head"])
    url = reverse("registry:registered_household_remove_member", args=[head.uid])
    assert web.post(url, {"reason": "死亡"}).status_code == 302
    assert not RegisteredHousehold.objects.get().is_active


def test_the_head_cannot_leave_before_the_others(family, people, web):
    web.as_(people.worker_a)
    head = RegisteredHouseholdMember.objects.get(person=family["head"])
    answer = web.post(
        reverse("registry:registered_household_remove_member", args=[head.uid]), {"reason": "x"}
    )
    assert (
        answer.status_code == 200 and "户主须在其他成员都离户后才能离户" in answer.content.decode()
    )


def test_a_household_is_opened_from_the_persons_page(family, people, web):
    web.as_(people.worker_a)
    son = family["son"]
    detail = web.get(reverse("registry:person_detail", args=[son.uid])).content.decode()
    assert "以此人为户主建户" in detail
    answer = web.post(
        reverse("registry:registered_household_create") + f"?head={son.uid}",
        {"number": "000200", "reason": "分户"},
    )
    assert answer.status_code == 302
    made = RegisteredHousehold.objects.get(number="000200")
    assert made.head == son and made.address == son.hukou_address
    detail = web.get(reverse("registry:person_detail", args=[son.uid])).content.decode()
    assert "张伟 户" in detail and "户主" in detail


def test_the_list_is_scoped_searchable_and_constant_in_queries(
    family, people, web, django_assert_max_num_queries, tree
):
    for i in range(5):
        home = make_household(make_building(tree.grid_a1, f"{i}号院"), "1")
        services.registered_household_create(
            actor=None, head=make_person(home, name="户主" + "甲乙丙丁戊己庚辛"[i]), reason="建户"
        )
    web.as_(people.worker_a)
    url = reverse("registry:registered_household_list")
    web.get(url)
    with django_assert_max_num_queries(12):
        page = web.get(url).content.decode()
    assert page.count('data-testid="registered-household"') == 6
    assert (
        web.get(url, {"search": "张建"})
        .content.decode()
        .count('data-testid="registered-household"')
        == 1
    )
    web.as_(people.worker_b)
    assert "张建国" not in web.get(url).content.decode()
    other = web.get(reverse("registry:registered_household_detail", args=[family["household"].uid]))
    assert other.status_code == 404


def test_the_api_opens_a_household_and_moves_members(family, people, api):
    client = api.as_(people.worker_a)
    listed = client.get("/api/v1/registered-households/").json()
    assert [h["head_name"] for h in listed["results"]] == ["张建国"]
    assert listed["results"][0]["member_count"] == 2
    uid = family["household"].uid
    added = client.post(
        f"/api/v1/registered-households/{uid}/add-member/",
        {"person": str(family["son"].uid), "relation": "child", "reason": "入户"},
        format="json",
    )
    assert added.status_code == 200, added.content
    assert {m["person_name"]: m["relation"] for m in added.json()["members"]} == {
        "张建国": "head",
        "李秀英": "spouse",
        "张伟": "child",
    }
    member = RegisteredHouseholdMember.objects.get(person=family["son"])
    removed = client.post(
        f"/api/v1/registered-households/{uid}/remove-member/",
        {"member": str(member.uid), "reason": "分户"},
        format="json",
    )
    assert removed.status_code == 200
    assert [
        m["left_on"] is not None for m in removed.json()["members"] if m["person_name"] == "张伟"
    ] == [True]
    patched = client.patch(
        f"/api/v1/registered-households/{uid}/",
        {"number": "999", "reason": "更正户号", "version": 1},
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["number"] == "999"
    stale = client.patch(
        f"/api/v1/registered-households/{uid}/",
        {"number": "998", "reason": "更正", "version": 1},
        format="json",
    )
    assert stale.status_code == 409
    tenant = client.post(
        f"/api/v1/registered-households/{uid}/add-member/",
        {"person": str(family["son"].uid), "relation": "tenant", "reason": "x"},
        format="json",
    )
    assert tenant.status_code == 400
    outsider = api.as_(people.worker_b)
    assert outsider.get(f"/api/v1/registered-households/{uid}/").status_code == 404
    assert outsider.get("/api/v1/registered-households/").json()["count"] == 0


def test_api_list_queries_are_constant(family, people, api, tree, django_assert_max_num_queries):
    for i in range(8):
        home = make_household(make_building(tree.grid_a1, f"{i}号院"), "1")
        services.registered_household_create(
            actor=None, head=make_person(home, name="户主" + "甲乙丙丁戊己庚辛"[i]), reason="建户"
        )
    client = api.as_(people.worker_a)
    client.get("/api/v1/registered-households/")
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/registered-households/").json()["count"] == 9


def test_dwellings_and_the_deprecated_households_alias(family, people, api):
    client = api.as_(people.worker_a)
    home = family["home"]
    new = client.get(f"/api/v1/dwellings/{home.uid}/")
    old = client.get(f"/api/v1/households/{home.uid}/")
    assert new.status_code == old.status_code == 200
    assert new.json() == old.json()
    assert old["Deprecation"] == "true" and "dwellings" in old["Link"]
    assert "Deprecation" not in new
    assert new.json()["use"] == "home" and new.json()["lease_start"] is None
    patched = client.patch(
        f"/api/v1/dwellings/{home.uid}/",
        {
            "is_rented": True,
            "landlord_name": "钱房东",
            "landlord_phone": "13800001111",
            "lease_start": "2026-01-01",
            "lease_end": "2025-12-31",
            "reason": "出租",
            "version": home.version,
        },
        format="json",
    )
    assert patched.status_code == 400 and "租期止不能早于租期起" in patched.content.decode()
    patched = client.patch(
        f"/api/v1/dwellings/{home.uid}/",
        {
            "is_rented": True,
            "landlord_name": "钱房东",
            "landlord_phone": "13800001111",
            "lease_start": "2026-01-01",
            "lease_end": "2026-12-31",
            "use": "group",
            "dormitory_of": "淮北矿业",
            "reason": "出租",
            "version": home.version,
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["use"] == "group" and patched.json()["lease_end"] == "2026-12-31"
    schema = api.as_(people.worker_a).get("/api/schema/", {"format": "json"}).json()
    assert schema["paths"]["/api/v1/households/"]["get"]["deprecated"] is True
    assert "deprecated" not in schema["paths"]["/api/v1/dwellings/"]["get"]


def test_the_building_page_says_dwelling_and_shows_no_head(family, people, web):
    web.as_(people.worker_a)
    page = web.get(
        reverse("registry:building_detail", args=[family["home"].building.uid])
    ).content.decode()
    assert "新建住户" in page and "户籍户（与户主关系）" in page
    assert "000123" in page  # the members' registered household
