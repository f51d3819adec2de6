"""Administration pages: the organisation tree and the staff users."""

import csv
import datetime
import html
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from shequ.org import services
from shequ.org.auth import api_token_issue
from shequ.org.models import AuditEvent, OrgUnit, User
from shequ.org.roles import Role
from tests.auth_helpers import token_client
from tests.conftest import PASSWORD, make_unit, make_user

REASON = "街道调整"


def errors_of(response) -> list[str]:
    """Field and form errors shown on a page."""
    html = response.text
    field = re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', html)
    form = re.findall(r'<div class="alert alert-danger" role="alert"><div>([^<]*)</div>', html)
    return form + field


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


# --- Creating units ------------------------------------------------------------------------


def create(web, actor, parent: OrgUnit, *, kind: str, code: str, name: str):
    return web.as_(actor).post(
        f"/org/{parent.code}/new/", {"kind": kind, "code": code, "name": name}
    )


def test_create_page_offers_the_kinds_of_the_next_level(web, people, tree):
    page = web.as_(people.street_admin).get(f"/org/{tree.street.code}/new/").text
    assert 'value="community"' in page and 'value="village"' in page
    assert 'value="compound"' in page
    assert 'value="grid"' not in page and 'value="street"' not in page
    assert "12 位统计用区划代码，以 340603020 开头。" in page


def test_city_admin_creates_a_district(web, people, tree):
    response = create(
        web, people.city_admin, tree.city, kind="district", code="340604000000", name="烈山区"
    )
    assert response.status_code == 302
    assert response.url == "/org/340604000000/"
    unit = OrgUnit.objects.get(code="340604000000")
    assert (unit.name, unit.level, unit.parent, unit.prefix) == ("烈山区", 2, tree.city, "340604")


def test_district_admin_creates_a_street(web, people, tree):
    response = create(
        web,
        people.district_admin,
        tree.district,
        kind="street",
        code="340603021000",
        name="东山街道",
    )
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="340603021000").parent == tree.district


def test_street_admin_creates_a_community(web, people, tree):
    response = create(
        web,
        people.street_admin,
        tree.street,
        kind="community",
        code="340603020003",
        name="新城社区",
    )
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="340603020003").kind == "community"


def test_street_admin_creates_a_compound(web, people, tree):
    response = create(
        web, people.street_admin, tree.street, kind="compound", code="340603020302", name="锦绣园"
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="340603020302")
    assert (unit.kind, unit.level, unit.delegate) == ("compound", 4, None)


def test_street_admin_creates_a_grid(web, people, tree):
    response = create(
        web,
        people.street_admin,
        tree.community_a,
        kind="grid",
        code="34060302000103",
        name="第3网格",
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="34060302000103")
    assert (unit.level, unit.prefix, unit.parent) == (5, "34060302000103", tree.community_a)


def test_creating_a_unit_is_audited_and_kept_in_history(web, people, tree):
    create(
        web,
        people.street_admin,
        tree.street,
        kind="community",
        code="340603020003",
        name="新城社区",
    )
    event = last_event("org_unit.create")
    assert (event.actor, event.unit_code, event.target_label) == (
        people.street_admin,
        "340603020003",
        "新城社区",
    )
    assert event.changes["parent"] == [None, tree.street.code]
    record = OrgUnit.objects.get(code="340603020003").history.get()
    assert (record.history_type, record.history_user) == ("+", people.street_admin)


def test_code_of_another_parent_is_refused(web, people, tree):
    response = create(
        web,
        people.street_admin,
        tree.street,
        kind="community",
        code="340602001005",
        name="别处社区",
    )
    assert response.status_code == 200
    assert errors_of(response) == [
        "代码 340602001005 不是 示范街道（340603020000）的下一级区划代码。"
    ]
    assert not OrgUnit.objects.filter(code="340602001005").exists()


def test_code_of_the_wrong_level_is_refused(web, people, tree):
    response = create(
        web,
        people.street_admin,
        tree.street,
        kind="community",
        code="340603021000",
        name="错层社区",
    )
    assert errors_of(response) == [
        "代码 340603021000 不是 示范街道（340603020000）的下一级区划代码。"
    ]


def test_code_with_a_broken_chain_is_refused(web, people, tree):
    response = create(
        web, people.city_admin, tree.city, kind="district", code="340600001000", name="断链区"
    )
    assert errors_of(response) == [
        "区划代码 340600001000 的层级不连续：上级为 0 时下级也必须为 0。"
    ]


def test_code_that_is_not_twelve_digits_is_refused(web, people, tree):
    response = create(
        web, people.street_admin, tree.street, kind="community", code="34060302000", name="短码社区"
    )
    assert errors_of(response) == ["区划代码应为 12 位数字，当前为“34060302000”。"]


@pytest.mark.parametrize("code", ["3406030200011", "3406030200010A", "34060302000201"])
def test_grid_code_must_extend_its_community(web, people, tree, code):
    response = create(
        web, people.street_admin, tree.community_a, kind="grid", code=code, name="网格"
    )
    assert errors_of(response) == [
        "网格代码为所属社区的 12 位代码加两位序号，例如 34060302000101。"
    ]


def test_duplicate_code_is_refused(web, people, tree):
    response = create(
        web,
        people.street_admin,
        tree.community_a,
        kind="grid",
        code="34060302000101",
        name="重复网格",
    )
    assert errors_of(response) == ["代码 34060302000101 已被使用。"]


def test_name_of_an_active_sibling_is_refused(web, people, tree):
    response = create(
        web,
        people.street_admin,
        tree.street,
        kind="community",
        code="340603020003",
        name=" 丽景社区 ",
    )
    assert response.status_code == 200
    assert errors_of(response) == ["示范街道 下已有名为“丽景社区”的单位（340603020001）。"]
    assert not OrgUnit.objects.filter(code="340603020003").exists()


def test_command_line_service_refuses_a_sibling_name_too(people, tree):
    with pytest.raises(ValidationError) as excinfo:
        services.org_unit_create(
            actor=people.city_admin,
            parent=tree.street,
            code="340603020003",
            kind="community",
            name="文苑社区",
        )
    assert excinfo.value.message_dict == {
        "name": ["示范街道 下已有名为“文苑社区”的单位（340603020002）。"]
    }


def test_same_name_under_another_parent_is_accepted(web, people, tree):
    response = create(
        web,
        people.street_admin,
        tree.community_b,
        kind="grid",
        code="34060302000202",
        name="第2网格",
    )
    assert response.status_code == 302  # 丽景社区 has a 第2网格 too


def test_name_of_a_closed_sibling_may_be_used_again(web, people, tree):
    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason=REASON)
    response = create(
        web,
        people.street_admin,
        tree.community_a,
        kind="grid",
        code="34060302000103",
        name="第2网格",
    )
    assert response.status_code == 302


def test_kind_of_another_level_is_not_offered(web, people, tree):
    response = create(
        web, people.street_admin, tree.street, kind="street", code="340603020003", name="街道"
    )
    assert errors_of(response) == ["选择一个有效的选项。 street 不在可用的选项中。"]


def test_grid_has_no_create_page(web, people, tree):
    page = web.as_(people.street_admin).get(f"/org/{tree.grid_a1.code}/").text
    assert f"/org/{tree.grid_a1.code}/new/" not in page


def test_admin_cannot_create_next_to_own_unit(web, people, tree):
    response = create(
        web, people.street_admin, tree.district, kind="street", code="340603021000", name="邻街道"
    )
    assert response.status_code == 404


# --- Renaming, closing, reopening ----------------------------------------------------------


def test_rename_needs_a_reason(web, people, tree):
    response = web.as_(people.street_admin).post(
        f"/org/{tree.community_a.code}/rename/", {"version": 1, "name": "丽景新社区", "reason": ""}
    )
    assert response.status_code == 200
    assert errors_of(response) == ["该字段是必填项。"]
    tree.community_a.refresh_from_db()
    assert tree.community_a.name == "丽景社区"


def test_rename_keeps_the_reason_in_audit_and_history(web, people, tree):
    response = web.as_(people.street_admin).post(
        f"/org/{tree.community_a.code}/rename/",
        {"version": 1, "name": "丽景新社区", "reason": REASON},
    )
    assert response.status_code == 302
    tree.community_a.refresh_from_db()
    assert tree.community_a.name == "丽景新社区"
    event = last_event("org_unit.rename")
    assert (event.reason, event.changes) == (REASON, {"name": ["丽景社区", "丽景新社区"]})
    record = tree.community_a.history.first()
    assert (record.name, record.history_change_reason, record.history_user) == (
        "丽景新社区",
        REASON,
        people.street_admin,
    )


def test_rename_to_the_name_of_a_sibling_is_refused(web, people, tree):
    response = web.as_(people.street_admin).post(
        f"/org/{tree.community_a.code}/rename/",
        {"version": 1, "name": "文苑社区", "reason": REASON},
    )
    assert response.status_code == 200
    assert errors_of(response) == ["示范街道 下已有名为“文苑社区”的单位（340603020002）。"]
    tree.community_a.refresh_from_db()
    assert tree.community_a.name == "丽景社区"


def test_rename_through_the_api_refuses_a_sibling_name(api, people, tree):
    response = api.as_(people.street_admin).patch(
        f"/api/v1/org-units/{tree.grid_a1.code}/",
        {"name": "第2网格", "reason": REASON, "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"name": ["丽景社区 下已有名为“第2网格”的单位（34060302000102）。"]}


def test_closed_unit_whose_name_was_taken_reopens_only_after_a_rename(web, people, tree):
    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason=REASON)
    make_unit("34060302000103", "第2网格", OrgUnit.Kind.GRID, tree.community_a)
    client = web.as_(people.street_admin)
    response = client.post(f"/org/{tree.grid_a2.code}/reopen/", {"reason": REASON})
    assert errors_of(response) == [
        "丽景社区 下已有名为“第2网格”的单位（34060302000103）。请先将其中一个更名。"
    ]
    assert f"/org/{tree.grid_a2.code}/rename/" in client.get(f"/org/{tree.grid_a2.code}/").text
    client.post(
        f"/org/{tree.grid_a2.code}/rename/",
        {"name": "原第2网格", "reason": REASON, "version": 2},  # closed: one save since made
    )
    assert client.post(f"/org/{tree.grid_a2.code}/reopen/", {"reason": REASON}).status_code == 302


def test_admin_cannot_rename_own_unit(web, people, tree):
    response = web.as_(people.street_admin).post(
        f"/org/{tree.street.code}/rename/", {"version": 1, "name": "改名街道", "reason": REASON}
    )
    assert response.status_code == 403
    assert "只能管理本单位以下的组织。" in response.text


def test_close_is_refused_while_children_and_users_are_active(web, people, tree):
    response = web.as_(people.street_admin).post(
        f"/org/{tree.community_a.code}/close/", {"reason": REASON}
    )
    assert errors_of(response) == ["不能撤销 丽景社区：还有未撤销的下级单位；还有在用的用户。"]
    tree.community_a.refresh_from_db()
    assert tree.community_a.is_active


def test_close_is_refused_for_a_street_delegating_a_zone(web, people, tree):
    community = make_unit("340603020003", "空社区", OrgUnit.Kind.COMMUNITY, tree.street)
    services.blind_zone_delegate(
        actor=people.street_admin, zone=tree.zone, delegate=community, reason=REASON
    )
    response = web.as_(people.street_admin).post(
        f"/org/{community.code}/close/", {"reason": REASON}
    )
    assert errors_of(response) == ["不能撤销 空社区：还代管着盲区。"]


def test_empty_unit_is_closed_with_its_reason(web, people, tree):
    response = web.as_(people.street_admin).post(
        f"/org/{tree.grid_a2.code}/close/", {"reason": REASON}
    )
    assert response.status_code == 302
    tree.grid_a2.refresh_from_db()
    assert not tree.grid_a2.is_active
    assert tree.grid_a2.closed_reason == REASON
    assert last_event("org_unit.close").reason == REASON
    assert tree.grid_a2.history.first().history_change_reason == REASON


def test_closed_unit_leaves_the_list_unless_asked_for(web, people, tree):
    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason=REASON)
    client = web.as_(people.street_admin)
    assert f"/org/{tree.grid_a2.code}/" not in client.get(f"/org/{tree.community_a.code}/").text
    page = client.get(f"/org/{tree.community_a.code}/", {"closed": "1"}).text
    assert f"/org/{tree.grid_a2.code}/" in page
    assert "已撤销" in page


def test_closed_unit_page_shows_when_and_why(web, people, tree):
    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason=REASON)
    page = web.as_(people.street_admin).get(f"/org/{tree.grid_a2.code}/").text
    assert f"撤销：{REASON}" in page
    assert f"/org/{tree.grid_a2.code}/reopen/" in page


def test_closed_unit_is_reopened(web, people, tree):
    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason=REASON)
    response = web.as_(people.street_admin).post(
        f"/org/{tree.grid_a2.code}/reopen/", {"reason": "恢复网格"}
    )
    assert response.status_code == 302
    tree.grid_a2.refresh_from_db()
    assert tree.grid_a2.is_active and tree.grid_a2.closed_reason == ""
    assert last_event("org_unit.reopen").reason == "恢复网格"


def test_unit_under_a_closed_parent_cannot_be_reopened(web, people, tree):
    community = make_unit("340603020003", "空社区", OrgUnit.Kind.COMMUNITY, tree.street)
    grid = make_unit("34060302000301", "第1网格", OrgUnit.Kind.GRID, community)
    services.org_unit_close(actor=people.street_admin, unit=grid, reason=REASON)
    services.org_unit_close(actor=people.street_admin, unit=community, reason=REASON)
    response = web.as_(people.street_admin).post(f"/org/{grid.code}/reopen/", {"reason": REASON})
    assert errors_of(response) == ["上级单位已撤销，请先恢复上级单位。"]


def test_nothing_can_be_created_under_a_closed_unit(web, people, tree):
    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason=REASON)
    community = make_unit("340603020003", "空社区", OrgUnit.Kind.COMMUNITY, tree.street)
    services.org_unit_close(actor=people.street_admin, unit=community, reason=REASON)
    response = create(
        web, people.street_admin, community, kind="grid", code="34060302000301", name="第1网格"
    )
    assert errors_of(response) == ["上级单位已撤销。"]


# --- Blind zones ---------------------------------------------------------------------------


def delegate(web, actor, zone, delegate_code: str, reason: str = REASON):
    return web.as_(actor).post(
        f"/org/{zone.code}/delegate/", {"delegate": delegate_code, "reason": reason}
    )


def test_delegate_page_offers_the_communities_of_the_same_street(web, people, tree):
    page = web.as_(people.street_admin).get(f"/org/{tree.zone.code}/delegate/").text
    assert f'value="{tree.community_a.code}"' in page
    assert f'value="{tree.community_b.code}"' in page
    assert f'value="{tree.community_c.code}"' not in page
    assert "（由所在街道直接管理）" in page


def test_zone_is_delegated_to_a_neighbouring_community(web, people, tree):
    response = delegate(web, people.street_admin, tree.zone, tree.community_a.code)
    assert response.status_code == 302
    tree.zone.refresh_from_db()
    assert tree.zone.delegate == tree.community_a
    event = last_event("org_unit.delegate")
    assert event.changes == {"delegate": [None, tree.community_a.code]}
    assert event.reason == REASON
    assert (
        "盲区，由 丽景社区 代管。"
        in web.as_(people.street_admin).get(f"/org/{tree.zone.code}/").text
    )


def test_zone_is_given_back_to_its_street(web, people, tree):
    delegate(web, people.street_admin, tree.zone, tree.community_a.code)
    response = delegate(web, people.street_admin, tree.zone, "")
    assert response.status_code == 302
    tree.zone.refresh_from_db()
    assert tree.zone.delegate is None


def test_zone_cannot_go_to_a_community_of_another_street(web, people, tree):
    response = delegate(web, people.city_admin, tree.zone, tree.community_c.code)
    assert errors_of(response) == ["选择一个有效的选项： 该选择不在可用的选项中。"]
    tree.zone.refresh_from_db()
    assert tree.zone.delegate is None


def test_delegation_needs_a_reason(web, people, tree):
    response = delegate(web, people.street_admin, tree.zone, tree.community_a.code, reason="")
    assert errors_of(response) == ["该字段是必填项。"]


def test_only_a_blind_zone_can_be_delegated(web, people, tree):
    assert (
        web.as_(people.street_admin).get(f"/org/{tree.community_a.code}/delegate/").status_code
        == 404
    )


# --- Users -----------------------------------------------------------------------------------


def new_user(web, actor, **values):
    data = {
        "username": "xiaoli",
        "full_name": "李小丽",
        "phone": "",
        "role": Role.COMMUNITY,
        "unit": "340603020001",
        "password": "Lijing-work-2026",
    }
    data.update(values)
    return web.as_(actor).post("/users/new/", data)


def test_street_admin_creates_a_community_worker(web, people, tree):
    response = new_user(web, people.street_admin, phone="+86 139 1234 5678")
    assert response.status_code == 302
    user = User.objects.get(username="xiaoli")
    assert (user.full_name, user.role, user.unit, user.phone) == (
        "李小丽",
        "community",
        tree.community_a,
        "13912345678",
    )
    assert user.check_password("Lijing-work-2026")


def test_created_user_is_audited_and_kept_in_history(web, people):
    new_user(web, people.street_admin)
    user = User.objects.get(username="xiaoli")
    event = last_event("user.create")
    assert (event.actor, event.target_id, event.unit_code) == (
        people.street_admin,
        str(user.uid),
        "340603020001",
    )
    assert event.changes["role"] == [None, "community"]
    assert user.history.get().history_user == people.street_admin


def test_role_must_match_the_unit_level(web, people, tree):
    response = new_user(web, people.district_admin, unit=tree.street.code)
    assert errors_of(response) == ["“社区工作人员”须属于社区/村级单位，示范街道 是街道/乡镇级。"]
    assert not User.objects.filter(username="xiaoli").exists()


def test_grid_role_on_a_community_is_refused(web, people, tree):
    response = new_user(web, people.street_admin, role=Role.GRID)
    assert errors_of(response) == ["“网格员”须属于网格级单位，丽景社区 是社区/村级。"]


def role_options(page: str) -> list[str]:
    select = re.search(r'<select name="role".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([a-z]+)"', select)


def test_street_admin_is_offered_only_the_roles_it_can_give(web, people):
    page = web.as_(people.street_admin).get("/users/new/").text
    # Nobody manages accounts at their own unit: a street's administrator gives no street role.
    assert role_options(page) == ["community", "grid", "provider"]


def test_district_admin_is_offered_auditors_below_it(web, people):
    page = web.as_(people.district_admin).get("/users/new/").text
    assert role_options(page) == ["street", "community", "grid", "provider", "auditor"]


def test_city_admin_is_offered_every_role_below_the_city(web, people):
    page = web.as_(people.city_admin).get("/users/new/").text
    assert role_options(page) == [r for r in Role.values if r != Role.CITY]


def test_edit_page_keeps_the_present_role_selectable(web, people):
    page = web.as_(people.street_admin).get(f"/users/{people.street_admin.uid}/").text
    assert "street" in role_options(page)


def test_auditor_may_sit_at_a_street_appointed_by_its_district(web, people, tree):
    response = new_user(web, people.district_admin, role=Role.AUDITOR, unit=tree.street.code)
    assert response.status_code == 302
    assert User.objects.get(username="xiaoli").role == Role.AUDITOR


def test_street_admin_cannot_appoint_its_own_auditor(web, people, tree):
    response = new_user(web, people.street_admin, role=Role.AUDITOR, unit=tree.street.code)
    assert "选择一个有效的选项。 auditor 不在可用的选项中。" in errors_of(response)
    with pytest.raises(
        PermissionDenied, match="只能管理下级单位的账号，本单位和上级单位的账号由上级管理员管理。"
    ):
        services.user_create(
            actor=people.street_admin,
            username="xiaoli",
            full_name="李小丽",
            role=Role.AUDITOR,
            unit=tree.street,
            password="Lijing-work-2026",
        )
    assert not User.objects.filter(username="xiaoli").exists()


def test_api_refuses_an_auditor_for_the_own_unit(api, people, tree):
    response = api.as_(people.district_admin).post(
        "/api/v1/users/",
        {
            "username": "xiaoli",
            "full_name": "李小丽",
            "role": Role.AUDITOR,
            "unit": tree.district.code,
            "password": "Lijing-work-2026",
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "只能管理下级单位的账号，本单位和上级单位的账号由上级管理员管理。"
    }


def test_admin_cannot_turn_a_colleague_into_its_own_auditor(people, tree):
    with pytest.raises(PermissionDenied):
        services.user_update(
            actor=people.street_admin,
            user=people.provider,
            full_name="provider",
            role=Role.AUDITOR,
            unit=tree.street,
            phone="",
            reason=REASON,
        )
    people.provider.refresh_from_db()
    assert people.provider.role == Role.PROVIDER


def test_admin_cannot_switch_off_or_reset_its_own_auditor(web, people, tree):
    auditor = make_user("street_auditor", Role.AUDITOR, tree.street)
    client = web.as_(people.street_admin)
    response = client.post(f"/users/{auditor.uid}/deactivate/", {"reason": REASON})
    assert response.status_code == 403
    response = client.post(
        f"/users/{auditor.uid}/password/", {"password": "Reset-pass-2026", "reason": REASON}
    )
    assert response.status_code == 403
    auditor.refresh_from_db()
    assert auditor.is_active and auditor.check_password(PASSWORD)
    # The district above the street may.
    response = web.as_(people.district_admin).post(
        f"/users/{auditor.uid}/deactivate/", {"reason": REASON}
    )
    assert response.status_code == 302


def test_duplicate_user_name_is_refused(web, people):
    response = new_user(web, people.street_admin, username="WORKER_A")
    assert errors_of(response) == ["用户名 WORKER_A 已存在。"]


def test_bad_phone_is_refused(web, people):
    response = new_user(web, people.street_admin, phone="12912345678")
    assert errors_of(response) == ["手机号码应为 11 位，以 13–19 开头，当前为“12912345678”。"]


def test_user_cannot_be_created_in_a_blind_zone_or_closed_unit(web, people, tree):
    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason=REASON)
    page = web.as_(people.street_admin).get("/users/new/").text
    assert f'value="{tree.zone.code}"' not in page
    assert f'value="{tree.grid_a2.code}"' not in page
    assert f'value="{tree.grid_a1.code}"' in page


def test_user_is_edited_with_a_reason(web, people, tree):
    response = web.as_(people.street_admin).post(
        f"/users/{people.worker_a.uid}/",
        {
            "full_name": "王丽",
            "phone": "13800001111",
            "role": Role.COMMUNITY,
            "unit": tree.community_b.code,
            "reason": "调岗",
            "version": 1,
        },
    )
    assert response.status_code == 302
    people.worker_a.refresh_from_db()
    assert (people.worker_a.full_name, people.worker_a.unit) == ("王丽", tree.community_b)
    event = last_event("user.update")
    assert event.reason == "调岗"
    assert event.changes["unit"] == [tree.community_a.code, tree.community_b.code]
    assert people.worker_a.history.first().history_change_reason == "调岗"


def test_user_edit_needs_a_reason(web, people, tree):
    response = web.as_(people.street_admin).post(
        f"/users/{people.worker_a.uid}/",
        {
            "full_name": "王丽",
            "role": Role.COMMUNITY,
            "unit": tree.community_a.code,
            "reason": "",
            "version": 1,
        },
    )
    assert errors_of(response) == ["该字段是必填项。"]


def test_user_page_shows_its_change_history(web, people, tree):
    services.user_update(
        actor=people.street_admin,
        user=people.worker_a,
        full_name="王丽",
        role=Role.COMMUNITY,
        unit=tree.community_a,
        phone="",
        reason="改名",
    )
    page = web.as_(people.street_admin).get(f"/users/{people.worker_a.uid}/").text
    assert "user.update" in page and "改名" in page


def test_admin_cannot_change_own_role(web, people, tree):
    with pytest.raises(PermissionDenied, match="只能管理下级单位的账号"):
        services.user_update(
            actor=people.street_admin,
            user=people.street_admin,
            full_name="x",
            role=Role.PROVIDER,
            duty="data",
            unit=tree.street,
            phone="",
            reason=REASON,
        )
    people.street_admin.refresh_from_db()
    assert people.street_admin.duty == "admin"


def test_user_is_deactivated_with_a_reason_and_loses_the_token(web, people):
    key = api_token_issue(user=people.worker_a)
    response = web.as_(people.street_admin).post(
        f"/users/{people.worker_a.uid}/deactivate/", {"reason": "离职"}
    )
    assert response.status_code == 302
    people.worker_a.refresh_from_db()
    assert not people.worker_a.is_active
    assert people.worker_a.deactivated_reason == "离职"
    assert token_client(key).get("/api/v1/me/").status_code == 401
    assert last_event("user.deactivate").reason == "离职"


def test_admin_cannot_deactivate_self(web, people):
    response = web.as_(people.street_admin).post(
        f"/users/{people.street_admin.uid}/deactivate/", {"reason": REASON}
    )
    assert response.status_code == 403
    assert "只能管理下级单位的账号，本单位和上级单位的账号由上级管理员管理。" in response.text
    people.street_admin.refresh_from_db()
    assert people.street_admin.is_active


def test_deactivated_user_is_activated_again(web, people):
    services.user_set_active(
        actor=people.street_admin, user=people.worker_a, active=False, reason="离职"
    )
    response = web.as_(people.street_admin).post(
        f"/users/{people.worker_a.uid}/activate/", {"reason": "返岗"}
    )
    assert response.status_code == 302
    people.worker_a.refresh_from_db()
    assert people.worker_a.is_active and people.worker_a.deactivated_reason == ""


def test_password_is_reset_by_an_admin(web, people):
    key = api_token_issue(user=people.worker_a)
    response = web.as_(people.street_admin).post(
        f"/users/{people.worker_a.uid}/password/",
        {"password": "Reset-pass-2026", "reason": "忘记密码"},
    )
    assert response.status_code == 302
    people.worker_a.refresh_from_db()
    assert people.worker_a.check_password("Reset-pass-2026")
    assert token_client(key).get("/api/v1/me/").status_code == 401
    assert people.worker_a.must_change_password
    event = last_event("user.set_password")
    assert event.reason == "忘记密码"
    assert event.changes == {"must_change_password": [False, True]}


def test_weak_reset_password_is_refused(web, people):
    response = web.as_(people.street_admin).post(
        f"/users/{people.worker_a.uid}/password/", {"password": "12345", "reason": "忘记密码"}
    )
    assert "密码太短，至少需要 10 个字符。" in errors_of(response)
    people.worker_a.refresh_from_db()
    assert people.worker_a.check_password(PASSWORD)


# --- The user list ----------------------------------------------------------------------------


def listed(response) -> list[str]:
    return re.findall(r'<a href="/users/[0-9a-f-]{36}/">([^<]+)</a>', response.text)


def test_user_list_shows_the_subtree_sorted_by_unit(web, people):
    names = listed(web.as_(people.street_admin).get("/users/"))
    assert names == ["provider", "street", "street_admin", "worker_a", "grid_a1", "worker_b"]


def test_user_list_sorts_by_name_descending(web, people):
    names = listed(web.as_(people.street_admin).get("/users/", {"sort": "-username"}))
    assert names == ["worker_b", "worker_a", "street_admin", "street", "provider", "grid_a1"]


def test_user_list_filters_by_role(web, people):
    assert listed(web.as_(people.street_admin).get("/users/", {"role": "community"})) == [
        "worker_a",
        "worker_b",
    ]


def test_user_list_filters_by_unit_subtree(web, people, tree):
    names = listed(web.as_(people.street_admin).get("/users/", {"unit": tree.community_a.code}))
    assert names == ["worker_a", "grid_a1"]


def test_user_list_searches_name(web, people):
    assert listed(web.as_(people.street_admin).get("/users/", {"q": "grid"})) == ["grid_a1"]


def test_user_list_hides_deactivated_users_by_default(web, people):
    services.user_set_active(
        actor=people.street_admin, user=people.worker_b, active=False, reason="离职"
    )
    client = web.as_(people.street_admin)
    assert "worker_b" not in listed(client.get("/users/"))
    assert listed(client.get("/users/", {"status": "inactive"})) == ["worker_b"]
    assert "worker_b" in listed(client.get("/users/", {"status": "all"}))


def test_user_list_exports_xlsx_with_its_rows(web, people):
    response = web.as_(people.street_admin).get("/users/", {"export": "xlsx", "role": "community"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="users-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("用户名", "姓名", "角色", "职责", "数据权限", "单位代码", "单位")
    rights = "查看完整身份证号、查看健康信息、导出人员数据、药具保管、药具发放"
    assert [row[:7] for row in rows[1:]] == [
        ("worker_a", "worker_a", "社区工作人员", "业务", rights, "340603020001", "丽景社区"),
        ("worker_b", "worker_b", "社区工作人员", "业务", rights, "340603020002", "文苑社区"),
    ]


def test_user_list_export_shows_local_times(web, people):
    User.objects.filter(pk=people.worker_a.pk).update(
        last_login=datetime.datetime(2025, 3, 10, 2, 0, tzinfo=datetime.UTC)
    )
    response = web.as_(people.street_admin).get("/users/", {"export": "xlsx", "q": "worker_a"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][9] == "2025-03-10 10:00"  # Beijing time, UTC+8


def test_user_list_exports_csv(web, people):
    response = web.as_(people.street_admin).get("/users/", {"export": "csv", "q": "worker_a"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "用户名"
    assert [row[0] for row in rows[1:]] == ["worker_a"]


# --- Constant query counts ---------------------------------------------------------------------


def add_grids(community: OrgUnit, count: int) -> None:
    for number in range(3, 3 + count):
        grid = make_unit(
            f"{community.code}{number:02d}", f"第{number}网格", OrgUnit.Kind.GRID, community
        )
        make_user(f"g{community.code}{number:02d}", Role.GRID, grid)


@pytest.mark.parametrize("extra", [3, 48])
def test_org_tree_page_runs_constant_queries(
    web, people, tree, django_assert_max_num_queries, extra
):
    add_grids(tree.community_a, extra)
    client = web.as_(people.street)  # a data account: an administrator sees no counts
    # The counts per child: one grouped query per kind of record, not one per child.
    with django_assert_max_num_queries(16):
        response = client.get(f"/org/{tree.community_a.code}/")
    assert response.text.count('data-label="名称"><a href=') == extra + 2
    assert response.text.count('data-label="在册人员"><a href=') == extra + 2


@pytest.mark.parametrize("extra", [3, 48])
def test_user_list_runs_constant_queries(web, people, tree, django_assert_max_num_queries, extra):
    add_grids(tree.community_a, extra)
    client = web.as_(people.street_admin)
    with django_assert_max_num_queries(8):
        response = client.get("/users/")
    assert len(listed(response)) == min(6 + extra, 50)


@pytest.mark.parametrize("extra", [3, 48])
def test_home_page_runs_constant_queries(web, people, tree, django_assert_max_num_queries, extra):
    add_grids(tree.community_a, extra)
    client = web.as_(people.street_admin)
    # Other capabilities add their cards to the home page: a little room for them.
    with django_assert_max_num_queries(15):
        assert client.get("/").status_code == 200


# --- The tree page as a drill-down -------------------------------------------------------------


@pytest.fixture
def residents(tree):
    """丽景: 第1网格 1号楼 (101: 张三, 102: migrant 王五, departed migrant 周九), 第2网格 2号楼
    (201: 李四); 文苑: 第1网格 9号楼 (1: migrant 赵六)."""
    from shequ.registry import services as registry
    from tests.factories import SUIXIAN_HENAN, make_building, make_household, make_person

    def migrant(home, name):
        return make_person(
            home,
            name=name,
            hukou_division=SUIXIAN_HENAN,
            flow_in_date=datetime.date(2025, 1, 5),
            flow_in_reason="work",
        )

    a1 = make_building(tree.grid_a1, "1号楼")
    make_person(make_household(a1, "101"), name="张三")
    let = make_household(a1, "102")
    migrant(let, "王五")
    gone = migrant(let, "周九")
    registry.person_depart(
        actor=None,
        person=gone,
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )
    make_person(make_household(make_building(tree.grid_a2, "2号楼"), "201"), name="李四")
    migrant(make_household(make_building(tree.grid_b1, "9号楼"), "1"), "赵六")


def child_figures(response, code: str) -> dict[str, tuple[int, str]]:
    """The counts in the row of one child unit: {label: (count, link)}."""
    row = re.search(
        rf'<tr[^>]*>\s*<td data-label="名称"><a href="/org/{code}/">.*?</tr>', response.text, re.S
    )
    cells = re.findall(r'data-label="([^"]+)"><a href="([^"]+)">([\d,]+)</a></td>', row.group(0))
    return {label: (int(n.replace(",", "")), html.unescape(url)) for label, url, n in cells}


def unit_totals(response) -> dict[str, tuple[int, str]]:
    block = re.search(
        r'data-testid="unit-figures">(.*?)</div>\s*\n{0,2}\s*(?:<form|{|$)', response.text, re.S
    )
    found = re.findall(
        r'<a class="card[^"]*" href="([^"]+)">.*?text-body-secondary">([^<]+)</div><div class="fs-4">([\d,]+)</div>',
        block.group(1),
        re.S,
    )
    return {label: (int(n.replace(",", "")), html.unescape(url)) for url, label, n in found}


def test_street_page_counts_each_community(web, people, tree, residents):
    response = web.as_(people.street).get(f"/org/{tree.street.code}/")
    figures = ("在册人员", "流入人口", "住户", "楼栋")

    def counts(code):
        found = child_figures(response, code)
        return tuple(found[label][0] for label in figures)

    assert counts(tree.community_a.code) == (3, 1, 3, 2)
    assert counts(tree.community_b.code) == (1, 1, 1, 1)
    assert counts(tree.zone.code) == (0, 0, 0, 0)


def test_unit_page_shows_its_own_totals_with_links(web, people, tree, residents):
    response = web.as_(people.street).get(f"/org/{tree.street.code}/")
    totals = unit_totals(response)
    assert {label: n for label, (n, _url) in totals.items()} == {
        "在册人员": 4,
        "流入人口": 2,
        "住户": 4,
        "楼栋": 3,
        # the monthly check's figures (every person's eight facts known; two not yet checked)
        "八个清楚齐全率%": 100,
        "本月未查": 2,
        "待注销": 0,
    }
    assert totals["在册人员"][1] == f"/registry/persons/?unit={tree.street.code}"
    assert (
        totals["流入人口"][1]
        == f"/registry/persons/?unit={tree.street.code}&population_type=inflow"
    )


def test_child_counts_link_to_the_lists_filtered_to_the_child(web, people, tree, residents):
    response = web.as_(people.street).get(f"/org/{tree.community_a.code}/")
    grid = child_figures(response, tree.grid_a1.code)
    assert grid["在册人员"] == (2, f"/registry/persons/?unit={tree.grid_a1.code}")
    assert grid["楼栋"] == (1, f"/housing/?unit={tree.grid_a1.code}")
    assert child_figures(response, tree.grid_a2.code)["在册人员"][0] == 1


def test_unit_page_links_to_its_people_and_buildings(web, people, tree, residents):
    client = web.as_(people.street)
    page = client.get(f"/org/{tree.community_b.code}/").text
    links = re.search(r'data-testid="unit-links">(.*?)</div>', page, re.S).group(1)
    assert f'href="/registry/persons/?unit={tree.community_b.code}">人员名单</a>' in links
    assert f'href="/housing/?unit={tree.community_b.code}">楼栋名单</a>' in links
    # The lists behind the links show the unit's records only.
    persons = client.get("/registry/persons/", {"unit": tree.community_b.code}).text
    assert "赵六" in persons and "张三" not in persons
    buildings = client.get("/housing/", {"unit": tree.community_b.code}).text
    assert "9号楼" in buildings and "1号楼" not in buildings


def test_counts_stay_inside_the_jurisdiction(web, people, tree, residents):
    response = web.as_(people.worker_a).get(f"/org/{tree.community_a.code}/")
    assert unit_totals(response)["在册人员"][0] == 3


@pytest.mark.parametrize("path", ["", "?export=xlsx"])
def test_unit_page_of_another_community_is_404(web, people, tree, path):
    assert web.as_(people.worker_b).get(f"/org/{tree.community_a.code}/{path}").status_code == 404


def test_tree_exports_units_below_with_their_counts(web, people, tree, residents):
    response = web.as_(people.street).get(f"/org/{tree.street.code}/", {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="org-{tree.street.code}-'
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == (
        "代码",
        "名称",
        "上级代码",
        "层级",
        "类型",
        "状态",
        "在册人员",
        "流入人口",
        "住户",
        "楼栋",
        "八个清楚齐全率%",
        "本月未查",
        "待注销",
    )
    by_code = {row[0]: row for row in rows[1:]}
    assert list(by_code) == sorted(by_code)
    assert set(by_code) == {
        tree.street.code,
        tree.community_a.code,
        tree.grid_a1.code,
        tree.grid_a2.code,
        tree.community_b.code,
        tree.grid_b1.code,
        tree.zone.code,
        tree.zone_grid.code,
    }
    assert by_code[tree.street.code][1:] == (
        "示范街道",
        tree.district.code,
        "街道/乡镇",
        "街道",
        "在用",
        "4",
        "2",
        "4",
        "3",
        "100",
        "2",
        "0",
    )
    assert by_code[tree.grid_a1.code][6:10] == ("2", "1", "2", "1")
    assert by_code[tree.zone.code][4] == "未建社区的新建小区（盲区）"


def test_tree_export_as_csv_marks_closed_units(web, people, tree):
    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason=REASON)
    response = web.as_(people.worker_a).get(f"/org/{tree.community_a.code}/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row[0], row[5]) for row in rows[1:]] == [
        (tree.community_a.code, "在用"),
        (tree.grid_a1.code, "在用"),
        (tree.grid_a2.code, "已撤销"),
    ]


@pytest.mark.parametrize("extra", [3, 48])
def test_tree_export_runs_constant_queries(
    web, people, tree, residents, django_assert_max_num_queries, extra
):
    add_grids(tree.community_a, extra)
    client = web.as_(people.street_admin)
    with django_assert_max_num_queries(20):
        response = client.get(f"/org/{tree.street.code}/", {"export": "csv"})
    assert len(response.content.decode("utf-8-sig").splitlines()) == 1 + 8 + extra
