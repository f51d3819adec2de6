"""Facilities edited and deactivated through the pages and the API: the reason in the
history and the change log, the rule's limit of designated hospitals a district, the
version of the edit, the jurisdiction and the managing right."""

import datetime

import pytest
from django.utils import timezone

from shequ.health import services
from shequ.health.models import Facility
from shequ.org.models import AuditEvent
from shequ.rulebook import services as rulebook
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _hospitals(tree, n):
    return [
        services.facility_create(
            actor=None, name=f"医院{i}", kind=Facility.Kind.HOSPITAL, unit=tree.district
        )
        for i in range(n)
    ]


def test_a_manager_edits_a_facility_on_its_page_with_a_reason(people, station, web):
    client = web.as_(people.district)
    page = client.get(f"/health/facilities/{station.uid}/")
    assert 'data-testid="facility-actions"' in page.content.decode()
    form = client.get(f"/health/facilities/{station.uid}/edit/")
    assert form.status_code == 200 and "修改原因" in form.content.decode()
    posted = client.post(
        f"/health/facilities/{station.uid}/edit/",
        {
            "name": "示范街道卫生服务中心",
            "kind": "station",
            "address": "人民路 1 号",
            "phone": "0561-1234567",
            "reason": "机构更名",
            "version": station.version,
        },
    )
    assert posted.status_code == 302
    station.refresh_from_db()
    assert station.name == "示范街道卫生服务中心" and station.address == "人民路 1 号"
    last = station.history.order_by("-history_date").first()
    assert last.history_change_reason == "机构更名" and last.history_user == people.district
    event = AuditEvent.objects.get(action="facility.update")
    assert event.reason == "机构更名" and event.changes["name"][1] == "示范街道卫生服务中心"
    detail = client.get(f"/health/facilities/{station.uid}/").content.decode()
    assert "机构更名" in detail and 'data-testid="history-row"' in detail


def test_an_edit_without_a_reason_or_name_is_refused_with_the_message(people, station, web):
    client = web.as_(people.district)
    answer = client.post(
        f"/health/facilities/{station.uid}/edit/",
        {"name": "  ", "kind": "station", "reason": "", "version": station.version},
    )
    assert answer.status_code == 200
    assert answer.content.decode().count("该字段是必填项。") == 2  # name and reason
    station.refresh_from_db()
    assert station.name == "示范街道服务站"


def test_deactivating_asks_for_confirmation_and_a_reason(people, station, women, web, api):
    client = web.as_(people.district)
    confirm = client.get(f"/health/facilities/{station.uid}/deactivate/")
    assert confirm.status_code == 200
    assert 'data-testid="confirm"' in confirm.content.decode()
    assert "确认停用" in confirm.content.decode()
    station.refresh_from_db()
    assert station.is_active  # a GET changes nothing
    done = client.post(
        f"/health/facilities/{station.uid}/deactivate/",
        {"reason": "服务站撤并", "version": station.version},
    )
    assert done.status_code == 302
    station.refresh_from_db()
    assert not station.is_active
    assert station.history.order_by("-history_date").first().history_change_reason == "服务站撤并"
    assert AuditEvent.objects.filter(action="facility.deactivate", reason="服务站撤并").exists()
    # No new service at a facility out of use.
    refused = api.as_(people.worker_a).post(
        "/api/v1/service-records/",
        {
            "person": str(women["newlywed"].uid),
            "kind": "contraception_counselling",
            "date": str(timezone.localdate()),
            "facility": str(station.uid),
        },
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["facility"] == ["该服务机构已停用，请选择在用的机构。"]
    # Listed with its state; brought back on its own page.
    listing = client.get("/health/facilities/", {"is_active": "false"}).content.decode()
    assert station.name in listing and "已停用" in listing
    back = client.post(
        f"/health/facilities/{station.uid}/activate/",
        {"reason": "恢复服务", "version": station.version},
    )
    assert back.status_code == 302
    station.refresh_from_db()
    assert station.is_active


def test_the_rule_caps_the_active_hospitals_of_a_district(people, tree, api):
    first = _hospitals(tree, 3)[0]
    client = api.as_(people.district)
    # Deactivated, one frees its place; brought back while the district is full, refused.
    answer = client.post(
        f"/api/v1/facilities/{first.uid}/deactivate/",
        {"reason": "合同到期", "version": first.version},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["is_active"] is False
    created = client.post(
        "/api/v1/facilities/",
        {"name": "新定点医院", "kind": "hospital", "unit_code": tree.district.code},
        format="json",
    )
    assert created.status_code == 201
    first.refresh_from_db()
    again = client.post(
        f"/api/v1/facilities/{first.uid}/activate/",
        {"reason": "续约", "version": first.version},
        format="json",
    )
    assert again.status_code == 400
    assert again.json()["kind"] == ["每个区县最多 3 家定点医院（规则设置），该区县已有 3 家在用。"]
    # The limit is the rulebook's: the city lowers it for this district.
    rulebook.setting_create(
        actor=None,
        programme="health",
        key="hospitals_per_district_max",
        value=2,
        valid_from=datetime.date(2020, 1, 1),
        region_prefix=tree.district.prefix,
        reason="本区定点医院压减为 2 家",
    )
    station = client.post(
        "/api/v1/facilities/",
        {"name": "区服务站", "kind": "station", "unit_code": tree.district.code},
        format="json",
    ).json()
    became = client.patch(
        f"/api/v1/facilities/{station['id']}/",
        {"kind": "hospital", "reason": "改为定点医院", "version": station["version"]},
        format="json",
    )
    assert became.status_code == 400
    assert "最多 2 家" in became.json()["kind"][0]


def test_the_api_edit_needs_a_reason_and_the_current_version(people, station, api):
    client = api.as_(people.district)
    url = f"/api/v1/facilities/{station.uid}/"
    no_reason = client.patch(url, {"phone": "110", "version": station.version}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    done = client.patch(
        url, {"phone": "0561-7654321", "reason": "电话变更", "version": 1}, format="json"
    )
    assert done.status_code == 200 and done.json()["phone"] == "0561-7654321"
    assert done.json()["version"] == 2
    stale = client.patch(url, {"name": "旧页面", "reason": "x", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    history = client.get(f"{url}history/")
    assert history.status_code == 200
    assert [row["reason"] for row in history.json()["results"]] == ["电话变更", "新建服务机构"]


def test_a_hospital_with_claims_stays_a_hospital(people, tree, hospital, api):
    from shequ.health.models import ClaimBatch

    ClaimBatch.objects.create(
        unit_code=tree.street.code, month=datetime.date(2026, 1, 1), hospital=hospital
    )
    answer = api.as_(people.district).patch(
        f"/api/v1/facilities/{hospital.uid}/",
        {"kind": "station", "reason": "改为服务站", "version": hospital.version},
        format="json",
    )
    assert answer.status_code == 400 and "报销批次" in answer.json()["kind"][0]


def test_facility_edits_are_scoped_and_need_the_managing_right(people, tree, station, web, api):
    outsider = make_user("district_x", "district", tree.other_district)
    for path in ("edit/", "deactivate/", "activate/"):
        assert web.as_(outsider).get(f"/health/facilities/{station.uid}/{path}").status_code == 404
    patched = api.as_(outsider).patch(
        f"/api/v1/facilities/{station.uid}/",
        {"name": "x", "reason": "x", "version": 1},
        format="json",
    )
    assert patched.status_code == 404
    # A community worker sees the facilities serving it but does not run them.
    worker = web.as_(people.worker_a)
    assert worker.get(f"/health/facilities/{station.uid}/edit/").status_code == 403
    assert (
        'data-testid="facility-actions"'
        not in worker.get(f"/health/facilities/{station.uid}/").content.decode()
    )
    refused = api.as_(people.worker_a).post(
        f"/api/v1/facilities/{station.uid}/deactivate/",
        {"reason": "x", "version": 1},
        format="json",
    )
    assert refused.status_code == 403
    station.refresh_from_db()
    assert station.is_active and station.name == "示范街道服务站"
