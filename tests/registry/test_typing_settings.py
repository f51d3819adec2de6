"""Typing as settings (issue 16 item 5): which boundary makes 人户分离 and which makes 流动,
per deployment; a change re-types the registry in a background job with its report."""

import pytest
from django.urls import reverse

from shequ.org.models import AuditEvent
from shequ.registry import services
from shequ.registry.models import Person, RetypeJob, TypingSettings
from shequ.registry.rules import Typing, derive_population_type, served_at_residence
from tests.factories import make_building, make_household, make_person

HUAIBEI = "3406"
XIANGSHAN_COMMUNITY = "340603001004"  # 相南街道 春秋社区
SAME_STREET = "340603001005"  # 相南街道 黎苑社区
OTHER_STREET = "340603002000"  # 东街道
LIESHAN = "340604000000"  # 烈山区: a district of the city
SUIXI = "340621000000"  # 濉溪县: a county of the city
HEFEI = "340102000000"


def typed(hukou: str, residence: str = XIANGSHAN_COMMUNITY, **typing) -> str:
    return derive_population_type(
        hukou_code=hukou, residence_code=residence, city_prefix=HUAIBEI, typing=Typing(**typing)
    )


def test_the_defaults_for_huaibei_follow_domain_facts_9():
    assert typed(SUIXI) == "inflow"  # 濉溪 → 相山 is 流动
    assert typed(LIESHAN) == "separated"  # 烈山 → 相山: 市辖区内人户分离
    assert typed(SAME_STREET) == "resident"  # another community of the same street: neither
    assert typed(OTHER_STREET) == "separated"
    assert typed(HEFEI) == "inflow"
    assert typed(XIANGSHAN_COMMUNITY) == "resident"
    # The other way round too: from a district into the county is leaving the county.
    assert typed(XIANGSHAN_COMMUNITY, residence="340621100001") == "inflow"


def test_the_old_behaviour_is_a_setting():
    old = {"separation": "community", "migrant": "city"}
    assert typed(SUIXI, **old) == "separated"
    assert typed(SAME_STREET, **old) == "separated"
    assert typed(HEFEI, **old) == "inflow"


def test_the_service_threshold():
    import datetime

    day = datetime.date(2026, 12, 6)
    assert not served_at_residence(datetime.date(2026, 6, 7), day)
    assert served_at_residence(datetime.date(2026, 6, 6), day)
    assert served_at_residence(datetime.date(2026, 12, 1), day, Typing(service_months=0))
    assert not served_at_residence(None, day)


@pytest.mark.django_db
def test_registration_types_by_the_settings(tree):
    home = make_household(make_building(tree.grid_a1))
    assert make_person(home, hukou_division=SUIXI).population_type == "inflow"
    assert make_person(home, hukou_division=LIESHAN).population_type == "separated"


@pytest.fixture
def registry(tree):
    home = make_household(make_building(tree.grid_a1))
    return {
        "suixi": make_person(home, name="濉溪人", hukou_division=SUIXI, flow_in_reason="work"),
        "lieshan": make_person(home, name="烈山人", hukou_division=LIESHAN),
        "hefei": make_person(home, name="合肥人", hukou_division=HEFEI),
    }


@pytest.mark.django_db
def test_a_change_retypes_the_registry_with_a_report(registry, people, web):
    web.as_(people.city_admin)
    page = web.get(reverse("registry:typing_settings"))
    assert page.status_code == 200 and "保存并重新分类" in page.content.decode()
    answer = web.post(
        reverse("registry:typing_settings"),
        {
            "separation_boundary": "community",
            "migrant_boundary": "city",
            "service_months": "6",
            "reason": "按本市旧口径",
            "version": "1",
        },
    )
    job = RetypeJob.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/typing/jobs/{job.uid}/")
    assert job.status == "succeeded"  # the tests run tasks at once
    assert job.report == {"inflow→separated": 1} and job.changed_count == 1
    assert job.checked_count == 3
    suixi = Person.objects.get(pk=registry["suixi"].pk)
    assert suixi.population_type == "separated" and suixi.version == 2
    assert suixi.eight_clear_missing == ""  # no longer a migrant's fact list
    row = suixi.history.order_by("-history_id").first()
    assert (row.population_type, row.history_change_reason) == ("separated", "按本市旧口径")
    report = web.get(answer["Location"]).content.decode()
    assert "流入" in report and "人户分离" in report and "核对 3 名在册人员，1 人类型改变" in report
    assert AuditEvent.objects.filter(action="typing_settings.update").count() == 1
    assert AuditEvent.objects.filter(action="registry.retype").count() == 1
    settings = TypingSettings.objects.get()
    assert settings.history.count() == 2 and settings.version == 2  # made, then changed


@pytest.mark.django_db
def test_only_the_city_administrator_changes_the_settings(registry, people, api, web):
    body = {
        "separation_boundary": "community",
        "migrant_boundary": "city",
        "service_months": 6,
        "reason": "试探",
        "version": 1,
    }
    for user in (people.city, people.street_admin, people.worker_a):
        assert (
            api.as_(user).post("/api/v1/typing-settings/", body, format="json").status_code == 403
        )
        web.as_(user)
        assert web.post(reverse("registry:typing_settings"), body).status_code == 403
    assert not RetypeJob.objects.exists()
    shown = api.as_(people.worker_a).get("/api/v1/typing-settings/").json()
    assert shown == {
        "separation_boundary": "street",
        "migrant_boundary": "county",
        "service_months": 6,
        "version": 1,
    }


@pytest.mark.django_db
def test_the_api_changes_the_settings_and_shows_the_job(registry, people, api):
    client = api.as_(people.city_admin)
    body = {
        "separation_boundary": "street",
        "migrant_boundary": "city",
        "service_months": 6,
        "reason": "只算离开本市",
        "version": 1,
    }
    answer = client.post("/api/v1/typing-settings/", body, format="json")
    assert answer.status_code == 202, answer.content
    assert answer.json()["report"] == {"inflow→separated": 1}
    jobs = client.get("/api/v1/retype-jobs/").json()
    assert [j["id"] for j in jobs["results"]] == [answer.json()["id"]]
    stale = client.post("/api/v1/typing-settings/", {**body, "migrant_boundary": "county"})
    assert stale.status_code == 409
    same = client.post("/api/v1/typing-settings/", {**body, "version": 2}, format="json")
    assert same.status_code == 400 and "设置没有变化" in same.content.decode()
    back = client.post(
        "/api/v1/typing-settings/", {**body, "migrant_boundary": "county", "version": 2}
    )
    assert back.status_code == 202 and back.json()["report"] == {"separated→inflow": 1}
    assert Person.objects.get(pk=registry["suixi"].pk).population_type == "inflow"
    assert services.typing_current() == Typing("street", "county", 6)
