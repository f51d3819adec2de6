"""The organisation API: units, users and the caller, with the contract's error shapes."""

import uuid

import pytest

from shequ.org.auth import api_token_issue
from shequ.org.models import AuditEvent, OrgUnit, User
from shequ.org.roles import Role
from tests.auth_helpers import token_client
from tests.conftest import make_unit, make_user

REASON = "街道调整"
UNITS = "/api/v1/org-units/"
USERS = "/api/v1/users/"


def post_unit(api, actor, **data):
    return api.as_(actor).post(UNITS, data, format="json")


# --- Reading ----------------------------------------------------------------------------------


def test_org_unit_list_is_paginated_with_the_contract_shape(api, people):
    body = api.as_(people.city_admin).get(UNITS, {"page_size": 5}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 13
    assert len(body["results"]) == 5
    assert "page=2" in body["next"]


def test_page_size_is_capped_at_200(api, people, tree):
    for number in range(3, 100):
        make_unit(
            f"{tree.community_a.code}{number:02d}",
            f"第{number}网格",
            OrgUnit.Kind.GRID,
            tree.community_a,
        )
    for number in range(3, 100):
        make_unit(
            f"{tree.community_b.code}{number:02d}",
            f"第{number}网格",
            OrgUnit.Kind.GRID,
            tree.community_b,
        )
    body = api.as_(people.city_admin).get(UNITS, {"page_size": 500}).json()
    assert body["count"] == 13 + 2 * 97
    assert len(body["results"]) == 200


def test_org_unit_detail_has_the_listed_fields(api, people, tree):
    body = api.as_(people.street_admin).get(f"{UNITS}{tree.community_a.code}/").json()
    assert body == {
        "code": "340603020001",
        "name": "丽景社区",
        "level": 4,
        "level_name": "社区/村",
        "kind": "community",
        "kind_name": "社区居委会",
        "parent": "340603020000",
        "delegate": None,
        "is_active": True,
        "closed_at": None,
        "closed_reason": "",
        "version": 1,
    }


def test_org_units_filter_by_level_and_kind(api, people, tree):
    client = api.as_(people.city_admin)
    levels = client.get(UNITS, {"level": 4}).json()["results"]
    assert {row["code"] for row in levels} == {
        tree.community_a.code,
        tree.community_b.code,
        tree.zone.code,
        tree.community_c.code,
    }
    kinds = client.get(UNITS, {"kind": "compound"}).json()["results"]
    assert [row["code"] for row in kinds] == [tree.zone.code]


def test_org_units_search_by_name_and_code_prefix(api, people, tree):
    client = api.as_(people.city_admin)
    assert [r["code"] for r in client.get(UNITS, {"search": "文苑"}).json()["results"]] == [
        tree.community_b.code
    ]
    found = client.get(UNITS, {"search": tree.community_a.code}).json()["results"]
    assert [r["code"] for r in found] == [
        tree.community_a.code,
        tree.grid_a1.code,
        tree.grid_a2.code,
    ]


def test_out_of_scope_unit_answers_exactly_like_a_missing_one(api, people, tree):
    client = api.as_(people.worker_a)
    outside = client.get(f"{UNITS}{tree.community_b.code}/")
    missing = client.get(f"{UNITS}340603020999/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_me_describes_the_caller(api, people):
    body = api.as_(people.worker_a).get("/api/v1/me/").json()
    assert body["username"] == "worker_a"
    assert body["unit"] == "340603020001"
    assert body["unit_name"] == "丽景社区"
    assert body["role"] == "community"
    assert "manage_org" not in body["actions"]
    assert "reveal_id_number" in body["actions"]
    assert uuid.UUID(body["id"]) == people.worker_a.uid


def test_me_of_an_auditor_lists_only_view_audit(api, people):
    assert api.as_(people.auditor).get("/api/v1/me/").json()["actions"] == ["view_audit"]


# --- Creating units -----------------------------------------------------------------------------


def test_api_creates_a_community(api, people, tree):
    response = post_unit(
        api,
        people.street_admin,
        parent=tree.street.code,
        code="340603020003",
        name="新城社区",
        kind="community",
        reason="新建社区",
    )
    assert response.status_code == 201
    assert response.json()["code"] == "340603020003"
    assert response.json()["parent"] == tree.street.code
    event = AuditEvent.objects.get(action="org_unit.create")
    assert (event.actor, event.reason) == (people.street_admin, "新建社区")
    assert OrgUnit.objects.get(code="340603020003").history.count() == 1


def test_api_creates_a_grid(api, people, tree):
    response = post_unit(
        api,
        people.street_admin,
        parent=tree.community_b.code,
        code="34060302000202",
        name="第2网格",
        kind="grid",
    )
    assert response.status_code == 201
    assert response.json()["level"] == 5


def test_api_refuses_a_kind_of_the_wrong_level(api, people, tree):
    response = post_unit(
        api,
        people.street_admin,
        parent=tree.street.code,
        code="340603020003",
        name="错",
        kind="grid",
    )
    assert response.status_code == 400
    assert response.json() == {"kind": ["示范街道 下不能建立“网格”。"]}


def test_api_refuses_a_code_of_another_parent(api, people, tree):
    response = post_unit(
        api,
        people.street_admin,
        parent=tree.street.code,
        code="340602001005",
        name="错",
        kind="community",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": ["代码 340602001005 不是 示范街道（340603020000）的下一级区划代码。"]
    }


def test_api_refuses_a_bad_grid_code(api, people, tree):
    response = post_unit(
        api,
        people.street_admin,
        parent=tree.community_a.code,
        code="3406030200011",
        name="错",
        kind="grid",
    )
    assert response.json() == {
        "code": ["网格代码为所属社区的 12 位代码加两位序号，例如 34060302000101。"]
    }


def test_api_refuses_a_duplicate_code(api, people, tree):
    response = post_unit(
        api,
        people.street_admin,
        parent=tree.community_a.code,
        code=tree.grid_a1.code,
        name="重",
        kind="grid",
    )
    assert response.json() == {"code": ["代码 34060302000101 已被使用。"]}


def test_api_refuses_an_unknown_kind(api, people, tree):
    response = post_unit(
        api,
        people.street_admin,
        parent=tree.street.code,
        code="340603020003",
        name="x",
        kind="castle",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["kind"]


def test_api_create_under_a_missing_parent_is_404(api, people):
    response = post_unit(
        api,
        people.street_admin,
        parent="340603020999",
        code="34060302099901",
        name="x",
        kind="grid",
    )
    assert response.status_code == 404


# --- Renaming, closing, reopening ---------------------------------------------------------------


def test_api_rename_needs_a_reason(api, people, tree):
    response = api.as_(people.street_admin).patch(
        f"{UNITS}{tree.community_a.code}/", {"name": "新名", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"reason": ["该字段是必填项。"]}


def test_api_rename_with_a_blank_reason_is_refused(api, people, tree):
    response = api.as_(people.street_admin).patch(
        f"{UNITS}{tree.community_a.code}/", {"name": "新名", "reason": "  "}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_api_renames_a_unit(api, people, tree):
    response = api.as_(people.street_admin).patch(
        f"{UNITS}{tree.community_a.code}/",
        {"name": "丽景新社区", "reason": REASON, "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "丽景新社区"
    assert AuditEvent.objects.get(action="org_unit.rename").reason == REASON


def test_api_put_is_not_allowed(api, people, tree):
    response = api.as_(people.street_admin).put(
        f"{UNITS}{tree.community_a.code}/", {"name": "x", "reason": REASON}, format="json"
    )
    assert response.status_code in (403, 405)


def test_api_delete_is_not_allowed(api, people, tree):
    response = api.as_(people.city_admin).delete(f"{UNITS}{tree.grid_a2.code}/")
    assert response.status_code in (403, 405)
    assert OrgUnit.objects.filter(code=tree.grid_a2.code).exists()


def test_api_close_is_refused_with_active_children(api, people, tree):
    response = api.as_(people.street_admin).post(
        f"{UNITS}{tree.community_b.code}/close/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "不能撤销 文苑社区：还有未撤销的下级单位；还有在用的用户。"
    }


def test_api_closes_and_reopens_an_empty_unit(api, people, tree):
    client = api.as_(people.street_admin)
    closed = client.post(f"{UNITS}{tree.grid_a2.code}/close/", {"reason": REASON}, format="json")
    assert closed.status_code == 200
    assert closed.json()["is_active"] is False
    assert closed.json()["closed_reason"] == REASON
    again = client.post(f"{UNITS}{tree.grid_a2.code}/close/", {"reason": REASON}, format="json")
    assert again.json() == {"detail": "该单位已经撤销。"}
    reopened = client.post(f"{UNITS}{tree.grid_a2.code}/reopen/", {"reason": "恢复"}, format="json")
    assert reopened.json()["is_active"] is True


def test_api_close_needs_a_reason(api, people, tree):
    response = api.as_(people.street_admin).post(
        f"{UNITS}{tree.grid_a2.code}/close/", {}, format="json"
    )
    assert response.json() == {"reason": ["该字段是必填项。"]}


def test_api_filters_closed_units(api, people, tree):
    client = api.as_(people.street_admin)
    client.post(f"{UNITS}{tree.grid_a2.code}/close/", {"reason": REASON}, format="json")
    rows = client.get(UNITS, {"is_active": "false"}).json()["results"]
    assert [row["code"] for row in rows] == [tree.grid_a2.code]


# --- Blind zones -------------------------------------------------------------------------------


def delegate(api, actor, zone, code, reason=REASON):
    return api.as_(actor).post(
        f"{UNITS}{zone.code}/delegate/", {"delegate": code, "reason": reason}, format="json"
    )


def test_api_delegates_a_zone_to_a_neighbouring_community(api, people, tree):
    response = delegate(api, people.street_admin, tree.zone, tree.community_b.code)
    assert response.status_code == 200
    assert response.json()["delegate"] == tree.community_b.code


def test_api_delegates_a_zone_to_its_street(api, people, tree):
    response = delegate(api, people.street_admin, tree.zone, tree.street.code)
    assert response.status_code == 200
    assert response.json()["delegate"] == tree.street.code


def test_api_gives_a_zone_back_with_null(api, people, tree):
    delegate(api, people.street_admin, tree.zone, tree.community_b.code)
    response = delegate(api, people.street_admin, tree.zone, None)
    assert response.json()["delegate"] is None


def test_api_refuses_a_community_of_another_street(api, people, tree):
    response = delegate(api, people.city_admin, tree.zone, tree.community_c.code)
    assert response.status_code == 400
    assert response.json() == {"delegate": ["代管单位须为盲区所在街道或同一街道的相邻社区。"]}


def test_api_refuses_a_grid_as_delegate(api, people, tree):
    response = delegate(api, people.street_admin, tree.zone, tree.grid_a1.code)
    assert response.json() == {"delegate": ["代管单位须为盲区所在街道或同一街道的相邻社区。"]}


def test_api_refuses_to_delegate_a_community(api, people, tree):
    response = delegate(api, people.street_admin, tree.community_a, tree.community_b.code)
    assert response.status_code == 400
    assert response.json() == {"zone": ["只有未建社区的新建小区（盲区）可以委托代管。"]}


def test_api_refuses_a_closed_community_as_delegate(api, people, tree):
    community = make_unit("340603020003", "空社区", OrgUnit.Kind.COMMUNITY, tree.street)
    api.as_(people.street_admin).post(
        f"{UNITS}{community.code}/close/", {"reason": REASON}, format="json"
    )
    response = delegate(api, people.street_admin, tree.zone, community.code)
    assert response.json() == {"delegate": ["代管单位须为在用的街道或社区。"]}


def test_api_delegation_is_audited(api, people, tree):
    delegate(api, people.street_admin, tree.zone, tree.community_a.code)
    event = AuditEvent.objects.get(action="org_unit.delegate")
    assert event.changes == {"delegate": [None, tree.community_a.code]}
    assert tree.zone.history.first().history_change_reason == REASON


# --- Users -----------------------------------------------------------------------------------


def post_user(api, actor, **values):
    data = {
        "username": "xiaoli",
        "full_name": "李小丽",
        "role": "community",
        "unit": "340603020001",
        "password": "Lijing-work-2026",
    }
    data.update(values)
    return api.as_(actor).post(USERS, data, format="json")


def test_api_creates_a_user(api, people):
    response = post_user(api, people.street_admin, phone="13912345678")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "username",
        "full_name",
        "phone",
        "role",
        "duty",
        "data_rights",
        "must_change_password",
        "unit",
        "is_active",
        "last_login",
        "version",
    }
    user = User.objects.get(username="xiaoli")
    assert body["id"] == str(user.uid)
    assert (body["unit"], body["role"], body["duty"]) == ("340603020001", "community", "data")
    # An administrator's new account has no data rights and must choose its own password.
    assert (body["data_rights"], body["must_change_password"]) == ([], True)
    event = AuditEvent.objects.get(action="user.create", target_id=str(user.uid))
    assert event.actor == people.street_admin


def test_api_user_role_must_match_unit_level(api, people, tree):
    response = post_user(api, people.district_admin, unit=tree.street.code)
    assert response.status_code == 400
    assert response.json() == {
        "role": ["“社区工作人员”须属于社区/村级单位，示范街道 是街道/乡镇级。"]
    }


def test_api_user_with_weak_password_is_refused(api, people):
    response = post_user(api, people.street_admin, password="abcdefghijkl")
    assert response.json() == {"password": ["密码须同时包含字母和数字或符号。"]}


def test_api_user_cannot_sit_in_a_blind_zone(api, people, tree):
    response = post_user(api, people.street_admin, unit=tree.zone.code)
    assert response.status_code == 400
    assert response.json() == {"unit": ["翡翠湾小区 是未建社区的盲区，不能设用户。"]}


def test_api_user_with_a_bad_phone_is_refused(api, people):
    response = post_user(api, people.street_admin, phone="12345")
    assert response.status_code == 400
    assert response.json() == {"phone": ["手机号码应为 11 位，以 13–19 开头，当前为“12345”。"]}


def test_api_user_phone_is_normalised(api, people):
    assert (
        post_user(api, people.street_admin, phone="+86 139-1234-5678").json()["phone"]
        == "13912345678"
    )


def test_api_user_update_checks_the_phone(api, people):
    response = api.as_(people.street_admin).patch(
        f"{USERS}{people.worker_a.uid}/",
        {"phone": "0561-3012345", "reason": REASON, "version": 1},
        format="json",
    )
    assert list(response.json()) == ["phone"]


def test_api_user_with_unknown_role_is_refused(api, people):
    response = post_user(api, people.street_admin, role="mayor")
    assert response.status_code == 400
    assert list(response.json()) == ["role"]


def test_api_user_password_is_never_returned(api, people):
    assert "password" not in post_user(api, people.street_admin).json()
    assert "password" not in api.as_(people.street_admin).get(USERS).json()["results"][0]


def test_api_users_filter_by_role_unit_and_state(api, people, tree):
    client = api.as_(people.city_admin)
    by_role = client.get(USERS, {"role": "community"}).json()["results"]
    assert [row["username"] for row in by_role] == ["worker_a", "worker_b", "worker_c"]
    by_unit = client.get(USERS, {"unit": tree.community_a.code}).json()["results"]
    assert [row["username"] for row in by_unit] == ["grid_a1", "worker_a"]
    client.post(f"{USERS}{people.worker_b.uid}/deactivate/", {"reason": "离职"}, format="json")
    inactive = client.get(USERS, {"is_active": "false"}).json()["results"]
    assert [row["username"] for row in inactive] == ["worker_b"]


def test_api_updates_a_user_with_a_reason(api, people, tree):
    response = api.as_(people.street_admin).patch(
        f"{USERS}{people.worker_a.uid}/",
        {"unit": tree.community_b.code, "reason": "调岗", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["unit"] == tree.community_b.code
    assert AuditEvent.objects.get(action="user.update").reason == "调岗"


def test_api_user_update_needs_a_reason(api, people):
    response = api.as_(people.street_admin).patch(
        f"{USERS}{people.worker_a.uid}/", {"full_name": "x", "version": 1}, format="json"
    )
    assert response.json() == {"reason": ["该字段是必填项。"]}


def test_api_user_update_checks_the_role_against_the_unit(api, people, tree):
    response = api.as_(people.street_admin).patch(
        f"{USERS}{people.worker_a.uid}/",
        {"role": "grid", "reason": REASON, "version": 1},
        format="json",
    )
    assert response.json() == {"role": ["“网格员”须属于网格级单位，丽景社区 是社区/村级。"]}


def test_api_deactivates_a_user_and_deletes_the_token(api, people):
    key = api_token_issue(user=people.worker_a)
    response = api.as_(people.street_admin).post(
        f"{USERS}{people.worker_a.uid}/deactivate/", {"reason": "离职"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert token_client(key).get("/api/v1/me/").status_code == 401


def test_api_admin_cannot_deactivate_self(api, people):
    response = api.as_(people.street_admin).post(
        f"{USERS}{people.street_admin.uid}/deactivate/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "只能管理下级单位的账号，本单位和上级单位的账号由上级管理员管理。"
    }


def test_api_users_cannot_be_deleted(api, people):
    response = api.as_(people.city_admin).delete(f"{USERS}{people.worker_a.uid}/")
    assert response.status_code in (403, 405)
    assert User.objects.filter(pk=people.worker_a.pk).exists()


def test_api_superusers_are_not_listed(api, people, tree):
    User.objects.create_superuser("root", password="Root-pass-2026")
    names = [row["username"] for row in api.as_(people.city_admin).get(USERS).json()["results"]]
    assert "root" not in names


# --- Constant query counts ----------------------------------------------------------------------


@pytest.mark.parametrize("extra", [3, 60])
def test_org_unit_list_runs_constant_queries(
    api, people, tree, extra, django_assert_max_num_queries
):
    for number in range(3, 3 + extra):
        make_unit(
            f"{tree.community_a.code}{number:02d}",
            f"第{number}网格",
            OrgUnit.Kind.GRID,
            tree.community_a,
        )
    client = api.as_(people.city_admin)
    with django_assert_max_num_queries(4):
        response = client.get(UNITS, {"page_size": 100})
    assert len(response.json()["results"]) == min(13 + extra, 100)


@pytest.mark.parametrize("extra", [3, 60])
def test_user_list_runs_constant_queries(api, people, tree, extra, django_assert_max_num_queries):
    for number in range(extra):
        make_user(f"extra{number:03d}", Role.COMMUNITY, tree.community_b)
    client = api.as_(people.city_admin)
    with django_assert_max_num_queries(4):
        response = client.get(USERS, {"page_size": 100})
    assert len(response.json()["results"]) == min(12 + extra, 100)
