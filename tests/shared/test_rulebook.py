"""Rules as data: the longest region prefix wins, validity periods, edits audited and
versioned, the pages and the API scoped."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.org.models import AuditEvent
from shequ.rulebook import selectors, services
from shequ.rulebook.selectors import RuleMissing, value

pytestmark = pytest.mark.django_db
D = datetime.date


def _seed():
    services.setting_create(
        actor=None,
        programme="health",
        key="residence_months",
        value=6,
        valid_from=D(2020, 1, 1),
        reason="默认",
    )
    services.setting_create(
        actor=None,
        programme="health",
        key="residence_months",
        value=3,
        region_prefix="340603",
        valid_from=D(2026, 1, 1),
        valid_to=D(2026, 12, 31),
        reason="试点",
    )


def test_the_longest_matching_prefix_wins_within_its_period():
    _seed()
    assert value("health", "residence_months", division_code="340603020001", on=D(2026, 5, 1)) == 3
    assert value("health", "residence_months", division_code="340602001004", on=D(2026, 5, 1)) == 6
    assert value("health", "residence_months", division_code="340603020001", on=D(2027, 1, 1)) == 6
    with pytest.raises(RuleMissing, match=r"health\.nothing"):
        value("health", "nothing", division_code="340603020001", on=D(2026, 5, 1))


def test_periods_of_one_region_may_not_overlap_and_values_are_checked(people):
    _seed()
    with pytest.raises(ValidationError) as caught:
        services.setting_create(
            actor=people.city,
            programme="health",
            key="residence_months",
            value=4,
            region_prefix="340603",
            valid_from=D(2026, 6, 1),
            reason="重叠",
        )
    assert "valid_from" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.setting_create(
            actor=people.city,
            programme="Health!",
            key="x",
            value=True,
            region_prefix="3406",
            valid_from=D(2026, 6, 1),
            reason="坏",
        )


def test_only_city_staff_edit_and_only_in_their_region(people):
    with pytest.raises(PermissionDenied):
        services.setting_create(
            actor=people.worker_a,
            programme="health",
            key="k",
            value=1,
            region_prefix="340603020001",
            valid_from=D(2026, 1, 1),
            reason="越权",
        )
    with pytest.raises(PermissionDenied):  # the whole country: set-up only
        services.setting_create(
            actor=people.city,
            programme="health",
            key="k",
            value=1,
            valid_from=D(2026, 1, 1),
            reason="全国",
        )
    setting = services.setting_create(
        actor=people.city,
        programme="health",
        key="k",
        value={"甲": 1},
        region_prefix="3406",
        valid_from=D(2026, 1, 1),
        reason="全市",
    )
    assert AuditEvent.objects.filter(action="setting.create", target_id=str(setting.uid)).exists()


def test_the_api_edits_with_a_version_and_keeps_history(people, api):
    _seed()
    client = api.as_(people.city)
    created = client.post(
        "/api/v1/settings/",
        {
            "programme": "health",
            "key": "interval_days",
            "value": 42,
            "region_prefix": "3406",
            "valid_from": "2026-01-01",
            "reason": "新增",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    uid = created.json()["id"]
    stale = client.patch(
        f"/api/v1/settings/{uid}/", {"version": 9, "value": 40, "reason": "改"}, format="json"
    )
    assert stale.status_code == 409
    done = client.patch(
        f"/api/v1/settings/{uid}/", {"version": 1, "value": 40, "reason": "改"}, format="json"
    )
    assert done.status_code == 200 and done.json()["value"] == 40 and done.json()["version"] == 2
    setting = selectors.setting_get(people.city, uid)
    assert [h.history_change_reason for h in setting.history.order_by("history_id")] == [
        "新增",
        "改",
    ]
    assert AuditEvent.objects.filter(action="setting.update", target_id=uid).count() == 1
    # A community worker reads what applies to it, and may not write.
    worker = api.as_(people.worker_a)
    listed = {
        (s["key"], s["region_prefix"]) for s in worker.get("/api/v1/settings/").json()["results"]
    }
    assert ("interval_days", "3406") in listed and ("residence_months", "340603") in listed
    answer = worker.get(
        "/api/v1/settings/value/",
        {
            "programme": "health",
            "key": "residence_months",
            "division_code": "340603020001",
            "on": "2026-05-01",
        },
    )
    assert answer.status_code == 200 and answer.json()["value"] == 3
    assert (
        worker.patch(
            f"/api/v1/settings/{uid}/", {"version": 2, "value": 1, "reason": "x"}, format="json"
        ).status_code
        == 403
    )


def test_another_community_s_own_setting_is_invisible(people, api, web):
    setting = services.setting_create(
        actor=None,
        programme="health",
        key="k",
        value=1,
        region_prefix="340603020001",
        valid_from=D(2026, 1, 1),
        reason="社区",
    )
    assert api.as_(people.worker_b).get(f"/api/v1/settings/{setting.uid}/").status_code == 404
    assert web.as_(people.worker_b).get(f"/rules/settings/{setting.uid}/").status_code == 404
    assert web.as_(people.worker_a).get(f"/rules/settings/{setting.uid}/").status_code == 200


def test_the_pages_list_create_and_edit(people, web):
    _seed()
    client = web.as_(people.city)
    assert "residence_months" in client.get("/rules/settings/").content.decode()
    response = client.post(
        "/rules/settings/new/",
        {
            "programme": "health",
            "key": "report_days",
            "region_prefix": "3406",
            "value": "5",
            "valid_from": "2026-01-01",
            "reason": "新增",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    setting = selectors.setting_get(
        people.city, selectors.settings_visible(people.city).get(key="report_days").uid
    )
    assert setting.value == 5
    response = client.post(
        f"/rules/settings/{setting.uid}/",
        {
            "value": '"文字"',
            "valid_from": "2026-01-01",
            "valid_to": "",
            "note": "",
            "reason": "改",
            "version": 1,
        },
    )
    assert response.status_code == 302
    setting.refresh_from_db()
    assert setting.value == "文字"


def test_the_list_runs_a_constant_number_of_queries(people, web, django_assert_max_num_queries):
    for n in range(30):
        services.setting_create(
            actor=None, programme="p", key=f"k{n}", value=n, valid_from=D(2026, 1, 1), reason="x"
        )
    client = web.as_(people.city)
    client.get("/rules/settings/")
    with django_assert_max_num_queries(12):
        assert client.get("/rules/settings/?page_size=50").status_code == 200
