"""政务公开: five categories edited by staff with publish dates, public without login,
registration results published with masked names; withdrawn with reason, never deleted."""

import datetime

import pytest
from django.test import Client

from shequ.desk import services
from shequ.desk.models import Disclosure

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _item(unit, title, published_on=TODAY, category="policy"):
    return services.disclosure_create(
        actor=None,
        unit=unit,
        values={"category": category, "title": title, "body": "正文", "published_on": published_on},
    )


def test_the_public_page_shows_published_items_only(tree):
    _item(tree.street, "奖励扶助政策解读")
    _item(tree.street, "明日发布的通知", published_on=TODAY + datetime.timedelta(days=1))
    gone = _item(tree.street, "已撤下的通知", category="news")
    services.disclosure_withdraw(actor=None, item=gone, reason="内容过期")
    page = Client().get("/public/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "奖励扶助政策解读" in text
    assert "明日发布的通知" not in text and "已撤下的通知" not in text
    for label in ("政策类", "程序类", "服务类", "维权类", "动态类"):
        assert label in text
    assert "奖励扶助政策解读" not in Client().get("/public/?category=news").content.decode()
    assert Client().get(f"/public/{gone.uid}/").status_code == 404
    assert Disclosure.objects.filter(uid=gone.uid, withdrawn_reason="内容过期").exists()


def test_birth_registrations_are_published_with_masked_names(resident, people):
    services.birth_registration_create(
        actor=people.worker_a,
        person=resident,
        channel="worker",
        values={"stage": "after", "born_on": TODAY, "declaration": True},
    )
    item = services.disclosure_publish_births(
        actor=people.street, unit=people.street.unit, month=TODAY
    )
    assert "（1 人）" in item.title and item.category == "service"
    text = Client().get(f"/public/{item.uid}/").content.decode()
    assert "欧***" in text and "丽景社区" in text
    assert "欧阳娜娜" not in text and resident.id_number not in text


def test_staff_edit_with_reason_and_version(people, api, tree):
    api.as_(people.worker_a)
    created = api.post(
        "/api/v1/disclosures/",
        {"category": "procedure", "title": "办事指南", "body": "流程", "published_on": str(TODAY)},
        format="json",
    )
    assert created.status_code == 201, created.content
    uid, version = created.json()["id"], created.json()["version"]
    assert created.json()["unit"] == tree.community_a.code
    patched = api.patch(
        f"/api/v1/disclosures/{uid}/",
        {"title": "办事指南（修订）", "reason": "补充材料清单", "version": version},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    stale = api.patch(
        f"/api/v1/disclosures/{uid}/",
        {"title": "旧", "reason": "x", "version": version},
        format="json",
    )
    assert stale.status_code == 409
    api.as_(people.worker_b)
    assert api.post(f"/api/v1/disclosures/{uid}/withdraw/", {"reason": "x"}).status_code == 404
    api.as_(people.provider)
    assert api.post(f"/api/v1/disclosures/{uid}/withdraw/", {"reason": "x"}).status_code == 403
    api.as_(people.worker_a)
    assert api.post(f"/api/v1/disclosures/{uid}/withdraw/", {"reason": "过期"}).json()["withdrawn"]


def test_staff_pages(people, web):
    web.as_(people.worker_a)
    assert web.get("/desk/disclosures/").status_code == 200
    made = web.post(
        "/desk/disclosures/new/",
        {"category": "rights", "title": "投诉渠道", "body": "电话", "published_on": str(TODAY)},
    )
    assert made.status_code == 302
    item = Disclosure.objects.get(title="投诉渠道")
    edit = web.post(
        f"/desk/disclosures/{item.uid}/edit/",
        {
            "category": "rights",
            "title": "投诉与监督渠道",
            "body": "电话",
            "published_on": str(TODAY),
            "reason": "更正标题",
            "version": item.version,
        },
    )
    assert edit.status_code == 302
    assert (
        web.post(f"/desk/disclosures/{item.uid}/withdraw/", {"reason": "合并"}).status_code == 302
    )
    item.refresh_from_db()
    assert (item.title, item.withdrawn) == ("投诉与监督渠道", True)
