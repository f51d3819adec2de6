"""与户主关系 is kept in one place, the 户口簿 (registered-household memberships): the person
form and the import write the membership (a 户主 opens a registered household, a relative
joins the 户主's of the same dwelling and 户籍地); the API shows it read-only, deprecated."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shequ.registry import services
from shequ.registry.models import Person, RegisteredHousehold, RegisteredHouseholdMember
from tests import factories
from tests.factories import (
    HEFEI_YAOHAI,
    PERSON_IMPORT_HEADERS,
    XIANGSHAN,
    make_building,
    make_household,
    make_person,
    tabular_file,
)
from tests.factories import id_number as new_id_number

pytestmark = pytest.mark.django_db

GRID_A1 = "34060302000101"


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def register_form(home, **extra):
    data = {
        "id_number": factories.id_number(datetime.date(1988, 3, 9), "F"),
        "name": "李梅",
        "sex": "",
        "birth_date": "",
        "ethnicity": "01",
        "building": str(home.building.uid),
        "household": str(home.uid),
        "new_household": "",
        "hukou_division": XIANGSHAN,
        "hukou_address": "相山区人民路8号",
        "marital_status": "married",
        "marriage_date": "2012-05-01",
        "children_count": "0",
        "employment": "employed",
        "children-TOTAL_FORMS": "0",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "0",
        "children-MAX_NUM_FORMS": "20",
    }
    data.update(extra)
    return data


def membership(person):
    member = RegisteredHouseholdMember.objects.select_related("household__head").get(
        person=person, left_on__isnull=True
    )
    return member.household.head.name, member.relation


def test_the_register_form_opens_a_household_for_the_head_and_joins_the_spouse(web, people, home):
    web.as_(people.worker_a)
    url = reverse("registry:person_register")
    head = web.post(
        url, register_form(home, name="张建国", relation="head", id_number=new_id_number(sex="M"))
    )
    assert head.status_code == 302
    wife = web.post(url, register_form(home, relation="spouse"), follow=True)
    assert wife.status_code == 200

    head_person, wife_person = Person.objects.get(name="张建国"), Person.objects.get(name="李梅")
    assert membership(head_person) == ("张建国", "head")
    assert membership(wife_person) == ("张建国", "spouse")
    household = RegisteredHousehold.objects.get(head=head_person)
    assert (household.division_id, household.unit_id) == (XIANGSHAN, GRID_A1)
    assert household.history.count() == 1


def test_a_spouse_registered_elsewhere_stays_outside_and_the_worker_is_told(web, people, home):
    make_person(home, name="张建国", sex="M", relation="head")
    web.as_(people.worker_a)
    answer = web.post(
        reverse("registry:person_register"),
        register_form(home, relation="spouse", hukou_division=HEFEI_YAOHAI),
        follow=True,
    )
    assert answer.status_code == 200
    assert "户口迁入后再在户籍户页面入户" in answer.content.decode()
    assert not RegisteredHouseholdMember.objects.filter(person__name="李梅").exists()


def test_a_relative_of_a_home_without_a_head_is_refused_with_a_clear_message(web, people, home):
    web.as_(people.worker_a)
    answer = web.post(reverse("registry:person_register"), register_form(home, relation="child"))
    assert answer.status_code == 200  # the form again, nothing registered
    assert "本户还没有户主" in answer.content.decode()
    assert not Person.objects.filter(name="李梅").exists()


def test_the_edit_form_shows_the_households_relation_and_keeps_it(web, people, home):
    head = make_person(home, name="张建国", sex="M", relation="head")
    web.as_(people.worker_a)
    page = web.get(reverse("registry:person_edit", args=[head.uid])).content.decode()
    assert 'name="relation"' in page and "disabled" in page.split('name="relation"')[1][:200]
    assert "入户、离户和关系变更请在户籍户页面办理" in page


def test_editing_a_person_on_no_household_can_make_them_a_head(people, home):
    person = make_person(home, name="王五", sex="M")
    services.person_update(
        actor=people.worker_a, person=person, values={}, reason="补登户主", relation="head"
    )
    assert membership(person) == ("王五", "head")


def test_a_newborn_joins_the_parents_household_as_a_child(people, home):
    mother = make_person(home, name="李梅", relation="head", marital_status="married")
    baby = services.newborn_register(
        actor=people.worker_a,
        parent=mother,
        values={
            "birth_certificate_number": "Q340612345",
            "name": "小宝",
            "sex": "M",
            "birth_date": datetime.date.today() - datetime.timedelta(days=10),
        },
    )
    assert membership(baby) == ("李梅", "child")


def test_the_api_shows_the_relation_from_the_household_read_only(api, people, home):
    head = make_person(home, name="张建国", sex="M", relation="head")
    tenant = make_person(home, name="王五", sex="M", hukou_division=HEFEI_YAOHAI, relation="tenant")
    client = api.as_(people.worker_a)
    listed = {p["name"]: p["relation"] for p in client.get("/api/v1/persons/").json()["results"]}
    assert listed == {"张建国": "head", "王五": ""}
    assert client.get(f"/api/v1/persons/{head.uid}/").json()["relation"] == "head"

    changed = client.patch(
        f"/api/v1/persons/{tenant.uid}/",
        {"relation": "head", "reason": "试", "version": tenant.version},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["relation"] == ""  # read-only
    assert not RegisteredHousehold.objects.filter(head=tenant).exists()


def test_the_schema_marks_the_persons_relation_deprecated(api, people):
    schema = api.as_(people.worker_a).get("/api/schema/?format=json").json()
    relation = schema["components"]["schemas"]["Person"]["properties"]["relation"]
    assert relation["deprecated"] is True and relation["readOnly"] is True


def test_the_api_person_list_reads_the_relations_in_constant_queries(
    api, people, home, django_assert_max_num_queries
):
    make_person(home, name="张建国", sex="M", relation="head")
    client = api.as_(people.worker_a)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/persons/")
    for i in range(5):
        make_person(home, name="张" + "甲乙丙丁戊"[i], relation="child")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/persons/").json()["results"]) == 6


# --- The import ----------------------------------------------------------------------------

HEADERS = [*PERSON_IMPORT_HEADERS, "与户主关系"]


def row(number, name, relation, *, hukou="340603000000", home_number="101"):
    return [number, name, hukou, GRID_A1, "1号楼", home_number, "未婚", relation]


def upload(api, user, content, **options):
    response = api.as_(user).post(
        "/api/v1/imports/",
        {"kind": "persons", "file": SimpleUploadedFile("人员.csv", content), **options},
        format="multipart",
    )
    assert response.status_code == 202, response.data
    return response.data


def test_the_import_opens_and_joins_households_by_the_same_rule(api, people, home):
    head, wife, son, worker, outsider = (new_id_number(sex=s) for s in "MFMMF")
    rows = [
        row(head, "张建国", "户主"),
        row(wife, "李梅", "配偶"),
        row(son, "张伟", "子女"),
        row(outsider, "外地媳妇", "配偶", hukou=HEFEI_YAOHAI),
        row(worker, "王五", "租住人员", home_number="102"),
    ]
    data = upload(api, people.worker_a, tabular_file(HEADERS, rows))

    assert (data["created"], data["errors"]) == (5, [])
    members = {
        m.person.name: (m.household.head.name, m.relation, m.join_reason)
        for m in RegisteredHouseholdMember.objects.select_related("person", "household__head")
    }
    assert members == {
        "张建国": ("张建国", "head", "导入：人员.csv 第2行"),
        "李梅": ("张建国", "spouse", "导入：人员.csv 第3行"),
        "张伟": ("张建国", "child", "导入：人员.csv 第4行"),
    }
    household = RegisteredHousehold.objects.get()
    assert household.history.get().history_change_reason == "导入：人员.csv 第2行"
    assert household.memberships.first().history.count() == 1


def test_an_imported_relative_joins_the_household_of_a_head_registered_before(api, people, home):
    make_person(home, name="张建国", sex="M", relation="head")
    son = new_id_number(sex="M")
    data = upload(api, people.worker_a, tabular_file(HEADERS, [row(son, "张伟", "子女")]))
    assert data["errors"] == []
    assert membership(Person.objects.get(name="张伟")) == ("张建国", "child")


def test_an_imported_relative_of_a_home_without_a_head_is_a_row_error(api, people, home):
    data = upload(
        api, people.worker_a, tabular_file(HEADERS, [row(new_id_number(), "李梅", "配偶")])
    )
    assert data["applied"] is False
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(2, "与户主关系")]
    assert "本户还没有户主" in data["errors"][0]["message"]


def test_an_update_may_not_change_the_relation_the_household_keeps(api, people, home):
    head = make_person(home, name="张建国", sex="M", relation="head")
    same = upload(
        api,
        people.worker_a,
        tabular_file(HEADERS, [row(head.id_number, "张建国", "户主")]),
        update="true",
    )
    assert (same["errors"], same["unchanged"]) == ([], 1)
    other = upload(
        api,
        people.worker_a,
        tabular_file(HEADERS, [row(head.id_number, "张建国", "子女")]),
        update="true",
    )
    assert [e["column"] for e in other["errors"]] == ["与户主关系"]


def test_an_update_places_a_registered_person_on_no_household(api, people, home):
    person = make_person(home, name="张建国", sex="M")
    data = upload(
        api,
        people.worker_a,
        tabular_file(HEADERS, [row(person.id_number, "张建国", "户主")]),
        update="true",
    )
    assert (data["errors"], data["updated"], data["applied"]) == ([], 1, True)
    assert membership(person) == ("张建国", "head")


def test_the_export_writes_the_relation_the_household_keeps(web, people, home):
    make_person(home, name="张建国", sex="M", relation="head")
    make_person(home, name="王五", sex="M", hukou_division=HEFEI_YAOHAI, relation="tenant")
    content = web.as_(people.worker_a).get(
        reverse("registry:export", args=["persons"]) + "?format=csv"
    )
    lines = content.content.decode("utf-8-sig").splitlines()
    column = lines[0].split(",").index("与户主关系")
    relations = {line.split(",")[1]: line.split(",")[column] for line in lines[1:]}
    assert relations == {"张建国": "户主", "王五": ""}
