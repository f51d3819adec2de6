"""Both places see a migrant (户籍地 read-only, 居住地 manages), visits to homes (每月一查)
with 人不在 → pending departure, the street's quarterly review, and the unit figures."""

import datetime

import pytest
from django.utils import timezone

from shequ.registry import services
from shequ.registry.models import Check, Flow, PendingDeparture, Person, PersonStatus, Visit
from tests.factories import HEFEI_YAOHAI, make_building, make_household, make_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SHUINICHANG = "340602001004"  # 水泥厂社区 (tree.community_c): a real division code


@pytest.fixture
def home_a(tree):
    return make_household(make_building(tree.grid_a1, "5号楼"), "501")


@pytest.fixture
def away(home_a):
    """Registered at 水泥厂社区 (the other district), living in 丽景社区: 户在人不在."""
    return make_person(home_a, name="钱外居", hukou_division=SHUINICHANG, phone="13912340000")


# --- both places -----------------------------------------------------------------------


def test_registration_place_lists_its_people_living_elsewhere(api, web, people, away):
    answer = api.as_(people.worker_c).get("/api/v1/outflow/")
    assert answer.status_code == 200, answer.content
    (row,) = answer.json()["results"]
    assert (row["id"], row["name"], row["residence_code"]) == (
        str(away.uid),
        "钱外居",
        away.unit_id,
    )
    assert "*" in row["id_number"] and "*" in row["phone"]  # masked as every list
    assert api.get(f"/api/v1/outflow/{away.uid}/").status_code == 200
    page = web.as_(people.worker_c).get("/registry/outflow/")
    assert page.status_code == 200 and "钱外居" in page.text
    detail = web.get(f"/registry/outflow/{away.uid}/")
    assert detail.status_code == 200 and "户籍地只读" in detail.text
    # The residence manages them: not its outflow; another community sees nothing.
    assert api.as_(people.worker_a).get("/api/v1/outflow/").json()["results"] == []
    assert api.as_(people.worker_b).get("/api/v1/outflow/").json()["results"] == []
    assert api.as_(people.worker_b).get(f"/api/v1/outflow/{away.uid}/").status_code == 404


def test_outflow_is_ordered_by_registration_place_residence_and_name(api, people, tree):
    # The order of the index person_hukou_away: 户籍地, the unit lived in, then name.
    first = make_household(make_building(tree.grid_a1, "1号楼"), "101")
    second = make_household(make_building(tree.grid_b1, "2号楼"), "201")
    for home, name in ((second, "钱甲"), (first, "钱乙"), (first, "钱丙"), (second, "钱丁")):
        make_person(home, name=name, hukou_division=SHUINICHANG)
    rows = api.as_(people.worker_c).get("/api/v1/outflow/").json()["results"]
    assert [(r["residence_code"], r["name"]) for r in rows] == [
        (tree.grid_a1.code, "钱丙"),
        (tree.grid_a1.code, "钱乙"),
        (tree.grid_b1.code, "钱丁"),
        (tree.grid_b1.code, "钱甲"),
    ]


def test_outflow_list_filters_and_exports(web, people, away, home_a):
    make_person(home_a, name="孙在家")  # registered in 相山区: not 水泥厂's
    web.as_(people.worker_c)
    assert "钱外居" in web.get("/registry/outflow/", {"search": "钱"}).text
    assert "钱外居" not in web.get("/registry/outflow/", {"residence": "340603020002"}).text
    exported = web.get("/registry/outflow/", {"export": "csv"})
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    assert "钱外居" in text and away.id_number not in text and "孙在家" not in text


def test_registration_place_cannot_edit(api, web, people, away, home_a):
    api.as_(people.worker_c)
    uid = str(away.uid)
    assert api.get(f"/api/v1/persons/{uid}/").status_code == 404
    patch = api.patch(f"/api/v1/persons/{uid}/", {"version": away.version, "phone": "1"})
    assert patch.status_code == 404
    check = api.post(f"/api/v1/persons/{uid}/checks/", {"kind": "monthly", "date": str(TODAY)})
    assert check.status_code == 404
    move = api.post(
        "/api/v1/flows/",
        {"kind": "departure", "person": uid, "reason": "试", "destination_unknown": True},
        format="json",
    )
    assert move.status_code == 404
    visit = api.post(
        "/api/v1/visits/",
        {"household": str(home_a.uid), "date": str(TODAY), "absent": [uid]},
        format="json",
    )
    assert visit.status_code == 404
    web.as_(people.worker_c)
    assert web.get(f"/registry/persons/{uid}/").status_code == 404
    assert web.post(f"/registry/persons/{uid}/edit/", {"name": "改"}).status_code == 404
    assert web.post(f"/registry/persons/{uid}/depart/", {"reason": "试"}).status_code == 404
    away.refresh_from_db()
    assert (away.name, away.phone, away.status) == ("钱外居", "13912340000", "active")
    assert not Check.objects.filter(person=away).exists()


def test_outflow_is_the_registration_places_act(api, people, away):
    body = {
        "kind": "outflow",
        "person": str(away.uid),
        "date": str(TODAY),
        "reason": "外出务工",
        "division": HEFEI_YAOHAI,
    }
    refused = api.as_(people.worker_a).post("/api/v1/flows/", body, format="json")
    assert refused.status_code == 403, refused.content
    assert "户籍地" in refused.json()["detail"]
    done = api.as_(people.worker_c).post("/api/v1/flows/", body, format="json")
    assert done.status_code == 201, done.content
    away.refresh_from_db()
    assert away.population_type == "outflow"
    assert Flow.objects.get(person=away, kind="outflow").actor == people.worker_c


def test_a_local_leaving_the_city_is_recorded_where_they_live(api, people, home_a, tree):
    """Registered in their own community (the usual case): the grid worker records it."""
    from shequ.org.models import Division

    Division.objects.get_or_create(
        code=tree.community_a.code,
        defaults={"name": "丽景", "level": "village", "full_name": "丽景社区"},
    )
    local = make_person(home_a, name="李本地", hukou_division=tree.community_a.code)
    done = api.as_(people.grid_a1).post(
        "/api/v1/flows/",
        {
            "kind": "outflow",
            "person": str(local.uid),
            "date": str(TODAY),
            "reason": "外出",
            "division": HEFEI_YAOHAI,
        },
        format="json",
    )
    assert done.status_code == 201, done.content


# --- visits ------------------------------------------------------------------------------


def test_a_visit_with_someone_absent_puts_them_on_the_pending_list(api, people, home_a, away):
    present = make_person(home_a, name="周在")
    answer = api.as_(people.grid_a1).post(
        "/api/v1/visits/",
        {
            "household": str(home_a.uid),
            "date": str(TODAY),
            "absent": [str(away.uid)],
            "newcomers": "王新来",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["found"], body["absent"], body["actor"]) == (1, 1, "grid_a1")
    results = {c["person_name"]: c["result"] for c in body["checks"]}
    assert results == {"周在": "confirmed", "钱外居": "absent"}
    present.refresh_from_db()
    assert present.last_monthly_check == TODAY
    pending = api.as_(people.worker_a).get("/api/v1/pending-departures/").json()["results"]
    assert [(p["person_name"], p["status"], p["checked_by"]) for p in pending] == [
        ("钱外居", "open", "grid_a1")
    ]
    checks = api.get("/api/v1/checks/", {"result": "absent"}).json()["results"]
    assert [c["person_name"] for c in checks] == ["钱外居"]
    # The community confirms the departure: a flow out through the flow service.
    resolved = api.post(
        f"/api/v1/pending-departures/{pending[0]['id']}/resolve/",
        {"outcome": "departed", "reason": "房东确认已搬走"},
        format="json",
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "departed"
    away.refresh_from_db()
    assert away.status == PersonStatus.DEPARTED
    assert Flow.objects.get(person=away, kind="departure").destination_unknown
    again = api.post(
        f"/api/v1/pending-departures/{pending[0]['id']}/resolve/",
        {"outcome": "found", "reason": "再次"},
        format="json",
    )
    assert again.status_code == 400


def test_visit_page_and_found_again(web, people, home_a, away):
    web.as_(people.worker_a)
    form = web.get(f"/housing/households/{home_a.uid}/visit/")
    assert form.status_code == 200 and "钱外居" in form.text
    posted = web.post(
        f"/housing/households/{home_a.uid}/visit/",
        {"date": str(TODAY), f"m{away.pk}": "absent", "newcomers": "", "note": ""},
    )
    assert posted.status_code == 302, posted.content
    visit = Visit.objects.get(household=home_a)
    assert web.get(f"/registry/visits/{visit.uid}/").status_code == 200
    pending = PendingDeparture.objects.get(person=away)
    listed = web.get("/registry/pending-departures/")
    assert "钱外居" in listed.text
    done = web.post(
        f"/registry/pending-departures/{pending.uid}/resolve/",
        {"outcome": "found", "reason": "回来了", "date": "", "division": ""},
    )
    assert done.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "found" and pending.resolved_by == people.worker_a
    away.refresh_from_db()
    assert away.status == PersonStatus.ACTIVE
    assert "pending-row" not in web.get("/registry/pending-departures/").text
    assert web.get("/registry/checks/").status_code == 200
    assert web.get("/registry/visits/").status_code == 200


def test_departure_confirmed_on_the_page_asks_first(web, people, home_a, away):
    services.visit_record(actor=people.worker_a, household=home_a, date=TODAY, absent=[away])
    pending = PendingDeparture.objects.get(person=away)
    web.as_(people.worker_a)
    url = f"/registry/pending-departures/{pending.uid}/resolve/"
    body = {"outcome": "departed", "reason": "已搬走", "date": str(TODAY), "division": ""}
    first = web.post(url, body)
    assert first.status_code == 200 and 'name="confirmed"' in first.text
    away.refresh_from_db()
    assert away.status == PersonStatus.ACTIVE
    assert web.post(url, {**body, "confirmed": "1"}).status_code == 302
    away.refresh_from_db()
    assert away.status == PersonStatus.DEPARTED


def test_new_endpoints_are_scoped(api, web, people, home_a, away):
    services.visit_record(actor=people.worker_a, household=home_a, date=TODAY, absent=[away])
    visit = Visit.objects.get()
    pending = PendingDeparture.objects.get()
    api.as_(people.worker_b)
    for path in ("checks", "visits", "pending-departures"):
        assert api.get(f"/api/v1/{path}/").json()["results"] == [], path
    assert api.get(f"/api/v1/visits/{visit.uid}/").status_code == 404
    assert api.get(f"/api/v1/pending-departures/{pending.uid}/").status_code == 404
    resolve = api.post(
        f"/api/v1/pending-departures/{pending.uid}/resolve/",
        {"outcome": "found", "reason": "x"},
        format="json",
    )
    assert resolve.status_code == 404
    web.as_(people.worker_b)
    assert web.get(f"/registry/visits/{visit.uid}/").status_code == 404
    assert web.get(f"/housing/households/{home_a.uid}/visit/").status_code == 404
    assert web.get(f"/registry/pending-departures/{pending.uid}/resolve/").status_code == 404
    pending.refresh_from_db()
    assert pending.status == "open"
    # the street above sees both
    assert len(api.as_(people.street).get("/api/v1/visits/").json()["results"]) == 1


def test_quarterly_review_is_the_streets(api, people, home_a, away):
    body = {"unit": "340603020000", "quarter": str(TODAY), "findings": "核对完成"}
    assert api.as_(people.worker_a).post(
        "/api/v1/quarterly-reviews/", body, format="json"
    ).status_code in (403, 404)
    done = api.as_(people.street).post("/api/v1/quarterly-reviews/", body, format="json")
    assert done.status_code == 201, done.content
    assert done.json()["reviewer"] == "street"
    assert done.json()["figures"]["active"] == 1
    other = api.as_(people.worker_c).get("/api/v1/quarterly-reviews/").json()["results"]
    assert other == []


# --- figures -----------------------------------------------------------------------------


def test_unit_figures_per_child_unit(api, people, tree, home_a, away):
    migrant = make_person(home_a, name="外来甲", hukou_division="411422000000")
    services.visit_record(actor=people.worker_a, household=home_a, date=TODAY, absent=[away])
    rows = api.as_(people.street).get("/api/v1/unit-figures/").json()
    by_code = {row["code"]: row for row in rows}
    own, a = by_code[tree.street.code], by_code[tree.community_a.code]
    assert own["own"] and not a["own"]
    assert a["figures"]["pending_departures"] == 1
    assert a["figures"]["persons"] == 2 and a["figures"]["inflow"] == 1
    assert a["figures"]["overdue_monthly"] == 0  # checked on the visit
    assert 0 <= a["figures"]["eight_clear_rate"] <= 100
    assert by_code[tree.community_b.code]["figures"]["persons"] == 0
    origins = api.get("/api/v1/unit-figures/origins/").json()
    assert origins[0]["county"] == "411422" and origins[0]["count"] == 1
    assert migrant.population_type == "inflow"
    assert (
        api.as_(people.worker_b)
        .get("/api/v1/unit-figures/", {"unit": tree.community_a.code})
        .status_code
        == 404
    )


def test_lists_run_a_constant_number_of_queries(
    api, people, home_a, tree, django_assert_max_num_queries
):
    for i in range(12):
        person = make_person(
            home_a, name="外居" + "甲乙丙丁戊己庚辛壬癸子丑"[i], hukou_division=SHUINICHANG
        )
        services.checks_record(
            actor=people.worker_a, persons=[person], kind="monthly", date=TODAY, result="absent"
        )
    api.as_(people.worker_c)
    with django_assert_max_num_queries(12):
        assert len(api.get("/api/v1/outflow/").json()["results"]) == 12
    api.as_(people.worker_a)
    for path in ("checks", "pending-departures", "visits"):
        with django_assert_max_num_queries(12):
            assert api.get(f"/api/v1/{path}/").status_code == 200


# --- the migration -----------------------------------------------------------------------


def test_the_migration_groups_todays_checks_into_visits_and_keeps_every_one(people, home_a, tree):
    import importlib

    from django.apps import apps

    module = importlib.import_module(
        "shequ.registry.migrations.0016_visits_pending_departures_outflow_index"
    )
    one, two = make_person(home_a, name="甲"), make_person(home_a, name="乙")
    day = TODAY - datetime.timedelta(days=3)
    services.checks_record(actor=people.worker_a, persons=[one, two], kind="monthly", date=day)
    services.checks_record(actor=people.worker_a, persons=[one], kind="quarterly", date=day)
    Check.objects.update(visit=None)
    before = sorted(Check.objects.values_list("id", "person_id", "kind", "date", "result"))
    module.checks_into_visits(apps, None)
    after = sorted(Check.objects.values_list("id", "person_id", "kind", "date", "result"))
    assert before == after  # every check kept, unchanged
    (visit,) = Visit.objects.all()
    assert (visit.household, visit.date, visit.actor) == (home_a, day, people.worker_a)
    assert set(visit.checks.values_list("person__name", flat=True)) == {"甲", "乙"}
    assert Check.objects.get(kind="quarterly").visit is None
    assert Person.objects.count() == 2


def test_registration_place_records_the_outflow_on_the_page(web, people, away):
    web.as_(people.worker_c)
    url = f"/registry/persons/{away.uid}/outflow/"
    form = web.get(url)
    assert form.status_code == 200 and "钱外居" in form.text
    done = web.post(
        url, {"date": str(TODAY), "reason": "外出务工", "division": HEFEI_YAOHAI, "address": ""}
    )
    assert done.status_code == 302, done.content
    assert done["Location"].endswith(f"/registry/outflow/{away.uid}/")
    away.refresh_from_db()
    assert away.population_type == "outflow"
