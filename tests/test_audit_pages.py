"""The auditor's two logs: changes (who, what, why) and sensitive reads."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shequ.org import services
from shequ.org.audit import SensitiveTarget, audit_sensitive_read
from shequ.org.models import AuditEvent, SensitiveAccess
from shequ.org.roles import Role
from tests.audit_tamper import triggers_lifted
from tests.conftest import make_user

TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2025, 3, day, 10, 0, tzinfo=TZ)


@pytest.fixture
def changes(people, tree):
    """Three renames by two people in three units on three days."""
    for unit, actor, day in [
        (tree.grid_a1, people.street_admin, 3),
        (tree.grid_b1, people.street_admin, 10),
        (tree.community_c, people.city_admin, 20),
    ]:
        services.org_unit_rename(
            actor=actor, unit=unit, name=unit.name + "（新）", reason=f"更名{day}"
        )
        with triggers_lifted():
            AuditEvent.objects.filter(action="org_unit.rename", target_id=str(unit.uid)).update(
                at=at(day)
            )


def read(actor, label: str, unit_code: str, day: int) -> None:
    audit_sensitive_read(
        actor=actor,
        targets=[SensitiveTarget("registry.person", label, label, unit_code)],
        fields=["id_number"],
        purpose=SensitiveAccess.Purpose.SERVICE,
        channel=SensitiveAccess.Channel.WEB,
    )
    with triggers_lifted():
        SensitiveAccess.objects.filter(target_id=label).update(at=at(day))


@pytest.fixture
def reads(people, tree):
    read(people.worker_a, "张三", tree.grid_a1.code, 3)
    read(people.worker_b, "李四", tree.community_b.code, 10)
    read(people.worker_c, "王五", tree.community_c.code, 20)


@pytest.fixture
def auditor_x(tree):
    """An auditor of 杜集区, the other district."""
    return make_user("auditor_x", Role.AUDITOR, tree.other_district)


def reasons(response) -> list[str]:
    return re.findall(r'data-label="原因">(更名\d+)</td>', response.text)


def read_targets(response) -> list[str]:
    return re.findall(r'data-label="对象">([^<]+)</td>', response.text)


# --- The change log --------------------------------------------------------------------------


def test_auditor_browses_the_change_log_newest_first(web, people, changes):
    response = web.as_(people.auditor).get("/audit/")
    assert response.status_code == 200
    assert reasons(response) == ["更名20", "更名10", "更名3"]


def change_cells(response) -> list[str]:
    """The text of each row's 变更内容 cell, tags dropped."""
    cells = re.findall(r'data-label="变更内容">(.*?)</td>', response.text, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def action_cells(response) -> list[str]:
    return re.findall(r'data-label="操作"><span title="([^"]+)">([^<]+)</span>', response.text)


def test_change_log_shows_actor_and_changes(web, people, changes):
    response = web.as_(people.auditor).get("/audit/", {"actor": "city_admin"})
    assert action_cells(response) == [("org_unit.rename", "单位更名")]
    assert change_cells(response) == ["名称 ： 水泥厂社区 → 水泥厂社区（新）"]


def test_export_event_reads_as_facts_not_pairs(web, people, tree):
    AuditEvent.objects.create(
        actor=people.worker_a,
        action="export.persons",
        target_type="registry.person",
        target_id="",
        target_label="导出人员 120 条",
        unit_code=tree.community_a.code,
        changes={"rows": 120, "format": "xlsx", "id_numbers": "masked"},
    )
    response = web.as_(people.auditor).get("/audit/", {"action": "export.persons"})
    assert action_cells(response) == [("export.persons", "导出人员")]
    assert change_cells(response) == ["条数 ： 120 格式 ： xlsx 身份号码 ： 遮盖"]


def test_unknown_action_shows_its_code(web, people, tree):
    AuditEvent.objects.create(
        action="campaign.launch",
        target_type="campaign.campaign",
        target_id="1",
        target_label="宣传月",
        unit_code=tree.zone.code,
        changes={"title": [None, "宣传月"]},
    )
    response = web.as_(people.auditor).get("/audit/", {"unit": tree.zone.code})
    assert action_cells(response) == [("campaign.launch", "campaign.launch")]
    assert change_cells(response) == ["title ： （空） → 宣传月"]


@pytest.fixture
def housing_changes(people, tree):
    """A move to another home and a landlord named for a rented home, through the services."""
    from shequ.registry import services as registry
    from tests.factories import make_building, make_household, make_person

    building = make_building(tree.grid_a1, "3号楼")
    first, second = make_household(building, "101"), make_household(building, "202")
    person = make_person(first, name="赵敏")
    landlord = make_person(first, name="钱房东", relation="head")
    registry.person_move(
        actor=people.worker_a,
        person=person,
        household=second,
        date=timezone.localdate(),
        reason="搬家",
    )
    registry.household_update(
        actor=people.worker_a,
        household=second,
        number="202",
        reason="出租",
        is_rented=True,
        landlord=landlord,
    )
    return first, second, landlord


def test_change_log_names_homes_landlords_and_choices(web, people, housing_changes):
    _first, second, landlord = housing_changes
    client = web.as_(people.auditor)
    move = client.get("/audit/", {"action": "person.move"})
    assert action_cells(move) == [("person.move", "市内迁移")]
    assert "现居住户 ： 3号楼 101 → 3号楼 202" in change_cells(move)[0]
    assert f'title="{second.uid}">3号楼 202</span>' in move.text
    rented = client.get("/audit/", {"action": "household.update"})
    (cell,) = change_cells(rented)
    assert "出租房屋 ： 否 → 是" in cell
    assert "房东（登记人员） ： （空） → 钱房东" in cell
    assert f'title="{landlord.pk}">钱房东</span>' in rented.text
    registered = client.get("/audit/", {"action": "person.register"})
    assert "人口类型 ： （空） → 户籍常住" in change_cells(registered)[0]


def test_records_outside_the_jurisdiction_stay_unnamed(web, auditor_x, tree, housing_changes):
    _first, second, _landlord = housing_changes
    AuditEvent.objects.create(
        action="person.move",
        target_type="registry.person",
        target_id="x",
        target_label="某人",
        unit_code=tree.community_c.code,
        changes={"household": [None, str(second.uid)]},
    )
    response = web.as_(auditor_x).get("/audit/", {"action": "person.move"})
    assert change_cells(response) == [f"现居住户 ： （空） → {second.uid}"]
    assert "3号楼" not in response.text


def test_change_log_filters_by_user(web, people, changes):
    response = web.as_(people.auditor).get("/audit/", {"actor": "street_admin"})
    assert reasons(response) == ["更名10", "更名3"]


def test_change_log_filters_by_unit_subtree(web, people, tree, changes):
    response = web.as_(people.auditor).get("/audit/", {"unit": tree.community_a.code})
    assert reasons(response) == ["更名3"]


def test_change_log_filters_by_dates(web, people, changes):
    client = web.as_(people.auditor)
    assert reasons(client.get("/audit/", {"since": "2025-03-10"})) == ["更名20", "更名10"]
    assert reasons(client.get("/audit/", {"until": "2025-03-10"})) == ["更名10", "更名3"]
    assert reasons(client.get("/audit/", {"since": "2025-03-04", "until": "2025-03-19"})) == [
        "更名10"
    ]


def test_change_log_with_a_bad_date_shows_the_error(web, people, changes):
    response = web.as_(people.auditor).get("/audit/", {"since": "2025-13-01"})
    assert response.status_code == 200
    assert "输入一个有效的日期。" in response.text


def test_change_log_exports_the_filtered_rows(web, people, changes):
    response = web.as_(people.auditor).get("/audit/", {"actor": "street_admin", "export": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作")
    assert [(row[1], row[2], row[3], row[6]) for row in rows[1:]] == [
        ("street_admin", "单位更名", "org_unit.rename", "更名10"),
        ("street_admin", "单位更名", "org_unit.rename", "更名3"),
    ]
    assert rows[1][0] == "2025-03-10 10:00"
    # the change in words, as on the page
    assert rows[1][7].startswith("名称：")
    assert "→" in rows[1][7]


def test_auditor_of_another_district_sees_only_its_changes(web, auditor_x, changes):
    response = web.as_(auditor_x).get("/audit/")
    assert reasons(response) == ["更名20"]


def test_auditor_filtering_outside_the_subtree_finds_nothing(web, auditor_x, tree, changes):
    response = web.as_(auditor_x).get("/audit/", {"unit": tree.community_a.code})
    assert reasons(response) == []
    assert "没有符合条件的记录。" in response.text


def test_export_by_an_auditor_of_another_district_has_only_its_rows(web, auditor_x, changes):
    response = web.as_(auditor_x).get("/audit/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {row[5][:6] for row in rows[1:]} == {"340602"}


def test_a_district_auditor_may_read_the_districts_change_log(web, tree, changes):
    auditor = make_user("auditor_d", Role.AUDITOR, tree.district)
    assert reasons(web.as_(auditor).get("/audit/")) == ["更名10", "更名3"]


# Separation of duties: neither data work nor user administration reads the audit log.
@pytest.mark.parametrize(
    "persona",
    [
        "city",
        "district",
        "street",
        "worker_a",
        "grid_a1",
        "provider",
        "city_admin",
        "district_admin",
        "street_admin",
    ],
)
@pytest.mark.parametrize("path", ["/audit/", "/audit/sensitive/"])
def test_roles_without_audit_get_403(web, people, persona, path):
    assert web.as_(getattr(people, persona)).get(path).status_code == 403


def test_audit_menu_entry_only_for_roles_that_may_audit(web, people):
    assert 'href="/audit/"' in web.as_(people.auditor).get("/").text
    assert 'href="/audit/"' not in web.as_(people.worker_a).get("/").text


def test_auditor_reads_the_tree_but_cannot_see_change_buttons(web, people, tree):
    page = web.as_(people.auditor).get(f"/org/{tree.community_a.code}/").text
    assert f"/org/{tree.community_a.code}/rename/" not in page
    assert f"/org/{tree.community_a.code}/new/" not in page


# --- The sensitive-read log ----------------------------------------------------------------


def test_auditor_browses_the_sensitive_reads(web, people, reads):
    response = web.as_(people.auditor).get("/audit/sensitive/")
    assert response.status_code == 200
    assert read_targets(response) == ["王五", "李四", "张三"]


def test_sensitive_reads_filter_by_user(web, people, reads):
    response = web.as_(people.auditor).get("/audit/sensitive/", {"actor": "worker_b"})
    assert read_targets(response) == ["李四"]


def test_sensitive_reads_filter_by_unit_subtree(web, people, tree, reads):
    response = web.as_(people.auditor).get("/audit/sensitive/", {"unit": tree.community_a.code})
    assert read_targets(response) == ["张三"]


def test_sensitive_reads_filter_by_dates(web, people, reads):
    response = web.as_(people.auditor).get(
        "/audit/sensitive/", {"since": "2025-03-04", "until": "2025-03-20"}
    )
    assert read_targets(response) == ["王五", "李四"]


def test_sensitive_reads_export(web, people, reads):
    response = web.as_(people.auditor).get("/audit/sensitive/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("时间", "查看人", "对象", "单位代码", "查看内容", "目的", "途径", "IP 地址")
    assert [(row[1], row[2], row[4], row[5]) for row in rows[1:]] == [
        ("worker_c", "王五", "id_number", "办理服务"),
        ("worker_b", "李四", "id_number", "办理服务"),
        ("worker_a", "张三", "id_number", "办理服务"),
    ]


def test_sensitive_summary_counts_occasions_not_rows(web, people, tree):
    # One export writes a row per person in a single insert; three reveals on three days.
    audit_sensitive_read(
        actor=people.worker_a,
        targets=[
            SensitiveTarget("registry.person", str(i), f"人{i}", tree.grid_a1.code)
            for i in range(40)
        ],
        fields=["id_number"],
        purpose=SensitiveAccess.Purpose.SERVICE,
        channel=SensitiveAccess.Channel.EXPORT,
    )
    with triggers_lifted():
        SensitiveAccess.objects.filter(actor=people.worker_a).update(at=at(5))
    for day in (3, 10, 20):
        read(people.worker_b, f"李四{day}", tree.community_b.code, day)
    response = web.as_(people.auditor).get("/audit/sensitive/")
    summary = re.search(r'data-testid="summary"[^>]*>(.*?)</p>', response.text).group(1)
    assert summary == "查看次数最多的用户：worker_b（3 次）、worker_a（1 次）"


def test_sensitive_reads_outside_the_subtree_are_absent(web, auditor_x, reads):
    assert read_targets(web.as_(auditor_x).get("/audit/sensitive/")) == ["王五"]


# --- The same logs through the API ------------------------------------------------------------


def test_api_change_log_filters_by_user_unit_and_date(api, people, tree, changes):
    client = api.as_(people.auditor)
    response = client.get(
        "/api/v1/audit-events/",
        {"actor": "street_admin", "unit": tree.street.code, "since": "2025-03-05"},
    )
    assert [row["reason"] for row in response.json()["results"]] == ["更名10"]


def test_api_sensitive_reads_are_scoped(api, auditor_x, reads):
    response = api.as_(auditor_x).get("/api/v1/sensitive-accesses/")
    assert [row["target_label"] for row in response.json()["results"]] == ["王五"]


@pytest.mark.parametrize("path", ["/api/v1/audit-events/", "/api/v1/sensitive-accesses/"])
def test_api_logs_refuse_roles_without_audit(api, people, path):
    assert api.as_(people.worker_a).get(path).status_code == 403
    assert api.as_(people.street).get(path).status_code == 403


def test_api_logs_are_read_only(api, people):
    response = api.as_(people.auditor).post("/api/v1/audit-events/", {}, format="json")
    assert response.status_code in (403, 405)
    assert api.as_(people.city).delete("/api/v1/audit-events/1/").status_code in (403, 404, 405)


# --- Constant query counts ----------------------------------------------------------------------


def many_events(people, tree, count: int) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=people.street if i % 2 else None,
            action="org_unit.rename",
            target_type="org.orgunit",
            target_id=str(i),
            target_label=f"单位{i}",
            unit_code=tree.community_a.code,
            reason="批量",
            changes={"name": ["甲", "乙"]},
        )
        for i in range(count)
    )


def many_reads(people, tree, count: int) -> None:
    for i in range(count):
        actor = [people.worker_a, people.worker_b, people.grid_a1][i % 3]
        audit_sensitive_read(
            actor=actor,
            targets=[SensitiveTarget("registry.person", str(i), f"人{i}", tree.grid_a1.code)],
            fields=["id_number"],
            purpose=SensitiveAccess.Purpose.VERIFY,
            channel=SensitiveAccess.Channel.API,
        )


@pytest.mark.parametrize("count", [5, 60])
def test_change_log_runs_constant_queries(web, people, tree, count, django_assert_max_num_queries):
    many_events(people, tree, count)
    client = web.as_(people.auditor)
    with django_assert_max_num_queries(8):
        assert client.get("/audit/").status_code == 200


@pytest.mark.parametrize("count", [5, 60])
def test_change_log_names_related_records_in_constant_queries(
    web, people, tree, housing_changes, count, django_assert_max_num_queries
):
    first, second, _landlord = housing_changes
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=people.worker_a,
            action="person.move",
            target_type="registry.person",
            target_id=str(i),
            target_label=f"人{i}",
            unit_code=tree.grid_a1.code,
            changes={
                "household": [str(first.uid), str(second.uid)],
                "unit": [tree.grid_a1.code, tree.grid_a2.code],
                "hukou_division": [None, "340603000000"],
                "population_type": ["resident", "inflow"],
            },
        )
        for i in range(count)
    )
    client = web.as_(people.auditor)
    with django_assert_max_num_queries(11):
        response = client.get("/audit/", {"action": "person.move"})
    cells = change_cells(response)
    assert len(cells) == min(count + 1, 50)
    assert "现居住户 ： 3号楼 101 → 3号楼 202" in cells[0]
    assert "现居住网格/社区 ： 第1网格 → 第2网格" in cells[0]
    assert "户籍地 ： （空） → " in cells[0]
    assert "户籍常住 → 流入" in cells[0]


@pytest.mark.parametrize("count", [5, 60])
def test_sensitive_log_runs_constant_queries(
    web, people, tree, count, django_assert_max_num_queries
):
    many_reads(people, tree, count)
    client = web.as_(people.auditor)
    with django_assert_max_num_queries(8):
        response = client.get("/audit/sensitive/")
    assert len(read_targets(response)) == min(count, 50)


@pytest.mark.parametrize("count", [5, 60])
def test_api_change_log_runs_constant_queries(
    api, people, tree, count, django_assert_max_num_queries
):
    many_events(people, tree, count)
    client = api.as_(people.auditor)
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/audit-events/").status_code == 200


@pytest.mark.parametrize("count", [5, 60])
def test_api_sensitive_log_runs_constant_queries(
    api, people, tree, count, django_assert_max_num_queries
):
    many_reads(people, tree, count)
    client = api.as_(people.auditor)
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/sensitive-accesses/").status_code == 200
