"""The pages of one person: 人来登记, the identity-number check, 市内迁入, the detail page with
its timeline, and revealing the identity number."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.identifiers import id_number_for_test, mask_id_number
from shequ.org.models import AuditEvent, SensitiveAccess
from shequ.registry import services
from shequ.registry.models import Child, Flow, Household, Person
from tests import factories
from tests.factories import DUJI, SUIXIAN_HENAN, XIANGSHAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tree):
    """A building with one household in 丽景社区's first grid."""
    building = factories.make_building(tree.grid_a1, "3号楼")
    return factories.make_household(building, "201")


@pytest.fixture
def home_b(tree):
    building = factories.make_building(tree.grid_b1, "文苑1号楼")
    return factories.make_household(building, "101")


def depart(person: Person, reason: str) -> None:
    services.person_depart(
        actor=None,
        person=person,
        date=timezone.localdate(),
        reason=reason,
        division=SUIXIAN_HENAN,
    )


def register_data(household: Household, /, **overrides) -> dict:
    """What a worker types on the register form, children formset included."""
    data = {
        "id_number": factories.id_number(datetime.date(1988, 3, 9), "F"),
        "name": "李梅",
        "sex": "",
        "birth_date": "",
        "ethnicity": "01",
        "education": "senior",
        "phone": "13912345678",
        "building": str(household.building.uid),
        "household": str(household.uid),
        "new_household": "",
        "relation": "head",
        "hukou_division": XIANGSHAN,
        "hukou_address": "相山区人民路8号",
        "marital_status": "married",
        "marriage_date": "2012-05-01",
        "children_count": "0",
        "contraception": "iud",
        "contraception_since": "2016-01-01",
        "employment": "employed",
        "employer_name": "淮北矿业",
        "flow_in_date": "",
        "flow_in_reason": "",
        "children-TOTAL_FORMS": "0",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "0",
        "children-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def register(web, user, data):
    return web.as_(user).post(reverse("registry:person_register"), data)


# --- 人来登记 -------------------------------------------------------------------------------


def test_register_page_offers_buildings_of_the_workers_community(web, people, home, home_b):
    response = web.as_(people.worker_a).get(reverse("registry:person_register"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "3号楼" in page
    assert "文苑1号楼" not in page


def test_register_resident_derives_population_type(web, people, home):
    data = register_data(home)
    response = register(web, people.worker_a, data)
    person = Person.objects.get(id_number=data["id_number"])
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person_detail", args=[person.uid])
    assert person.population_type == "resident"
    assert person.birth_date == datetime.date(1988, 3, 9)
    assert person.sex == "F"
    assert person.unit_id == home.unit_id
    detail = web.get(response["Location"]).content.decode()
    assert "户籍常住" in detail
    assert "已登记 李梅（户籍常住）。" in detail


def test_register_person_with_hukou_elsewhere_in_city_is_separated(web, people, home):
    data = register_data(home, hukou_division=DUJI)
    register(web, people.worker_a, data)
    assert Person.objects.get(id_number=data["id_number"]).population_type == "separated"


def test_register_migrant_records_arrival_and_lists_missing_eight_clear(web, people, home):
    data = register_data(
        home,
        id_number=factories.id_number(datetime.date(1995, 7, 1), "M", "412326"),
        name="王强",
        hukou_division=SUIXIAN_HENAN,
        marital_status="single",
        marriage_date="",
        contraception="",
        contraception_since="",
        flow_in_reason="work",
    )
    response = register(web, people.worker_a, data)
    person = Person.objects.get(id_number=data["id_number"])
    assert person.population_type == "inflow"
    assert person.flows.get().kind == Flow.Kind.ARRIVAL
    detail = web.get(response["Location"]).content.decode()
    assert "流入" in detail
    eight_clear = detail.split('data-testid="eight-clear"')[1].split("</section>")[0]
    assert "流入流出时间" in eight_clear
    assert "户籍地" not in eight_clear


def test_register_migrant_with_every_fact_has_eight_clear_complete(web, people, home):
    data = register_data(
        home,
        id_number=factories.id_number(datetime.date(1995, 7, 1), "M", "412326"),
        hukou_division=SUIXIAN_HENAN,
        flow_in_date="2024-03-01",
        flow_in_reason="work",
    )
    response = register(web, people.worker_a, data)
    detail = web.get(response["Location"]).content.decode()
    assert "齐全" in detail.split('data-testid="eight-clear"')[1]


def test_register_creates_the_household_typed_on_the_form(web, people, home):
    data = register_data(home, household="", new_household="202")
    response = register(web, people.worker_a, data)
    assert response.status_code == 302
    person = Person.objects.get(id_number=data["id_number"])
    assert person.household.number == "202"
    assert person.household.building == home.building


def test_register_error_keeps_what_was_typed_and_creates_no_household(web, people, home):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    data = register_data(home, household="", new_household="909", marriage_date=future)
    response = register(web, people.worker_a, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "结婚日期不能晚于今天。" in page
    assert not Household.objects.filter(number="909").exists()
    assert not Person.objects.exists()
    assert 'value="909"' in page
    assert 'value="淮北矿业"' in page
    assert f'value="{data["id_number"]}"' in page


def test_register_requires_a_household_or_a_new_number(web, people, home):
    response = register(web, people.worker_a, register_data(home, household=""))
    assert "请选择户，或填写新户门牌号。" in response.content.decode()
    assert not Person.objects.exists()


def test_register_with_children_records_them_and_counts_them(web, people, home):
    data = register_data(
        home,
        children_count="",
        **{
            "children-TOTAL_FORMS": "2",
            "children-0-order": "1",
            "children-0-birth_date": "2014-02-03",
            "children-0-sex": "M",
            "children-0-name": "李小明",
            "children-1-order": "2",
            "children-1-birth_date": "2018-09-10",
            "children-1-sex": "F",
        },
    )
    response = register(web, people.worker_a, data)
    person = Person.objects.get(id_number=data["id_number"])
    assert person.children_count == 2
    assert list(person.children.values_list("order", "sex")) == [(1, "M"), (2, "F")]
    assert "李小明" in web.get(response["Location"]).content.decode()


def test_register_refuses_a_child_born_before_the_parent_could(web, people, home):
    data = register_data(
        home,
        **{
            "children-TOTAL_FORMS": "1",
            "children-0-order": "1",
            "children-0-birth_date": "1995-01-01",
            "children-0-sex": "M",
        },
    )
    response = register(web, people.worker_a, data)
    assert "子女出生日期 1995-01-01 与本人出生日期不符。" in response.content.decode()
    assert not Person.objects.exists()


def test_register_page_preselects_the_household_given_in_the_link(web, people, home):
    url = reverse("registry:person_register") + f"?household={home.uid}"
    page = web.as_(people.worker_a).get(url).content.decode()
    assert f'<option value="{home.uid}" selected>' in page
    assert f'<option value="{home.building.uid}" selected>' in page


def test_register_link_with_household_of_other_community_is_404(web, people, home_b):
    url = reverse("registry:person_register") + f"?household={home_b.uid}"
    assert web.as_(people.worker_a).get(url).status_code == 404


def test_household_options_list_the_households_of_the_chosen_building(web, people, home):
    factories.make_household(home.building, "202")
    url = reverse("registry:person_register")
    response = web.as_(people.worker_a).get(
        url, {"part": "households", "building": str(home.building.uid)}
    )
    options = response.content.decode()
    assert "201" in options
    assert "202" in options


def test_household_options_of_another_communitys_building_are_empty(web, people, home_b):
    response = web.as_(people.worker_a).get(
        reverse("registry:person_register"),
        {"part": "households", "building": str(home_b.building.uid)},
    )
    assert str(home_b.uid) not in response.content.decode()


def test_preview_shows_population_type_and_missing_eight_clear(web, people, home):
    data = register_data(home, hukou_division=SUIXIAN_HENAN, name="")
    response = web.as_(people.worker_a).post(
        reverse("registry:person_register") + "?part=preview", data
    )
    page = response.content.decode()
    assert 'data-population-type="inflow"' in page
    assert "河南省商丘市睢县" in page
    assert "姓名" in page
    assert "流入流出时间" in page
    assert not Person.objects.exists()


def test_division_options_list_the_places_under_a_code(web, people):
    response = web.as_(people.worker_a).get(
        reverse("registry:division_options"), {"parent": "340600000000"}
    )
    page = response.content.decode()
    assert '<option value="340603000000">相山区</option>' in page
    assert '<option value="340602000000">杜集区</option>' in page


def test_register_form_shows_the_division_chain_of_a_typed_code(web, people, home):
    data = register_data(home, hukou_division=SUIXIAN_HENAN, name="")
    page = register(web, people.worker_a, data).content.decode()
    assert '<option value="410000000000" selected>河南省</option>' in page
    assert '<option value="411400000000" selected>商丘市</option>' in page
    assert '<option value="411422000000" selected>睢县</option>' in page


def test_register_refuses_an_unknown_division_code(web, people, home):
    response = register(web, people.worker_a, register_data(home, hukou_division="349999000000"))
    assert "区划代码 349999000000 不存在。" in response.content.decode()


# --- Identity numbers ---------------------------------------------------------------------


def _number_with_wrong_check_digit() -> tuple[str, str]:
    good = id_number_for_test("340603", datetime.date(1990, 1, 2), 7, "M")
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong, good[-1]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("34060319900102", "身份证号码应为 18 位，当前为 14 位。"),
        (
            id_number_for_test("340603", datetime.date(2099, 1, 2), 7, "M"),
            "身份证号码中的出生日期 2099-01-02 晚于今天。",
        ),
    ],
)
def test_register_shows_why_an_identity_number_is_invalid(web, people, home, number, message):
    response = register(web, people.worker_a, register_data(home, id_number=number))
    assert message in response.content.decode()
    assert not Person.objects.exists()


def test_register_names_the_right_check_digit(web, people, home):
    number, expected = _number_with_wrong_check_digit()
    response = register(web, people.worker_a, register_data(home, id_number=number))
    assert f"身份证号码校验位错误：最后一位应为 {expected}。" in response.content.decode()


def test_register_refuses_a_birth_date_that_disagrees_with_the_number(web, people, home):
    data = register_data(home, birth_date="1988-03-10")
    response = register(web, people.worker_a, data)
    assert "出生日期 1988-03-10 与身份证号码中的 1988-03-09 不一致。" in response.content.decode()


def test_register_refuses_a_sex_that_disagrees_with_the_number(web, people, home):
    response = register(web, people.worker_a, register_data(home, sex="M"))
    assert "性别与身份证号码不一致：号码第 17 位表示女。" in response.content.decode()


def check_number(web, user, number, mode="register"):
    return web.as_(user).post(
        reverse("registry:id_number_check") + f"?mode={mode}", {"id_number": number}
    )


def test_id_check_gives_birth_date_and_sex_of_a_free_number(web, people):
    number = id_number_for_test("340603", datetime.date(1991, 4, 5), 3, "M")
    page = check_number(web, people.worker_a, number).content.decode()
    assert 'data-birth-date="1991-04-05"' in page
    assert 'data-sex="M"' in page
    assert "尚未登记" in page


def test_id_check_says_at_once_what_is_wrong(web, people):
    number, expected = _number_with_wrong_check_digit()
    page = check_number(web, people.worker_a, number).content.decode()
    assert f"最后一位应为 {expected}" in page
    assert 'data-id-valid="0"' in page


def test_id_check_links_to_a_person_already_registered_here(web, people, home):
    person = factories.make_person(home, name="赵六")
    page = check_number(web, people.worker_a, person.id_number).content.decode()
    assert reverse("registry:person_detail", args=[person.uid]) in page
    assert "赵六" in page
    assert 'data-testid="offer-transfer"' not in page


def test_id_check_offers_transfer_for_a_person_registered_elsewhere(web, people, home_b):
    person = factories.make_person(home_b, name="钱七")
    page = check_number(web, people.worker_a, person.id_number).content.decode()
    assert "该号码已在本市登记。" in page
    assert "市内迁入" in page
    assert 'data-testid="offer-transfer"' in page
    assert "钱七" not in page  # the name stays with the community that manages the record


@pytest.mark.parametrize("mode", ["register", "transfer", "edit"])
def test_id_check_does_not_say_where_a_person_of_another_community_lives(web, people, home_b, mode):
    person = factories.make_person(home_b, name="钱七")
    page = check_number(web, people.worker_a, person.id_number, mode).content.decode()
    assert "文苑社区" not in page
    assert "第1网格" not in page
    assert "在册" not in page
    assert str(person.uid) not in page


@pytest.mark.parametrize("end", ["depart", "record_death"])
def test_id_check_does_not_say_the_state_of_a_record_of_another_community(web, people, home_b, end):
    person = factories.make_person(home_b)
    if end == "depart":
        depart(person, "离开")
    else:
        services.person_record_death(
            actor=None, person=person, date=timezone.localdate(), reason="病故"
        )
    page = check_number(web, people.worker_a, person.id_number).content.decode()
    assert "该号码已在本市登记。" in page
    assert "已迁出" not in page and "已死亡" not in page
    assert "文苑社区" not in page


def test_id_check_names_the_place_inside_the_jurisdiction(web, people, home_b):
    person = factories.make_person(home_b, name="钱七")
    page = check_number(web, people.street, person.id_number).content.decode()
    assert "钱七" in page
    assert reverse("registry:person_detail", args=[person.uid]) in page


def test_id_check_offers_transfer_for_a_departed_person(web, people, home):
    person = factories.make_person(home)
    depart(person, "离开本市")
    page = check_number(web, people.worker_a, person.id_number).content.decode()
    assert "已迁出" in page
    assert 'data-testid="offer-transfer"' in page


def test_id_check_offers_nothing_for_a_deceased_person(web, people, home):
    person = factories.make_person(home)
    services.person_record_death(
        actor=None, person=person, date=timezone.localdate(), reason="病故"
    )
    page = check_number(web, people.worker_a, person.id_number).content.decode()
    assert "已死亡" in page
    assert 'data-testid="offer-transfer"' not in page


def test_id_check_is_refused_to_an_auditor(web, people):
    number = id_number_for_test("340603", datetime.date(1991, 4, 5), 3, "M")
    assert check_number(web, people.auditor, number).status_code == 403


def test_register_duplicate_in_scope_names_the_person(web, people, home):
    person = factories.make_person(home, name="赵六")
    response = register(web, people.worker_a, register_data(home, id_number=person.id_number))
    assert "该身份证号码已登记：赵六（在册）。" in response.content.decode()
    assert Person.objects.count() == 1


def test_register_duplicate_elsewhere_offers_transfer(web, people, home, home_b):
    person = factories.make_person(home_b)
    response = register(web, people.worker_a, register_data(home, id_number=person.id_number))
    page = response.content.decode()
    assert "该身份证号码已在本市登记。" in page
    assert "文苑社区" not in page
    assert 'data-testid="offer-transfer"' in page
    assert f'formaction="{reverse("registry:person_transfer_in")}"' in page
    assert Person.objects.count() == 1


# --- 市内迁入 -------------------------------------------------------------------------------


def test_transfer_page_is_prefilled_from_the_register_form(web, people, home, home_b):
    person = factories.make_person(home_b)
    data = register_data(home, id_number=person.id_number, prefill="1")
    response = web.as_(people.worker_a).post(reverse("registry:person_transfer_in"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{person.id_number}"' in page
    assert 'value="李梅"' in page  # the name typed there, to be checked against the record
    assert f'<option value="{home.uid}" selected>' in page
    assert "请填写" not in page and "必填" not in page  # a fresh form, not a failed one
    assert Person.objects.get().unit_id == home_b.unit_id


def transfer(web, user, number, household, name="张三", **overrides):
    data = {
        "id_number": number,
        "name": name,
        "building": str(household.building.uid),
        "household": str(household.uid),
        "new_household": "",
        "date": timezone.localdate().isoformat(),
        "reason": "搬到丽景社区租住",
    }
    data.update(overrides)
    return web.as_(user).post(reverse("registry:person_transfer_in"), data)


def test_transfer_in_moves_the_same_record_here(web, people, home, home_b):
    person = factories.make_person(home_b, name="钱七")
    response = transfer(web, people.worker_a, person.id_number, home, name="钱七")
    assert response.status_code == 302
    assert Person.objects.count() == 1
    person.refresh_from_db()
    assert person.household == home
    assert person.unit_id == home.unit_id
    flow = person.flows.get(kind=Flow.Kind.MOVE)
    assert flow.from_unit_code == home_b.unit_id
    assert flow.reason == "搬到丽景社区租住"
    detail = reverse("registry:person_detail", args=[person.uid])
    assert web.as_(people.worker_a).get(detail).status_code == 200
    assert web.as_(people.worker_b).get(detail).status_code == 404


def test_transfer_in_reactivates_a_departed_record(web, people, home):
    person = factories.make_person(home)
    depart(person, "外出")
    other = factories.make_household(home.building, "305")
    response = transfer(web, people.worker_a, person.id_number, other, reason="回来居住")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "active"
    assert person.flows.filter(kind=Flow.Kind.REACTIVATION).exists()


def test_transfer_in_of_unknown_number_points_to_registration(web, people, home):
    number = id_number_for_test("340603", datetime.date(1991, 4, 5), 3, "M")
    page = transfer(web, people.worker_a, number, home).content.decode()
    assert NOT_FOUND in page


NOT_FOUND = (
    "没有找到与该身份证号码和姓名相符的登记记录。请核对身份证上的号码和姓名；"
    "此人确未在本市登记的，请办理人来登记。"
)


def test_transfer_in_with_another_name_is_answered_like_an_unknown_number(
    web, people, home, home_b
):
    person = factories.make_person(home_b, name="钱七")
    response = transfer(web, people.worker_a, person.id_number, home, name="钱八")
    page = response.content.decode()
    assert response.status_code == 200
    assert NOT_FOUND in page
    assert "文苑社区" not in page
    person.refresh_from_db()
    assert person.unit_id == home_b.unit_id
    assert not person.flows.filter(kind=Flow.Kind.MOVE).exists()


def test_transfer_in_requires_the_name(web, people, home, home_b):
    person = factories.make_person(home_b, name="钱七")
    response = transfer(web, people.worker_a, person.id_number, home, name="")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.unit_id == home_b.unit_id


def test_transfer_in_of_a_deceased_person_says_so_only_with_the_right_name(
    web, people, home, home_b
):
    person = factories.make_person(home_b, name="钱七")
    services.person_record_death(
        actor=None, person=person, date=timezone.localdate(), reason="病故"
    )
    wrong = transfer(web, people.worker_a, person.id_number, home, name="钱八")
    assert "死亡" not in wrong.content.decode()
    right = transfer(web, people.worker_a, person.id_number, home, name="钱七")
    assert "该人员已登记死亡，不能迁入。" in right.content.decode()
    person.refresh_from_db()
    assert (person.status, person.unit_id) == ("deceased", home_b.unit_id)


def test_transfer_in_reactivates_a_person_departed_from_another_community(
    web, people, home, home_b
):
    person = factories.make_person(home_b, name="钱七")
    depart(person, "外出")
    response = transfer(web, people.worker_a, person.id_number, home, name="钱七")
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.status, person.unit_id) == ("active", home.unit_id)
    flow = person.flows.get(kind=Flow.Kind.REACTIVATION)
    assert flow.from_unit_code == home_b.unit_id


def test_the_origin_community_sees_the_transfer_in_its_flow_list(web, people, home, home_b):
    person = factories.make_person(home_b, name="钱七")
    transfer(web, people.worker_a, person.id_number, home, name="钱七")
    page = web.as_(people.worker_b).get(reverse("registry:flow_list")).content.decode()
    rows = re.findall(r'<tr data-testid="flow-row">(.*?)</tr>', page, re.S)
    moves = [row for row in rows if "市内迁移" in row]
    assert len(moves) == 1
    assert "钱*" in moves[0]  # no longer theirs: the surname only
    assert "丽景社区" in moves[0]  # where the person went
    assert reverse("registry:person_detail", args=[person.uid]) not in page


def test_transfer_in_requires_a_reason(web, people, home, home_b):
    person = factories.make_person(home_b)
    response = transfer(web, people.worker_a, person.id_number, home, reason="")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.unit_id == home_b.unit_id


def test_transfer_in_is_refused_to_an_auditor(web, people, home, home_b):
    person = factories.make_person(home_b)
    assert transfer(web, people.auditor, person.id_number, home).status_code == 403


# --- Detail page --------------------------------------------------------------------------


def test_detail_shows_facts_with_masked_identity_number(web, people, home):
    person = factories.make_person(home, name="孙八", phone="13800001111")
    page = (
        web.as_(people.worker_a)
        .get(reverse("registry:person_detail", args=[person.uid]))
        .content.decode()
    )
    assert "孙八" in page
    assert mask_id_number(person.id_number) in page
    assert person.id_number not in page
    assert "13800001111" in page
    assert "3号楼" in page and "201" in page
    assert "安徽省淮北市相山区" in page


def test_detail_lists_household_members_and_children(web, people, home):
    person = factories.make_person(
        home,
        name="周九",
        marital_status="married",
        children_count=1,
        children=[{"order": 1, "birth_date": datetime.date(2015, 6, 1), "sex": "F"}],
    )
    factories.make_person(home, name="吴十")
    page = (
        web.as_(people.worker_a)
        .get(reverse("registry:person_detail", args=[person.uid]))
        .content.decode()
    )
    members = page.split('data-testid="members"')[1].split("</ul>")[0]
    assert "吴十" in members
    assert "2015-06-01" in page.split('data-testid="children"')[1]


def test_detail_shows_contraception_to_a_worker_and_logs_the_read(web, people, home):
    person = factories.make_person(home, marital_status="married", contraception="iud")
    page = (
        web.as_(people.worker_a)
        .get(reverse("registry:person_detail", args=[person.uid]))
        .content.decode()
    )
    assert "宫内节育器" in page
    # The method's read; the health card (core/panels.py) logs its own (tasks, services).
    access = SensitiveAccess.objects.exclude(fields__contains="health_").get()
    assert access.actor == people.worker_a
    assert access.fields == "contraception"


def test_detail_hides_contraception_from_an_auditor(web, people, home):
    person = factories.make_person(home, marital_status="married", contraception="iud")
    page = (
        web.as_(people.auditor)
        .get(reverse("registry:person_detail", args=[person.uid]))
        .content.decode()
    )
    assert "宫内节育器" not in page
    assert not SensitiveAccess.objects.exists()


def test_detail_offers_actions_to_a_worker_and_none_to_an_auditor(web, people, home):
    person = factories.make_person(home)
    url = reverse("registry:person_detail", args=[person.uid])
    worker_page = web.as_(people.worker_a).get(url).content.decode()
    assert reverse("registry:person_depart", args=[person.uid]) in worker_page
    assert reverse("registry:person_outflow", args=[person.uid]) in worker_page
    auditor_page = web.as_(people.auditor).get(url).content.decode()
    assert 'data-testid="actions"' not in auditor_page
    assert reverse("registry:person_check", args=[person.uid]) not in auditor_page
    assert 'data-testid="reveal"' not in auditor_page


def test_detail_of_departed_person_offers_only_edit(web, people, home):
    person = factories.make_person(home)
    depart(person, "离开")
    page = (
        web.as_(people.worker_a)
        .get(reverse("registry:person_detail", args=[person.uid]))
        .content.decode()
    )
    assert reverse("registry:person_edit", args=[person.uid]) in page
    assert reverse("registry:person_depart", args=[person.uid]) not in page
    assert "已迁出" in page


def _busy_person(home, changes: int) -> Person:
    """A person with a child, ``changes`` edits, checks and moves: a long timeline."""
    person = factories.make_person(
        home,
        marital_status="married",
        contraception="iud",
        children_count=1,
        children=[{"order": 1, "birth_date": datetime.date(2015, 6, 1), "sex": "F"}],
    )
    other = factories.make_household(home.building, "999")
    homes = [other, home]
    for i in range(changes):
        person = services.person_update(
            actor=None, person=person, values={"phone": f"1391234{i:04d}"}, reason=f"第{i}次更正"
        )
        services.checks_record(
            actor=None, persons=[person], kind="monthly", date=timezone.localdate()
        )
        person = services.person_move(
            actor=None,
            person=Person.objects.get(pk=person.pk),
            household=homes[i % 2],
            date=timezone.localdate(),
            reason="换房",
        )
    return person


@pytest.mark.parametrize("changes", [2, 25])
def test_detail_page_runs_a_fixed_number_of_queries(
    web, people, home, django_assert_max_num_queries, changes
):
    person = _busy_person(home, changes)
    factories.make_person(home, name="吴十")
    client = web.as_(people.worker_a)
    url = reverse("registry:person_detail", args=[person.uid])
    # 15, + the 户口簿 and whether they let homes, + the family's sections: marriages,
    # certificates, pregnancies (read and logged), + the latest checks with their visits; + the
    # apps' cards (core/panels.py): health's open tasks and last services, their read logged,
    # and supplies' dispensings.
    with django_assert_max_num_queries(27):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="timeline-entry"') >= 3 * changes


def test_timeline_shows_who_when_and_why(web, people, home):
    person = factories.make_person(home)
    web.as_(people.worker_a).post(
        reverse("registry:person_edit", args=[person.uid]),
        {
            **register_data(home, id_number=person.id_number, name="张三丰"),
            "reason": "户口本上的姓名为张三丰",
            "version": person.version,
        },
    )
    page = web.get(reverse("registry:person_detail", args=[person.uid])).content.decode()
    timeline = page.split('data-testid="timeline"')[1]
    assert "户口本上的姓名为张三丰" in timeline
    assert "worker_a" in timeline
    assert timezone.localdate().isoformat() in timeline
    assert "姓名：" in timeline and "张三丰" in timeline


def test_timeline_masks_identity_number_changes(web, people, home):
    person = factories.make_person(home)
    old = person.id_number
    new = factories.id_number(person.birth_date, person.sex)
    services.person_update(actor=None, person=person, values={"id_number": new}, reason="录错")
    page = (
        web.as_(people.worker_a)
        .get(reverse("registry:person_detail", args=[person.uid]))
        .content.decode()
    )
    timeline = page.split('data-testid="timeline"')[1]
    assert mask_id_number(old) in timeline
    assert old not in page and new not in page


def test_timeline_hides_contraception_changes_from_roles_without_health_access(web, people, home):
    person = factories.make_person(home, marital_status="married")
    services.person_update(
        actor=None, person=person, values={"contraception": "condom"}, reason="随访更新"
    )
    url = reverse("registry:person_detail", args=[person.uid])
    assert "避孕套" in web.as_(people.worker_a).get(url).content.decode()
    auditor_page = web.as_(people.auditor).get(url).content.decode()
    assert "避孕套" not in auditor_page
    assert "节育措施" not in auditor_page


def test_timeline_lists_children_changes_and_flows(web, people, home):
    person = factories.make_person(home, marital_status="married")
    services.person_update(
        actor=None,
        person=person,
        values={"children_count": 1},
        children=[{"order": 1, "birth_date": datetime.date(2019, 1, 2), "sex": "M"}],
        reason="补登子女",
    )
    page = (
        web.as_(people.worker_a)
        .get(reverse("registry:person_detail", args=[person.uid]))
        .content.decode()
    )
    timeline = page.split('data-testid="timeline"')[1]
    assert "登记子女" in timeline and "2019-01-02" in timeline
    assert "建档" in timeline
    assert Child.objects.count() == 1


# --- Revealing the identity number --------------------------------------------------------


def reveal(web, user, person, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return web.as_(user).post(
        reverse("registry:person_reveal_id", args=[person.uid]),
        {"purpose": "verify"},
        headers=headers,
    )


def test_reveal_shows_the_full_number_and_logs_the_read(web, people, home):
    person = factories.make_person(home)
    response = reveal(web, people.worker_a, person)
    assert response.status_code == 200
    assert person.id_number in response.content.decode()
    access = SensitiveAccess.objects.get(fields="id_number")
    assert access.actor == people.worker_a
    assert access.purpose == "verify"
    assert access.target_id == str(person.uid)


def test_reveal_without_htmx_shows_the_detail_page_with_the_number(web, people, home):
    person = factories.make_person(home, name="孙八")
    page = reveal(web, people.worker_a, person, htmx=False).content.decode()
    assert person.id_number in page
    assert "孙八" in page


@pytest.mark.parametrize("role", ["auditor", "provider"])
def test_reveal_is_refused_to_roles_without_the_right(web, people, home, role):
    person = factories.make_person(home)
    assert reveal(web, getattr(people, role), person).status_code == 403
    assert not SensitiveAccess.objects.exists()


def test_reveal_of_a_person_of_another_community_is_404(web, people, home_b):
    person = factories.make_person(home_b)
    assert reveal(web, people.worker_a, person).status_code == 404
    assert not SensitiveAccess.objects.exists()


def test_reveal_requires_a_purpose(web, people, home):
    person = factories.make_person(home)
    response = web.as_(people.worker_a).post(
        reverse("registry:person_reveal_id", args=[person.uid]),
        {"purpose": ""},
        headers={"HX-Request": "true"},
    )
    assert person.id_number not in response.content.decode()
    assert not SensitiveAccess.objects.exists()


# --- Scoping and roles on every URL ------------------------------------------------------

PERSON_URLS = [
    "person_detail",
    "person_edit",
    "person_move",
    "person_depart",
    "person_death",
    "person_cancel",
    "person_outflow",
    "person_return",
    "person_check",
]


@pytest.mark.parametrize("name", PERSON_URLS)
def test_worker_of_another_community_gets_404(web, people, home, name):
    person = factories.make_person(home)
    url = reverse(f"registry:{name}", args=[person.uid])
    assert web.as_(people.worker_c).get(url).status_code == 404
    if name != "person_detail":
        assert web.as_(people.worker_b).post(url, {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("name", PERSON_URLS[1:])
def test_auditor_may_not_change_a_person(web, people, home, name):
    person = factories.make_person(home)
    url = reverse(f"registry:{name}", args=[person.uid])
    response = web.as_(people.auditor).post(
        url, {"reason": "x", "date": timezone.localdate().isoformat(), "confirmed": "1"}
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.status == "active"


def test_auditor_and_administrators_read_no_person(web, people, home):
    person = factories.make_person(home)
    url = reverse("registry:person_detail", args=[person.uid])
    for persona in (people.auditor, people.city_admin, people.street_admin):
        assert web.as_(persona).get(url).status_code == 404


def test_auditor_may_not_register(web, people, home):
    assert web.as_(people.auditor).get(reverse("registry:person_register")).status_code == 403
    assert register(web, people.auditor, register_data(home)).status_code == 403


def test_pages_require_login(client, home):
    person = factories.make_person(home)
    response = client.get(reverse("registry:person_detail", args=[person.uid]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_refused_transfer_on_the_page_stays_in_the_log(web, people, home, home_b):
    person = factories.make_person(home_b, name="钱七")
    transfer(web, people.worker_a, person.id_number, home, name="钱八")
    refused = AuditEvent.objects.get(action="person.transfer_in_refused")
    assert refused.actor == people.worker_a
    assert refused.target_label == mask_id_number(person.id_number)
