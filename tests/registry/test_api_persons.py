"""Persons through the REST API: token, list, search, filters, masking, create and edit."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from shequ.core.identifiers import mask_id_number
from shequ.org.models import SensitiveAccess
from shequ.registry import services
from shequ.registry.models import Person
from tests.conftest import PASSWORD
from tests.factories import (
    SUIXIAN_HENAN,
    id_number,
    make_building,
    make_household,
    make_person,
    person_ids_order,
    person_values,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/persons/"


@pytest.fixture
def home_a(tree):
    return make_household(make_building(tree.grid_a1))


@pytest.fixture
def home_c(tree):
    return make_household(make_building(tree.community_c, "9号楼"))


def married_woman(home, **overrides):
    values = {
        "name": "李芳",
        "marital_status": "married",
        "marriage_date": datetime.date(2014, 10, 1),
        "children_count": 1,
        "contraception": "iud",
        "contraception_since": datetime.date(2016, 3, 1),
        **overrides,
    }
    return make_person(home, **values)


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# --- Authentication --------------------------------------------------------------------------


def test_token_from_username_and_password_opens_the_person_list(people, home_a):
    make_person(home_a, name="张三")
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "worker_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert names(client.get(URL)) == ["张三"]


def test_person_list_without_credentials_is_401(people):
    assert APIClient().get(URL).status_code == 401


# --- Search and filters ----------------------------------------------------------------------


@pytest.fixture
def three(home_a):
    return {
        "zhang": make_person(home_a, name="张三"),
        "zhao": make_person(home_a, name="赵四", sex="M"),
        "wang": make_person(home_a, name="王小明", birth_date=datetime.date(2015, 1, 2)),
    }


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("zs", ["张三", "赵四"]),
        ("zhangsan", ["张三"]),
        ("wangx", ["王小明"]),
        ("王", ["王小明"]),
        ("z", ["张三", "赵四"]),
    ],
)
def test_search_matches_pinyin_initials_full_pinyin_and_name(api, people, three, term, expected):
    assert sorted(names(api.as_(people.worker_a).get(URL, {"search": term}))) == sorted(expected)


def test_search_by_whole_identity_number_finds_that_person(api, people, three):
    number = three["zhao"].id_number
    response = api.as_(people.worker_a).post(
        f"{URL}search/", {"search": number.lower()}, format="json"
    )
    assert names(response) == ["赵四"]


def test_search_by_identity_number_prefix_finds_people_born_that_day(api, people, three):
    prefix = three["wang"].id_number[:14]
    assert names(api.as_(people.worker_a).get(URL, {"search": prefix})) == ["王小明"]


def test_list_shows_active_people_unless_status_all(api, people, three):
    services.person_depart(
        actor=people.worker_a,
        person=three["zhang"],
        date=timezone.localdate(),
        reason="回老家",
        division=SUIXIAN_HENAN,
    )
    client = api.as_(people.worker_a)
    assert "张三" not in names(client.get(URL))
    assert "张三" in names(client.get(URL, {"status": "all"}))
    assert names(client.get(URL, {"status": "departed"})) == ["张三"]


def test_filters_by_sex_age_band_and_population_type(api, people, three, home_a):
    make_person(home_a, name="外来工", hukou_division=SUIXIAN_HENAN)
    client = api.as_(people.worker_a)
    assert names(client.get(URL, {"sex": "M"})) == ["赵四"]
    assert names(client.get(URL, {"age": "0-14"})) == ["王小明"]
    assert names(client.get(URL, {"population_type": "inflow"})) == ["外来工"]


def test_unit_filter_covers_the_subtree(api, people, tree, three):
    other_grid = make_household(make_building(tree.grid_a2, "2号楼"))
    make_person(other_grid, name="钱五")
    client = api.as_(people.worker_a)
    assert names(client.get(URL, {"unit": tree.grid_a2.code})) == ["钱五"]
    assert len(names(client.get(URL, {"unit": tree.community_a.code}))) == 4


def test_filters_by_household_building_and_hukou(api, people, tree, three):
    home = make_household(make_building(tree.grid_a2, "2号楼"))
    make_person(home, name="钱五", hukou_division=SUIXIAN_HENAN)
    client = api.as_(people.worker_a)
    assert names(client.get(URL, {"household": str(home.uid)})) == ["钱五"]
    assert names(client.get(URL, {"building": str(home.building.uid)})) == ["钱五"]
    assert names(client.get(URL, {"hukou": "411400000000"})) == ["钱五"]


@pytest.mark.parametrize("param", ["household", "building"])
def test_malformed_household_or_building_id_is_a_400(api, people, three, param):
    response = api.as_(people.worker_a).get(URL, {param: "not-a-uuid"})

    assert response.status_code == 400
    assert "编号格式不对" in response.json()[param][0]


@pytest.mark.parametrize(
    "param",
    ["status", "population_type", "sex", "marital_status", "age", "contraception", "overdue"],
)
def test_an_unknown_choice_is_a_400_naming_the_filter(api, people, three, param):
    response = api.as_(people.worker_a).get(URL, {param: "xyz"})

    assert response.status_code == 400
    assert "xyz" in response.json()[param][0]


def test_filters_by_eight_clear_and_overdue_check(api, people, home_a):
    complete = make_person(
        home_a,
        name="齐全",
        hukou_division=SUIXIAN_HENAN,
        flow_in_date=datetime.date(2024, 3, 1),
        flow_in_reason="work",
    )
    make_person(home_a, name="缺项", hukou_division=SUIXIAN_HENAN)
    client = api.as_(people.worker_a)
    assert names(client.get(URL, {"eight_clear": "complete"})) == ["齐全"]
    assert names(client.get(URL, {"eight_clear": "incomplete"})) == ["缺项"]
    services.checks_record(
        actor=people.worker_a, persons=[complete], kind="monthly", date=timezone.localdate()
    )
    assert names(client.get(URL, {"overdue": "monthly"})) == ["缺项"]


def test_ordering_by_birth_date_and_name_descending(api, people, three):
    client = api.as_(people.worker_a)
    assert names(client.get(URL, {"ordering": "-birth_date"}))[0] == "王小明"
    assert names(client.get(URL, {"ordering": "-name"})) == sorted(
        ["张三", "赵四", "王小明"], key=lambda n: n, reverse=True
    )


def test_contraception_filter_works_for_health_roles_only(api, people, home_a):
    married_woman(home_a)
    make_person(home_a, name="张三")
    assert names(api.as_(people.worker_a).get(URL, {"contraception": "iud"})) == ["李芳"]
    # A role that may not see health data cannot select people by it either.
    assert len(names(api.as_(people.district).get(URL, {"contraception": "iud"}))) == 2


# --- Pagination ------------------------------------------------------------------------------


def test_list_is_paginated_with_count_and_links(api, people, home_a):
    for name in ["甲", "乙", "丙"]:
        make_person(home_a, name=name)
    body = api.as_(people.worker_a).get(URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"]


def ids_order(client, params: dict) -> tuple[list[str], str]:
    """The names listed, and the ORDER BY of the query that read the page's ids."""
    with CaptureQueriesContext(connection) as captured:
        listed = names(client.get(URL, params))
    return listed, person_ids_order(captured.captured_queries)


def test_a_community_is_sorted_within_itself_a_district_along_the_name_index(
    api, people, tree, home_a
):
    for name in ("赵民", "钱民", "孙民", "钱民"):
        make_person(home_a, name=name)
    expected = sorted(["赵民", "钱民", "孙民", "钱民"])

    worker, worker_order = ids_order(api.as_(people.worker_a), {})
    chosen, chosen_order = ids_order(
        api.as_(people.district), {"unit": tree.community_a.code, "ordering": "-name"}
    )
    district, district_order = ids_order(api.as_(people.district), {})

    assert worker == district == expected
    assert chosen == expected[::-1]
    assert worker_order.startswith("(COALESCE(") and worker_order.endswith(" ASC")
    assert chosen_order.startswith("(COALESCE(") and ") DESC, " in chosen_order
    assert district_order.startswith('"registry_person"."name" ASC'), district_order


def test_page_size_is_capped_at_200(api, people, home_a):
    born = datetime.date(1980, 1, 1)
    Person.objects.bulk_create(
        Person(
            id_number=id_number(born + datetime.timedelta(days=i // 400), "F"),
            name=f"测试{i}",
            sex="F",
            birth_date=born + datetime.timedelta(days=i // 400),
            hukou_division_id="340603000000",
            population_type="resident",
            unit_id=home_a.unit_id,
            household=home_a,
            marital_status="single",
        )
        for i in range(205)
    )
    body = api.as_(people.district).get(URL, {"page_size": 1000}).json()
    assert body["count"] == 205
    assert len(body["results"]) == 200


def test_person_list_runs_the_same_number_of_queries_for_5_and_60_rows(
    api, people, home_a, django_assert_max_num_queries
):
    # 6, and 2 more for each of the two logged reads: they append to the audit hash chain.
    client = api.as_(people.worker_a)
    for i in range(5):
        married_woman(home_a, name=f"李{'一二三四五'[i]}")
    with django_assert_max_num_queries(10):
        assert len(client.get(URL, {"page_size": 100}).json()["results"]) == 5
    child = {"order": 1, "birth_date": datetime.date(2015, 1, 1), "sex": "M"}
    for _ in range(55):
        make_person(home_a, name="王芳", children=[child], children_count=1)
    with django_assert_max_num_queries(10):
        assert len(client.get(URL, {"page_size": 100}).json()["results"]) == 60


# --- Fields and masking ----------------------------------------------------------------------


def test_person_shows_contract_fields(api, people, home_a):
    person = make_person(
        home_a,
        name="外来工",
        hukou_division=SUIXIAN_HENAN,
        children=[{"order": 1, "birth_date": datetime.date(2015, 6, 1), "sex": "M"}],
        children_count=1,
    )
    body = api.as_(people.worker_a).get(f"{URL}{person.uid}/").json()
    assert body["id"] == str(person.uid)
    assert body["sex"] == "F"
    assert body["population_type"] == "inflow"
    assert body["status"] == "active"
    assert body["unit"] == home_a.unit_id
    assert body["household"] == str(home_a.uid)
    assert body["hukou_division"] == SUIXIAN_HENAN
    assert body["marital_status"] == "single"
    assert body["eight_clear_missing"] == ["flow_dates"]
    assert body["children"] == [
        {"order": 1, "birth_date": "2015-06-01", "birth_year": 2015, "sex": "M", "name": ""}
    ]


def test_the_list_masks_numbers_even_for_a_role_that_may_reveal_them(api, people, home_a):
    first, second = make_person(home_a), make_person(home_a, name="赵四")
    body = api.as_(people.worker_a).get(URL).json()
    assert {row["id_number"] for row in body["results"]} == {
        mask_id_number(first.id_number),
        mask_id_number(second.id_number),
    }
    # Nothing unmasked was shown, so nothing is logged; the whole number is a reveal.
    assert not SensitiveAccess.objects.filter(fields="id_number").exists()
    assert {row["birth_date"] for row in body["results"]} == {first.birth_date.isoformat()}


def test_role_without_reveal_sees_masked_numbers_and_nothing_is_logged(api, people, home_a):
    person = make_person(home_a)
    body = api.as_(people.district).get(f"{URL}{person.uid}/").json()
    assert body["id_number"] == mask_id_number(person.id_number)
    assert body["id_number"].count("*") == 13
    assert not SensitiveAccess.objects.exists()


def test_role_without_reveal_gets_the_birth_year_and_age_but_no_birth_date(api, people, home_a):
    person = make_person(home_a)
    body = api.as_(people.district).get(f"{URL}{person.uid}/").json()
    assert body["birth_date"] is None
    assert body["birth_year"] == person.birth_date.year
    assert body["age"] == timezone.localdate().year - person.birth_date.year


def test_contraception_is_shown_to_health_roles_and_logged(api, people, home_a):
    person = married_woman(home_a)
    body = api.as_(people.provider).get(f"{URL}{person.uid}/").json()
    assert body["contraception"] == "iud"
    assert body["contraception_since"] == "2016-03-01"
    assert body["id_number"] == mask_id_number(person.id_number)  # provider may not reveal
    row = SensitiveAccess.objects.get(actor=people.provider)
    assert (row.fields, row.target_id, row.channel) == ("contraception", str(person.uid), "api")


def test_contraception_is_null_for_roles_without_health_access(api, people, home_a):
    person = married_woman(home_a)
    body = api.as_(people.district).get(f"{URL}{person.uid}/").json()
    assert body["contraception"] is None
    assert body["contraception_since"] is None


def test_reveal_answers_the_full_number_and_logs_the_purpose(api, people, home_a):
    person = make_person(home_a)
    response = api.as_(people.grid_a1).post(
        f"{URL}{person.uid}/reveal/", {"purpose": "verify"}, format="json"
    )
    assert response.json() == {"id_number": person.id_number}
    row = SensitiveAccess.objects.get(actor=people.grid_a1)
    assert (row.purpose, row.channel, row.fields) == ("verify", "api", "id_number")


def test_reveal_is_403_for_a_role_that_may_not(api, people, home_a):
    person = make_person(home_a)
    response = api.as_(people.provider).post(
        f"{URL}{person.uid}/reveal/", {"purpose": "verify"}, format="json"
    )
    assert response.status_code == 403
    assert not SensitiveAccess.objects.exists()


# --- Create ----------------------------------------------------------------------------------


def test_create_registers_a_migrant_with_birth_date_and_sex_from_the_number(api, people, home_a):
    number = id_number(datetime.date(1992, 2, 29), "M", "340602")
    response = api.as_(people.worker_a).post(
        URL,
        {
            "household": str(home_a.uid),
            "id_number": number,
            "name": "刘强",
            "hukou_division": SUIXIAN_HENAN,
            "hukou_address": "睢县城关镇",
            "marital_status": "married",
            "marriage_date": "2018-05-01",
            "flow_in_date": "2024-03-01",
            "flow_in_reason": "work",
            "employment": "employed",
            "children": [{"order": 1, "birth_date": "2019-07-01", "sex": "F", "name": "刘丫"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["birth_date"], body["sex"]) == ("1992-02-29", "M")
    assert body["population_type"] == "inflow"
    assert body["children_count"] == 1
    assert body["children"][0]["name"] == "刘丫"
    flow = Person.objects.get(uid=body["id"]).flows.get()
    assert (flow.kind, flow.actor) == ("arrival", people.worker_a)


def test_create_answers_every_problem_by_field(api, people, home_a):
    valid = id_number()
    wrong_check_digit = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    response = api.as_(people.worker_a).post(
        URL,
        {
            "household": str(home_a.uid),
            "id_number": wrong_check_digit,
            "hukou_division": "999999000000",
            "marital_status": "single",
            "marriage_date": "2015-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == ["必填。"]
    assert "校验位" in body["id_number"][0]
    assert "hukou_division" in body
    assert body["marriage_date"] == ["未婚者不能有结婚日期。"]
    assert not Person.objects.exists()


def test_create_refuses_birth_date_disagreeing_with_the_number(api, people, home_a):
    values = person_values()
    values.update(household=str(home_a.uid), birth_date="1990-05-18")
    response = api.as_(people.worker_a).post(URL, values, format="json")
    assert response.status_code == 400
    assert "不一致" in response.json()["birth_date"][0]


def test_create_duplicate_in_own_jurisdiction_names_the_registered_person(api, people, home_a):
    existing = make_person(home_a, name="张三")
    values = person_values(id_number=existing.id_number, name="张叁")
    response = api.as_(people.worker_a).post(
        URL, {**values, "household": str(home_a.uid)}, format="json"
    )
    assert response.status_code == 400
    assert "已登记：张三" in response.json()["id_number"][0]


def test_create_duplicate_registered_elsewhere_points_to_transfer_without_naming(
    api, people, home_a, home_c
):
    existing = make_person(home_c, name="孙七")
    values = person_values(id_number=existing.id_number, name="孙七")
    response = api.as_(people.worker_a).post(
        URL, {**values, "household": str(home_a.uid)}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["id_number"][0]
    assert "市内迁入" in message
    assert "孙七" not in message
    assert Person.objects.count() == 1


def test_create_without_household_is_400(api, people):
    response = api.as_(people.worker_a).post(URL, person_values(), format="json")
    assert response.status_code == 400
    assert "household" in response.json()


def test_create_in_household_of_other_community_is_404(api, people, home_c):
    response = api.as_(people.worker_a).post(
        URL, {**person_values(), "household": str(home_c.uid)}, format="json"
    )
    assert response.status_code == 404
    assert not Person.objects.exists()


# --- Edit ------------------------------------------------------------------------------------


def test_edit_without_reason_is_400_and_changes_nothing(api, people, home_a):
    person = make_person(home_a, phone="")
    response = api.as_(people.worker_a).patch(
        f"{URL}{person.uid}/", {"phone": "13912345678", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    person.refresh_from_db()
    assert person.phone == ""


def test_edit_with_reason_changes_the_fact_and_keeps_the_reason(api, people, home_a):
    person = make_person(home_a)
    response = api.as_(people.worker_a).patch(
        f"{URL}{person.uid}/",
        {"phone": "13912345678", "reason": "入户核实", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "13912345678"
    latest = person.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("入户核实", people.worker_a)


def test_edit_reports_invalid_values_by_field(api, people, home_a):
    person = make_person(home_a)
    response = api.as_(people.worker_a).patch(
        f"{URL}{person.uid}/", {"phone": "12345", "reason": "更正", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]


def test_edit_cannot_move_the_person_by_changing_household(api, people, home_a, tree):
    person = make_person(home_a)
    other = make_household(make_building(tree.grid_a2, "2号楼"))
    response = api.as_(people.worker_a).patch(
        f"{URL}{person.uid}/",
        {"household": str(other.uid), "reason": "搬家", "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert "flows" in response.json()["household"][0]


def test_record_monthly_check(api, people, home_a):
    person = make_person(home_a)
    today = timezone.localdate().isoformat()
    response = api.as_(people.grid_a1).post(
        f"{URL}{person.uid}/checks/", {"kind": "monthly", "date": today}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["actor"] == "grid_a1"
    person.refresh_from_db()
    assert person.last_monthly_check.isoformat() == today


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/persons/123/",
        "/api/v1/persons/123/history/",
        "/api/v1/flows/not-a-uuid/",
        "/api/v1/households/123/",
        "/api/v1/buildings/123/",
        "/api/v1/no-such-thing/",
    ],
)
def test_a_malformed_id_or_unknown_path_answers_a_json_404(api, people, path):
    response = api.as_(people.worker_a).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}


def test_a_malformed_id_in_a_write_answers_a_json_404(api, people):
    response = api.as_(people.worker_a).post(
        "/api/v1/persons/123/reveal/", {"purpose": "service"}, format="json"
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_an_anonymous_caller_cannot_tell_unknown_paths_apart(client, db):
    assert client.get("/api/v1/persons/123/").status_code == client.get(URL).status_code


def test_a_search_by_ten_characters_of_an_identity_number_is_sorted_within_its_matches(
    api, people, home_a
):
    for name in ("赵民", "钱民"):
        make_person(home_a, name=name, id_number=id_number(datetime.date(1985, 3, 1)))
    make_person(home_a, name="孙民", id_number=id_number(datetime.date(1990, 3, 1)))

    found, order = ids_order(api.as_(people.district), {"search": "3406031985"})
    region, region_order = ids_order(api.as_(people.district), {"search": "340603"})

    assert found == ["赵民", "钱民"] or found == sorted(["赵民", "钱民"])
    assert order.startswith("(COALESCE("), order  # read by the number's index, then sorted
    assert sorted(region) == sorted(["赵民", "钱民", "孙民"])
    assert region_order.startswith('"registry_person"."name" ASC'), region_order


def test_a_pinyin_search_reads_its_ids_as_the_page_does(api, web, people, home_a):
    from django.urls import reverse

    for name in ("张三", "张山", "李四"):
        make_person(home_a, name=name)

    with CaptureQueriesContext(connection) as api_queries:
        listed = names(api.as_(people.district).get(URL, {"search": "zs"}))
    with CaptureQueriesContext(connection) as page_queries:
        web.as_(people.district).get(reverse("registry:person_list"), {"search": "zs"})

    def union(captured) -> list[str]:
        return [q["sql"] for q in captured if "UNION ALL" in q["sql"]]

    assert sorted(listed) == ["张三", "张山"]
    assert len(union(api_queries.captured_queries)) == len(union(page_queries.captured_queries))
    assert union(api_queries.captured_queries)


def test_the_count_stops_at_the_cap_and_next_reads_on(api, people, home_a, monkeypatch):
    from shequ.core.web import ListPaginator

    monkeypatch.setattr(ListPaginator, "cap", 3)
    listed = ["甲一", "甲七", "甲三", "甲九", "甲二", "甲五", "甲八", "甲六", "甲四"]
    for name in listed:
        make_person(home_a, name=name)
    client = api.as_(people.worker_a)

    first = client.get(URL, {"page_size": 2}).json()
    seen = [row["name"] for row in first["results"]]
    body = first
    while body["next"]:
        response = client.get(body["next"])
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["previous"]  # past the cap the page before is there too
        seen += [row["name"] for row in body["results"]]

    assert (first["count"], first["count_capped"]) == (3, True)
    assert seen == sorted(listed)
    assert (body["count"], body["count_capped"], body["next"]) == (9, False, None)
