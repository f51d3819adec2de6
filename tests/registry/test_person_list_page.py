"""The person list (search, filters, bulk checks) and the flow list."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.core.identifiers import mask_id_number
from shequ.core.web import ListPaginator
from shequ.org.models import SensitiveAccess
from shequ.registry import services
from shequ.registry.models import Check, Person
from shequ.registry.rules import month_start, quarter_start
from tests.factories import (
    DUJI,
    SUIXIAN_HENAN,
    make_building,
    make_household,
    make_person,
    person_ids_order,
    person_values,
)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def table_rows(response, testid: str) -> list[str]:
    """The text of each body row of the table marked ``data-testid``."""
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    body = html[html.index("<tbody", start) : html.index("</tbody>", start)]
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def names(response) -> list[str]:
    return [row.split()[0] for row in table_rows(response, "persons") if "没有" not in row]


def migrant(household, **overrides):
    values = {
        "name": "王五",
        "sex": "M",
        "birth_date": datetime.date(1985, 3, 2),
        "hukou_division": SUIXIAN_HENAN,
        "hukou_address": "睢县城关镇",
        "flow_in_date": datetime.date(2025, 1, 5),
        "flow_in_reason": "work",
        "relation": "tenant",
    }
    values.update(overrides)
    return make_person(household, **values)


@pytest.fixture
def homes(tree):
    a = make_household(make_building(tree.grid_a1, "1号楼"), "101")
    a2 = make_household(make_building(tree.grid_a2, "2号楼"), "201")
    b = make_household(make_building(tree.grid_b1, "9号楼"), "301")
    return {"a": a, "a2": a2, "b": b}


@pytest.fixture
def residents(homes):
    """丽景: 张三 (resident), 李四 (separated), 王五 (inflow); 文苑: 张珊 (resident)."""
    return {
        "zhangsan": make_person(homes["a"], name="张三", relation="head"),
        "lisi": make_person(homes["a2"], name="李四", hukou_division=DUJI, sex="M"),
        "wangwu": migrant(homes["a"]),
        "zhangshan": make_person(homes["b"], name="张珊"),
    }


SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def chinese_name(i: int, given: str = "民") -> str:
    return SURNAMES[i % len(SURNAMES)] + given


def list_url(query: str = "") -> str:
    return reverse("registry:person_list") + (f"?{query}" if query else "")


def searched(client, term: str, **filters) -> str:
    """The list URL the search form's post redirects to (a whole number: a token)."""
    response = client.post(list_url(), {"search": term, **filters})
    assert response.status_code == 302
    return response["Location"]


# --- What a worker sees ---------------------------------------------------------------------


def test_worker_sees_the_people_of_own_community_only(web, people, residents):
    response = web.as_(people.worker_a).get(list_url())

    assert response.status_code == 200
    assert sorted(names(response)) == sorted(["张三", "李四", "王五"])


def test_row_shows_masked_number_sex_age_type_unit_and_address(web, people, residents):
    person = residents["wangwu"]

    response = web.as_(people.worker_a).get(list_url("search=王五"))

    (row,) = table_rows(response, "persons")
    age = (
        timezone.localdate().year
        - 1985
        - (timezone.localdate() < datetime.date(timezone.localdate().year, 3, 2))
    )
    assert row.split()[:6] == [
        "王五",
        mask_id_number(person.id_number),
        "男",
        str(age),
        "流入",
        "第1网格",
    ]
    assert "1号楼 101" in row and "在册" in row
    assert person.id_number not in response.content.decode()
    detail = reverse("registry:person_detail", args=[person.uid])
    assert f'href="{detail}"' in response.content.decode()


def test_street_officer_sees_both_communities(web, people, residents):
    response = web.as_(people.street).get(list_url())

    assert sorted(names(response)) == sorted(["张三", "李四", "王五", "张珊"])


def test_list_shows_an_empty_state(web, people, tree):
    response = web.as_(people.worker_a).get(list_url())

    assert "辖区内还没有在册人员。" in response.content.decode()


def test_list_without_results_says_so_and_offers_to_clear(web, people, residents):
    response = web.as_(people.worker_a).get(list_url("search=欧阳"))

    assert "没有符合条件的人员。" in response.content.decode()
    assert "清除条件" in response.content.decode()


# --- Search -----------------------------------------------------------------------------------


@pytest.mark.parametrize("term", ["zs", "ZS", "zhangsan", "张三", "张"])
def test_search_finds_a_person_by_name_or_pinyin(web, people, residents, term):
    response = web.as_(people.worker_a).get(list_url(f"search={term}"))

    assert names(response) == ["张三"]  # 张珊 (zs too) lives in 文苑, outside the jurisdiction


def test_search_finds_a_person_by_identity_number(web, people, residents):
    person = residents["lisi"]

    client = web.as_(people.worker_a)
    location = searched(client, person.id_number)
    whole = client.get(location)
    start = client.get(list_url(f"search={person.id_number[:10]}"))

    assert person.id_number not in location and "sid=" in location
    assert names(whole) == ["李四"]
    assert f'value="{person.id_number}"' in whole.content.decode()  # the box keeps it
    assert "李四" in names(start)


def test_search_does_not_find_someone_of_another_community(web, people, residents):
    person = residents["zhangshan"]

    client = web.as_(people.worker_a)
    by_number = client.get(searched(client, person.id_number))
    by_name = client.get(list_url("search=张珊"))

    assert names(by_number) == [] and names(by_name) == []


# --- Filters ----------------------------------------------------------------------------------


def test_filter_by_population_type_sex_and_unit(web, people, tree, residents):
    client = web.as_(people.worker_a)

    assert names(client.get(list_url("population_type=inflow"))) == ["王五"]
    assert names(client.get(list_url("population_type=separated"))) == ["李四"]
    assert sorted(names(client.get(list_url("sex=M")))) == ["李四", "王五"]
    assert names(client.get(list_url(f"unit={tree.grid_a2.code}"))) == ["李四"]


def test_filter_by_age_band_and_marital_status(web, people, homes, residents):
    make_person(
        homes["a"],
        name="老人",
        birth_date=datetime.date(1950, 1, 1),
        region="340621",
        marital_status="widowed",
    )
    client = web.as_(people.worker_a)

    assert names(client.get(list_url("age=60-"))) == ["老人"]
    assert names(client.get(list_url("marital_status=widowed"))) == ["老人"]


def test_departed_people_leave_the_list_but_remain_findable(web, people, residents):
    services.person_depart(
        actor=None,
        person=residents["wangwu"],
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )
    client = web.as_(people.worker_a)

    assert "王五" not in names(client.get(list_url()))
    assert names(client.get(list_url("status=departed"))) == ["王五"]
    assert "王五" in names(client.get(list_url("status=all&search=ww")))


def test_search_for_a_departed_person_says_they_are_found_with_every_status(
    web, people, residents, django_assert_max_num_queries
):
    person = residents["wangwu"]
    services.person_depart(
        actor=None,
        person=person,
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )
    client = web.as_(people.worker_a)
    location = searched(client, person.id_number, page_size="20")

    with django_assert_max_num_queries(8):
        response = client.get(location)

    assert names(response) == []
    html = response.content.decode()
    assert "另有 1 名已迁出/死亡/注销的人员符合搜索。" in text(html)
    token = location.split("sid=")[1]
    link = f'href="?page_size=20&amp;sid={token}&amp;status=all"'
    assert link in html
    assert names(client.get(f"{location}&status=all")) == ["王五"]


def test_inactive_hint_counts_only_people_in_the_jurisdiction(web, people, homes, residents):
    for person in (residents["zhangsan"], residents["zhangshan"]):  # 张珊 lives in 文苑
        services.person_depart(
            actor=None,
            person=person,
            date=datetime.date(2025, 6, 1),
            reason="迁走",
            division=SUIXIAN_HENAN,
        )

    response = web.as_(people.worker_a).get(list_url("search=zs"))

    assert "另有 1 名已迁出/死亡/注销的人员符合搜索。" in text(response.content.decode())


def test_no_inactive_hint_without_a_search_or_with_a_status_chosen(web, people, residents):
    services.person_depart(
        actor=None,
        person=residents["wangwu"],
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )
    client = web.as_(people.worker_a)

    for query in ("", "status=departed&search=ww", "status=all&search=ww"):
        assert 'data-testid="inactive-matches"' not in client.get(list_url(query)).content.decode()


def test_inactive_hint_also_follows_the_form_which_sends_the_default_status(web, people, residents):
    services.person_depart(
        actor=None,
        person=residents["wangwu"],
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )

    response = web.as_(people.worker_a).get(list_url("search=ww&status=active&sex="))

    html = response.content.decode()
    assert "另有 1 名已迁出/死亡/注销的人员符合搜索。" in text(html)
    assert 'href="?search=ww&amp;status=all"' in html  # blank filters dropped


def test_filter_by_building_from_the_building_page(web, people, homes, residents):
    building = homes["a"].building

    response = web.as_(people.worker_a).get(list_url(f"building={building.uid}"))

    assert sorted(names(response)) == ["张三", "王五"]
    assert f'value="{building.uid}"' in response.content.decode()  # kept by the filter form


def test_overdue_monthly_lists_migrants_not_checked_this_month(web, people, homes, residents):
    checked = migrant(homes["a"], name="刘七")
    services.checks_record(actor=None, persons=[checked], kind="monthly", date=timezone.localdate())

    response = web.as_(people.worker_a).get(list_url("overdue=monthly"))

    assert names(response) == ["王五"]  # residents are not part of 每月一查
    html = response.content.decode()
    assert "每月一查针对流动人口（流入、流出）" in html
    assert f"列出 {month_start(timezone.localdate()):%Y-%m-%d} 以来还没有查过的" in html


def test_overdue_quarterly_lists_everyone_not_verified_this_quarter(web, people, residents):
    services.checks_record(
        actor=None, persons=[residents["lisi"]], kind="quarterly", date=timezone.localdate()
    )

    response = web.as_(people.worker_a).get(list_url("overdue=quarterly"))

    assert sorted(names(response)) == ["张三", "王五"]
    assert f"本季度（{quarter_start(timezone.localdate()):%Y-%m-%d} 起）尚未核对的在册人员" in (
        response.content.decode()
    )


def test_eight_clear_filter_and_badge_name_the_missing_facts(web, people, homes, residents):
    migrant(homes["a"], name="陈八", employment="", employer_name="", flow_in_date=None)
    client = web.as_(people.worker_a)

    incomplete = client.get(list_url("eight_clear=incomplete"))
    complete = client.get(list_url("eight_clear=complete"))

    assert names(incomplete) == ["陈八"]
    assert names(complete) == ["王五"]
    html = incomplete.content.decode()
    assert 'title="缺：就业情况、流入流出时间"' in html
    assert "缺 2 项" in html


def test_eight_clear_badge_is_shown_for_migrants_only(web, people, residents):
    response = web.as_(people.worker_a).get(list_url())

    html = response.content.decode()
    assert html.count('data-testid="eight-clear-ok"') == 1  # 王五; 张三 and 李四 are not migrants


def test_contraception_filter_is_offered_only_to_roles_that_may_see_health_data(
    web, people, residents
):
    worker = web.as_(people.worker_a).get(list_url()).content.decode()
    district = web.as_(people.district).get(list_url()).content.decode()

    assert 'name="contraception"' in worker
    assert 'name="contraception"' not in district


def test_contraception_filter_is_ignored_for_a_role_without_health_access(
    web, people, homes, residents
):
    make_person(
        homes["a"],
        name="孙九",
        marital_status="married",
        marriage_date=datetime.date(2015, 1, 1),
        contraception="iud",
    )

    response = web.as_(people.district).get(list_url("contraception=iud&unit=340603020001"))

    assert "孙九" in names(response) and "张三" in names(response)


def test_filtering_by_contraception_logs_a_health_read(web, people, homes, residents):
    person = make_person(
        homes["a"],
        name="孙九",
        marital_status="married",
        marriage_date=datetime.date(2015, 1, 1),
        contraception="iud",
    )

    response = web.as_(people.worker_a).get(list_url("contraception=iud"))

    assert names(response) == ["孙九"]
    access = SensitiveAccess.objects.get()
    assert (access.actor, access.target_id, access.fields) == (
        people.worker_a,
        str(person.uid),
        "contraception",
    )


@pytest.fixture
def methods(homes):
    """孙九 uses an IUD, 周十 condoms, 吴一 no method; 郑二 has nothing recorded."""

    def woman(name, contraception):
        return make_person(
            homes["a"],
            name=name,
            marital_status="married",
            marriage_date=datetime.date(2015, 1, 1),
            contraception=contraception,
        )

    return [woman("孙九", "iud"), woman("周十", "condom"), woman("吴一", "none"), woman("郑二", "")]


def test_contraception_filter_any_method_lists_those_with_a_method(web, people, methods):
    response = web.as_(people.worker_a).get(list_url("contraception=any"))

    assert sorted(names(response)) == sorted(["孙九", "周十"])
    assert re.search(
        r'<option value="any"[^>]*>采取任何避孕措施</option>', response.content.decode()
    )
    logged = SensitiveAccess.objects.values_list("target_id", flat=True)
    assert sorted(logged) == sorted(str(p.uid) for p in methods[:2])


def test_contraception_filter_unprotected_lists_no_method_and_not_recorded(web, people, methods):
    client = web.as_(people.worker_a)

    unprotected = names(client.get(list_url("contraception=unprotected&search=w")))
    unknown = names(client.get(list_url("contraception=unknown&search=z")))

    assert unprotected == ["吴一"]
    assert unknown == ["郑二"]  # 张三 (zs) has no method recorded either, but is not married
    assert "郑二" in names(client.get(list_url("contraception=unprotected")))


def test_sort_by_birth_date(web, people, homes, residents):
    make_person(homes["a"], name="老人", birth_date=datetime.date(1950, 1, 1), region="340621")

    response = web.as_(people.worker_a).get(list_url("sort=birth_date"))

    assert names(response)[0] == "老人"


def page_order(client, url: str) -> tuple[list[str], str]:
    """The names listed, and the ORDER BY of the query that read the page's ids."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return names(response), person_ids_order(captured.captured_queries)


def test_a_community_page_is_sorted_within_the_community_a_street_page_along_the_name_index(
    web, people, tree, homes
):
    """For a community (or a grid, or the ?unit= of one) the name key is an expression the
    city's name index cannot serve, so PostgreSQL sorts the community's few thousand rows
    instead of walking every name of the city; the order is the same."""
    for name in ("赵民", "钱民", "孙民", "李民", "赵民"):
        make_person(homes["a"], name=name)
    make_person(homes["b"], name="周民")
    in_order = sorted(["赵民", "钱民", "孙民", "李民", "赵民"])

    worker, worker_order = page_order(web.as_(people.worker_a), list_url())
    grid, grid_order = page_order(web.as_(people.grid_a1), list_url())
    chosen, chosen_order = page_order(
        web.as_(people.street), list_url(f"unit={tree.community_a.code}")
    )
    reversed_, reversed_order = page_order(web.as_(people.worker_a), list_url("sort=-name"))
    street, street_order = page_order(web.as_(people.street), list_url())

    assert worker == grid == chosen == in_order
    assert reversed_ == in_order[::-1]
    assert street == sorted([*in_order, "周民"])
    for order in (worker_order, grid_order, chosen_order):
        assert order.startswith("(COALESCE(") and order.endswith(
            ') ASC, "registry_person"."id" ASC'
        )
    assert reversed_order.startswith("(COALESCE(")
    assert reversed_order.endswith(') DESC, "registry_person"."id" DESC')
    assert street_order.startswith('"registry_person"."name" ASC'), street_order


def test_page_size_parameter(web, people, homes):
    for i in range(15):
        make_person(homes["a"], name=chinese_name(i))

    response = web.as_(people.worker_a).get(list_url("page_size=10"))

    assert len(names(response)) == 10
    assert "第 1–10 条，共 15 条" in response.content.decode()


def test_export_link_carries_the_same_filters_and_sort(web, people, residents):
    response = web.as_(people.worker_a).get(
        list_url("population_type=inflow&search=ww&page=1&sort=-birth_date")
    )

    export = reverse("registry:export", args=["persons"])
    link = f'href="{export}?population_type=inflow&amp;search=ww&amp;sort=-birth_date"'
    assert link in response.content.decode()


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("birth_date", ["老人", "中年", "青年"]), ("-birth_date", ["青年", "中年", "老人"])],
)
def test_person_export_keeps_the_list_sort(web, people, homes, sort, expected):
    import csv
    import io

    for name, year in (("中年", 1970), ("青年", 2000), ("老人", 1950)):
        make_person(homes["a2"], name=name, birth_date=datetime.date(year, 1, 1), region="340621")
    url = reverse("registry:export", args=["persons"])

    response = web.as_(people.worker_a).get(f"{url}?format=csv&sort={sort}")

    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert [row["姓名"] for row in rows] == expected


def test_export_link_is_not_offered_to_a_role_that_may_not_export(web, people, residents):
    response = web.as_(people.grid_a1).get(list_url())

    assert reverse("registry:export", args=["persons"]) not in response.content.decode()


@pytest.mark.parametrize("count", [5, 60])
def test_person_list_runs_a_constant_number_of_queries(
    web, people, homes, count, django_assert_max_num_queries
):
    for i in range(count):
        if i % 2:
            migrant(homes["a"], name=chinese_name(i, "流"))
        else:
            make_person(homes["a2"], name=chinese_name(i))
    client = web.as_(people.worker_a)

    with django_assert_max_num_queries(7):
        response = client.get(list_url("page_size=100"))

    assert len(names(response)) == count


# --- Bulk checks --------------------------------------------------------------------------------


def test_bulk_monthly_check_records_each_person_and_keeps_the_filters(
    web, people, homes, residents
):
    other = migrant(homes["a"], name="刘七")
    today = timezone.localdate()

    response = web.as_(people.worker_a).post(
        reverse("registry:checks_bulk"),
        {
            "person": [str(residents["wangwu"].uid), str(other.uid)],
            "kind": "monthly",
            "date": today.isoformat(),
            "result": "confirmed",
            "note": "入户核实",
            "next": "overdue=monthly&population_type=inflow",
        },
        follow=True,
    )

    assert response.redirect_chain[0][0] == list_url("overdue=monthly&population_type=inflow")
    assert f"已为 2 人记录每月一查（{today:%Y-%m-%d}）。" in response.content.decode()
    assert names(response) == []  # nobody overdue any more
    for person in (residents["wangwu"], other):
        person.refresh_from_db()
        assert person.last_monthly_check == today
        check = Check.objects.get(person=person)
        assert (check.kind, check.actor, check.note) == ("monthly", people.worker_a, "入户核实")


def test_bulk_quarterly_verification_updates_the_last_verification(web, people, residents):
    day = timezone.localdate()

    web.as_(people.worker_a).post(
        reverse("registry:checks_bulk"),
        {
            "person": [str(residents["zhangsan"].uid)],
            "kind": "quarterly",
            "date": day.isoformat(),
            "result": "corrected",
        },
    )

    person = Person.objects.get(pk=residents["zhangsan"].pk)
    assert person.last_quarterly_verification == day
    assert person.last_monthly_check is None
    assert Check.objects.get(person=person).result == "corrected"


def test_bulk_check_without_selection_says_so(web, people, residents):
    response = web.as_(people.worker_a).post(
        reverse("registry:checks_bulk"),
        {"kind": "monthly", "date": timezone.localdate().isoformat(), "result": "confirmed"},
        follow=True,
    )

    assert "请先勾选要核查的人员。" in response.content.decode()
    assert not Check.objects.exists()


def test_bulk_check_refuses_a_future_date(web, people, residents):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = web.as_(people.worker_a).post(
        reverse("registry:checks_bulk"),
        {
            "person": [str(residents["wangwu"].uid)],
            "kind": "monthly",
            "date": tomorrow.isoformat(),
            "result": "confirmed",
        },
        follow=True,
    )

    assert "日期不能晚于今天。" in response.content.decode()
    assert not Check.objects.exists()


def test_bulk_check_of_someone_outside_the_jurisdiction_is_404(web, people, residents):
    response = web.as_(people.worker_a).post(
        reverse("registry:checks_bulk"),
        {
            "person": [str(residents["wangwu"].uid), str(residents["zhangshan"].uid)],
            "kind": "monthly",
            "date": timezone.localdate().isoformat(),
            "result": "confirmed",
        },
    )

    assert response.status_code == 404
    assert not Check.objects.exists()


def test_bulk_check_redirect_cannot_leave_the_site(web, people, residents):
    response = web.as_(people.worker_a).post(
        reverse("registry:checks_bulk"),
        {
            "person": [str(residents["wangwu"].uid)],
            "kind": "monthly",
            "date": timezone.localdate().isoformat(),
            "result": "confirmed",
            "next": "//evil.example/x",
        },
    )

    assert response["Location"].startswith(reverse("registry:person_list"))


def test_auditor_sees_no_checkboxes_and_cannot_record_checks(web, people, residents):
    client = web.as_(people.auditor)

    page = client.get(list_url()).content.decode()
    post = client.post(
        reverse("registry:checks_bulk"),
        {
            "person": [str(residents["wangwu"].uid)],
            "kind": "monthly",
            "date": timezone.localdate().isoformat(),
            "result": "confirmed",
        },
    )

    assert "王五" not in page  # the auditor reads no people's records
    assert "data-row-select" not in page and "记录本月一查" not in page
    assert post.status_code == 403
    assert not Check.objects.exists()


def test_worker_sees_checkboxes_for_active_people(web, people, residents):
    page = web.as_(people.worker_a).get(list_url()).content.decode()

    assert page.count("data-row-select") == 3
    assert "记录本月一查" in page and "记录季度核对" in page


# --- Flows ----------------------------------------------------------------------------------------


def flow_rows(response) -> list[str]:
    return [r for r in table_rows(response, "flows") if "没有符合条件" not in r]


def test_flow_list_shows_arrivals_newest_first_with_origin_and_actor(web, people, homes, tree):
    services.person_register(
        actor=people.worker_a,
        household=homes["a"],
        values=person_values(
            name="王五",
            sex="M",
            birth_date=datetime.date(1985, 3, 2),
            hukou_division=SUIXIAN_HENAN,
            hukou_address="睢县城关镇",
            flow_in_date=datetime.date(2025, 1, 5),
            flow_in_reason="work",
        ),
    )
    migrant(homes["a"], name="刘七", flow_in_date=datetime.date(2025, 3, 1))

    response = web.as_(people.worker_a).get(reverse("registry:flow_list"))

    rows = flow_rows(response)
    assert rows[0].startswith("2025-03-01 流入登记 刘七")
    assert rows[1].startswith("2025-01-05 流入登记 王五 河南省")
    assert "第1网格 1号楼 101" in rows[1]
    assert rows[1].endswith("worker_a")


def test_flow_list_does_not_show_flows_of_another_community(web, people, homes):
    migrant(homes["b"], name="赵六")

    response = web.as_(people.worker_a).get(reverse("registry:flow_list"))

    assert flow_rows(response) == []


def test_a_person_who_moved_out_of_the_jurisdiction_is_shown_masked(web, people, homes):
    person = migrant(homes["a"], name="王小五")
    services.person_move(
        actor=people.street,
        person=person,
        household=homes["b"],
        date=timezone.localdate(),
        reason="搬到文苑",
    )

    response = web.as_(people.worker_a).get(reverse("registry:flow_list") + "?kind=move")

    (row,) = flow_rows(response)
    assert row.split()[2] == "王**"
    assert "9号楼" not in row  # the home they live in now is not ours to see
    html = response.content.decode()
    assert reverse("registry:person_detail", args=[person.uid]) not in html
    assert "王小五" not in html


def test_flow_list_filters_by_kind_and_date(web, people, homes):
    migrant(homes["a"], name="早到", flow_in_date=datetime.date(2024, 1, 5))
    migrant(homes["a"], name="晚到", flow_in_date=datetime.date(2025, 6, 5))
    client = web.as_(people.worker_a)

    since = flow_rows(client.get(reverse("registry:flow_list") + "?since=2025-01-01"))
    departures = flow_rows(client.get(reverse("registry:flow_list") + "?kind=departure"))

    assert [r.split()[2] for r in since] == ["晚到"]
    assert departures == []


def flow_export_rows(response) -> list[list]:
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200, response.content[:300]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [[c.value for c in r] for r in sheet.iter_rows()]


def moved_to_wenyuan(people, homes):
    """王小五 arrived in 丽景 (2025-01-05), then moved to 文苑 (2025-02-01), out of the worker's
    jurisdiction: listed and exported by surname, the new home not named."""
    person = migrant(homes["a"], name="王小五", flow_in_date=datetime.date(2025, 1, 5))
    services.person_move(
        actor=people.street,
        person=person,
        household=homes["b"],
        date=datetime.date(2025, 2, 1),
        reason="搬到文苑",
    )
    return person


def test_flow_list_exports_what_it_lists_masked_as_listed(web, people, homes):
    from shequ.org.models import AuditEvent

    moved_to_wenyuan(people, homes)
    migrant(homes["a"], name="刘七", flow_in_date=datetime.date(2025, 3, 1))
    migrant(homes["b"], name="赵六")  # 文苑: not in the worker's list
    client = web.as_(people.worker_a)

    page = client.get(reverse("registry:flow_list") + "?since=2025-01-01")
    response = client.get(reverse("registry:flow_list") + "?since=2025-01-01&export=xlsx")

    assert 'href="?since=2025-01-01&amp;export=xlsx"' in page.content.decode()
    rows = flow_export_rows(response)
    assert rows[0] == ["日期", "类型", "人员", "从", "到", "原因", "登记人"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("2025-03-01", "流入登记", "刘七"),
        ("2025-02-01", "市内迁移", "王**"),
        ("2025-01-05", "流入登记", "王**"),
    ]
    assert "9号楼" not in str(rows)  # the home they moved to is not ours to see
    event = AuditEvent.objects.get(action="export.flows")
    assert (event.actor, event.changes["rows"], event.changes["filters"]) == (
        people.worker_a,
        3,
        "since=2025-01-01",
    )


def test_flow_export_is_refused_to_a_role_that_may_not_export(web, people, homes):
    migrant(homes["a"], name="刘七")
    client = web.as_(people.grid_a1)

    page = client.get(reverse("registry:flow_list")).content.decode()
    response = client.get(reverse("registry:flow_list") + "?export=xlsx")

    assert 'data-testid="export"' not in page
    assert response.status_code == 403


def test_flow_export_past_the_request_limit_becomes_an_export_job(web, people, homes, settings):
    from shequ.jobs.models import ExportJob
    from shequ.org.models import AuditEvent

    settings.EXPORT_JOB_MIN_ROWS = 1
    moved_to_wenyuan(people, homes)
    migrant(homes["b"], name="赵六")  # 文苑: not in the worker's list
    client = web.as_(people.worker_a)

    response = client.get(reverse("registry:flow_list") + "?since=2025-01-01&export=xlsx&page=2")

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:export_status", args=[job.uid])
    assert (job.kind, job.status, job.row_count, job.filters) == (
        "flows",
        "succeeded",
        2,
        "since=2025-01-01",
    )
    status = client.get(response["Location"]).content.decode()
    assert "流动记录" in status
    rows = flow_export_rows(client.get(reverse("registry:export_file", args=[job.uid])))
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("2025-02-01", "市内迁移", "王**"),
        ("2025-01-05", "流入登记", "王**"),
    ]
    assert "9号楼" not in str(rows)  # the home they moved to is not ours to see
    assert AuditEvent.objects.get(action="export.flows").changes["rows"] == 2
    assert web.as_(people.worker_b).get(response["Location"]).status_code == 404


@pytest.mark.parametrize("count", [5, 40])
def test_flow_list_runs_a_constant_number_of_queries(
    web, people, homes, count, django_assert_max_num_queries
):
    for i in range(count):
        migrant(homes["a"], name=chinese_name(i, "流"))
    client = web.as_(people.worker_a)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("registry:flow_list"))

    assert len(flow_rows(response)) == count


@pytest.mark.parametrize("param", ["household", "building"])
def test_malformed_household_or_building_id_lists_nobody_and_says_why(
    web, people, homes, residents, param
):
    response = web.as_(people.worker_a).get(list_url(f"{param}=not-a-uuid"))

    assert response.status_code == 200
    assert names(response) == []
    problem = text(response.content.decode())
    assert "筛选条件有误" in problem
    assert "编号格式不对" in problem


@pytest.mark.parametrize(
    ("param", "label"),
    [
        ("status", "状态"),
        ("population_type", "人口类型"),
        ("sex", "性别"),
        ("marital_status", "婚姻状况"),
        ("age", "年龄段"),
        ("contraception", "节育措施"),
        ("eight_clear", "八个清楚"),
        ("overdue", "核查"),
    ],
)
def test_an_unknown_choice_lists_nobody_and_names_the_filter(web, people, residents, param, label):
    services.person_depart(
        actor=None,
        person=residents["wangwu"],
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )

    response = web.as_(people.worker_a).get(list_url(f"{param}=xyz"))

    assert response.status_code == 200
    assert names(response) == []
    problem = text(response.content.decode())
    assert "筛选条件有误，未列出任何人员：" in problem
    assert f"{label}：" in problem and "xyz" in problem


def test_export_with_an_unknown_status_is_refused(web, people, residents):
    response = web.as_(people.worker_a).get(
        reverse("registry:export", args=["persons"]) + "?status=xyz&format=csv"
    )

    assert response.status_code == 400
    assert "状态" in response.content.decode()


@pytest.mark.parametrize("query", ["kind=xyz", "since=2025-13-45"])
def test_flow_list_with_a_filter_it_cannot_apply_lists_nothing_and_says_why(
    web, people, homes, query
):
    migrant(homes["a"], name="王五")

    response = web.as_(people.worker_a).get(reverse("registry:flow_list") + f"?{query}")

    assert response.status_code == 200
    assert flow_rows(response) == []
    assert "筛选条件有误，未列出任何记录：" in text(response.content.decode())


def test_export_with_a_malformed_household_id_is_refused(web, people, homes, residents):
    response = web.as_(people.worker_a).get(
        reverse("registry:export", args=["persons"]) + "?household=123&format=csv"
    )

    assert response.status_code == 400
    assert "户的编号格式不对" in response.content.decode()


# --- Long lists: the count stops at a cap, a short search runs no COUNT ----------------------


@pytest.fixture
def twenty_five(homes):
    return [make_person(homes["a"], name=chinese_name(i, given="丽")) for i in range(25)]


def test_long_list_counts_up_to_the_cap_and_says_there_are_more(
    web, people, twenty_five, monkeypatch
):
    monkeypatch.setattr(ListPaginator, "cap", 20)
    client = web.as_(people.worker_a)

    first = client.get(list_url("page_size=10"))
    beyond = client.get(list_url("page_size=10&page=5"))

    assert "共 20+ 条" in text(first.content.decode())
    assert "1 / 2" in text(first.content.decode())
    # Past the cap the last reachable page is shown, in the list's order.
    every = sorted(Person.objects.values_list("name", "id"))
    assert names(beyond) == [name for name, _id in every[10:20]]


def test_list_under_the_cap_counts_exactly(web, people, twenty_five, monkeypatch):
    monkeypatch.setattr(ListPaginator, "cap", 100)

    response = web.as_(people.worker_a).get(list_url("page_size=10&page=2"))

    assert "第 11–20 条，共 25 条" in text(response.content.decode())
    every = sorted(Person.objects.values_list("name", "id"))
    assert names(response) == [name for name, _id in every[10:20]]


def test_search_that_fits_on_one_page_runs_no_count(web, people, twenty_five):
    client = web.as_(people.worker_a)
    target = twenty_five[3]
    location = searched(client, target.id_number)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(location)

    assert names(response) == [target.name]
    assert "共 1 条" in text(response.content.decode())
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]


def test_pinyin_search_lists_each_match_once_in_name_order_across_pages(
    web, people, homes, monkeypatch
):
    # "z" matches 张 by its initials and by its full pinyin: each person still comes once.
    zhang = [make_person(homes["a"], name=f"张{given}") for given in "一二三四五六七八九十丁"]
    other = make_person(homes["a"], name="李正")  # initials lz, pinyin lizheng: no match
    monkeypatch.setattr(ListPaginator, "cap", 100)
    client = web.as_(people.worker_a)

    first = client.get(list_url("search=z&page_size=10"))
    second = client.get(list_url("search=z&page_size=10&page=2"))

    expected = [p.name for p in sorted(zhang, key=lambda p: (p.name, p.pk))]
    assert names(first) + names(second) == expected
    assert "共 11 条" in text(first.content.decode())
    assert other.name not in names(first) + names(second)
    assert names(client.get(list_url("search=zhangyi"))) == ["张一"]


def test_a_one_letter_pinyin_search_reads_the_initials_alone(web, people, homes):
    # A name's pinyin begins with its first initial: for one letter the full-pinyin part of
    # the search is empty, and is not read.
    make_person(homes["a"], name="张三")
    make_person(homes["a"], name="李四")

    with CaptureQueriesContext(connection) as captured:
        response = web.as_(people.worker_a).get(list_url("search=z"))

    assert names(response) == ["张三"]
    searched = [q["sql"] for q in captured.captured_queries if '"name_initials" >=' in q["sql"]]
    assert searched
    assert not [sql for sql in searched if '"name_pinyin" >=' in sql]
