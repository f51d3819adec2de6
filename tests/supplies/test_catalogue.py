"""The catalogue: district keepers add, edit (with a reason and the version they saw),
retire and bring back items; each change is in the item's history; a retired item is no
longer received, requested or given out; nobody else edits it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from shequ.supplies import services
from shequ.supplies.models import Item
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def test_a_district_keeper_adds_an_item_on_the_page_and_its_history_says_why(web, people, stores):
    client = web.as_(people.district)
    answer = client.post(
        "/supplies/items/new/",
        {
            "code": "ring-vaginal",
            "name": "阴道避孕环",
            "kind": "topical",
            "unit": "个",
            "clinician_first": "on",
            "low_stock": "10",
            "reason": "省级目录新增",
        },
    )
    item = Item.objects.get(code="ring-vaginal")
    assert answer.status_code == 302 and answer["Location"] == f"/supplies/items/{item.uid}/"
    assert item.clinician_first and item.low_stock == 10 and item.is_active
    detail = client.get(f"/supplies/items/{item.uid}/").content.decode()
    assert "省级目录新增" in detail
    # No caps in the rulebook yet: the page says it cannot be dispensed until the city sets them.
    assert 'data-testid="no-rule"' in detail
    listed = client.get("/supplies/items/?q=ring").content.decode()
    assert "阴道避孕环" in listed and "未设置（不能发放）" in listed
    assert "男用避孕套" not in listed


def test_a_wrong_item_is_refused_with_a_clear_message(api, people, stores):
    client = api.as_(people.district)
    body = {"name": "新套", "kind": "male_condom", "unit": "只"}
    taken = client.post("/api/v1/stock-items/", {**body, "code": "condom-male"}, format="json")
    assert taken.status_code == 400
    assert taken.json()["code"] == ["编码 condom-male 已在目录中。"]
    bad = client.post("/api/v1/stock-items/", {**body, "code": "新 套"}, format="json")
    assert bad.status_code == 400 and "小写字母" in bad.json()["code"][0]


def test_an_edit_needs_a_reason_and_the_version_it_was_based_on(api, people, stores):
    client = api.as_(people.district)
    url = f"/api/v1/stock-items/{stores.condom.uid}/"
    version = client.get(url).json()["version"]
    no_reason = client.patch(url, {"version": version, "low_stock": 300}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    done = client.patch(
        url, {"version": version, "low_stock": 300, "reason": "用量下降"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert (done.json()["low_stock"], done.json()["version"]) == (300, version + 1)
    stale = client.patch(url, {"version": version, "unit": "盒", "reason": "改单位"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == version + 1
    history = client.get(url + "history/").json()
    assert [row["reason"] for row in history][:1] == ["用量下降"]
    assert history[0]["user"] == "district" and history[0]["low_stock"] == 300


def test_the_code_and_the_kind_stay_as_they_were(stores):
    with pytest.raises(ValidationError) as refused:
        services.item_update(
            actor=None, item=stores.condom, values={"kind": "oral_pill"}, reason="改类别"
        )
    assert "不能修改" in str(refused.value)


def test_an_edit_on_the_page_shows_a_conflict_instead_of_overwriting(web, people, stores):
    client = web.as_(people.district)
    url = f"/supplies/items/{stores.condom.uid}/edit/"
    assert 'name="version"' in client.get(url).content.decode()
    services.item_update(actor=None, item=stores.condom, values={"name": "安全套"}, reason="更名")
    form = {"version": "1", "name": "男用安全套", "unit": "只", "low_stock": "500"}
    answer = client.post(url, {**form, "reason": "统一名称"})
    assert answer.status_code == 200 and "已被他人修改" in answer.content.decode()
    assert Item.objects.get(pk=stores.condom.pk).name == "安全套"


def test_a_retired_item_is_no_longer_received_requested_or_given(web, people, stores, tree):
    client = web.as_(people.district)
    url = f"/supplies/items/{stores.pill.uid}/retire/"
    assert "停用后不能再入库" in client.get(url).content.decode()
    assert client.post(url, {"version": "1", "reason": ""}).status_code == 200  # asked again
    stores.pill.refresh_from_db()
    assert stores.pill.is_active
    assert client.post(url, {"version": "1", "reason": "退出国家目录"}).status_code == 302
    stores.pill.refresh_from_db()
    assert not stores.pill.is_active
    with pytest.raises(ValidationError, match="已停用"):
        services.stock_receive(
            actor=None,
            location=stores.room,
            item=stores.pill,
            lot_number="P-2",
            expiry=datetime.date(2030, 1, 1),
            quantity=5,
        )
    with pytest.raises(ValidationError, match="已停用"):
        services.requisition_submit(actor=None, location=stores.room, lines={stores.pill: 5})
    person = make_person(make_household(make_building(tree.grid_a1)), name="停用后")
    with pytest.raises(ValidationError, match="已停用"):
        services.dispense(
            actor=None, location=stores.room, person=person, item=stores.pill, quantity=1
        )
    # Its stock and ledger stay, and the item can come back with a reason.
    assert "P-1" in client.get(f"/supplies/locations/{stores.room.uid}/").content.decode()
    back = client.post(
        f"/supplies/items/{stores.pill.uid}/restore/", {"version": "2", "reason": "恢复供应"}
    )
    assert back.status_code == 302
    reasons = list(stores.pill.history.values_list("history_change_reason", flat=True))
    assert reasons[:2] == ["恢复供应", "退出国家目录"]


def test_only_district_keepers_edit_the_catalogue(web, api, people, stores):
    body = {"code": "x-1", "name": "试", "kind": "topical", "unit": "个"}
    # A community keeper holds the stock-keeping right, but not the city's catalogue.
    assert (
        api.as_(people.worker_a).post("/api/v1/stock-items/", body, format="json").status_code
        == 403
    )
    assert web.as_(people.worker_a).get("/supplies/items/new/").status_code == 403
    assert "新增品种" not in web.as_(people.worker_a).get("/supplies/items/").content.decode()
    # Reading it is everyone's; the auditor and the city (no stock right) may not write.
    assert (
        api.as_(people.auditor).post("/api/v1/stock-items/", body, format="json").status_code == 403
    )
    assert api.as_(people.city).post("/api/v1/stock-items/", body, format="json").status_code == 403
    retire = f"/api/v1/stock-items/{stores.condom.uid}/retire/"
    assert (
        api.as_(people.worker_a)
        .post(retire, {"version": 1, "reason": "x"}, format="json")
        .status_code
        == 403
    )
    assert Item.objects.filter(code="x-1").exists() is False


def test_the_catalogue_page_keeps_its_queries(web, people, stores, django_assert_max_num_queries):
    for n in range(25):
        services.item_create(
            actor=None, code=f"extra-{n}", name=f"试用品{n}", kind="topical", unit="个"
        )
    client = web.as_(people.worker_a)
    with django_assert_max_num_queries(12):
        assert client.get("/supplies/items/?page_size=50").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/supplies/items/{stores.condom.uid}/").status_code == 200
