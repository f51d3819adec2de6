"""Managing a person while present and cancelling on departure, through the pages: edit with a
reason, move, 迁出注销, death, 误登注销, 外出/返回登记, and the monthly check."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shequ.registry import services
from shequ.registry.models import Check, Flow, Person
from tests import factories
from tests.factories import HEFEI_YAOHAI, SUIXIAN_HENAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tree):
    building = factories.make_building(tree.grid_a1, "3号楼")
    return factories.make_household(building, "201")


@pytest.fixture
def person(home):
    return factories.make_person(home, name="张三")


def today() -> str:
    return timezone.localdate().isoformat()


def url(name: str, person: Person) -> str:
    return reverse(f"registry:{name}", args=[person.uid])


def edit_data(person: Person, **overrides) -> dict:
    """The edit form as it comes pre-filled for the person, plus the overrides."""
    data = {
        "id_number": person.id_number,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "ethnicity": person.ethnicity,
        "education": person.education,
        "phone": person.phone,
        "hukou_division": person.hukou_division_id,
        "hukou_address": person.hukou_address,
        "marital_status": person.marital_status,
        "marriage_date": person.marriage_date.isoformat() if person.marriage_date else "",
        "children_count": "" if person.children_count is None else str(person.children_count),
        "contraception": person.contraception,
        "contraception_since": "",
        "employment": person.employment,
        "employer_name": person.employer_name,
        "flow_in_date": "",
        "flow_in_reason": "",
        "reason": "",
        "version": str(person.version),
        "children-TOTAL_FORMS": "0",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "0",
        "children-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


# --- Edit -----------------------------------------------------------------------------------


def test_edit_form_comes_filled_with_the_persons_facts(web, people, person):
    page = web.as_(people.worker_a).get(url("person_edit", person)).content.decode()
    assert 'value="张三"' in page
    assert 'value="淮北矿业"' in page
    assert '<option value="340603000000" selected>相山区</option>' in page


def test_edit_requires_a_reason(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_edit", person), edit_data(person, name="张叁")
    )
    assert response.status_code == 200
    group = response.content.decode().split('id="group-id_reason"')[1].split("</section>")[0]
    assert "该字段是必填项。" in group
    person.refresh_from_db()
    assert person.name == "张三"


def test_edit_with_reason_saves_and_writes_history(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_edit", person), edit_data(person, name="张叁", reason="按户口本更正")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "张叁"
    latest = person.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "按户口本更正"
    assert latest.history_user == people.worker_a
    page = web.get(response["Location"]).content.decode()
    assert "已保存 张叁 的信息。" in page
    assert "按户口本更正" in page.split('data-testid="timeline"')[1]


def test_edit_removing_a_child_keeps_it_in_the_timeline(web, people, home):
    person = factories.make_person(
        home,
        marital_status="married",
        children_count=1,
        children=[{"order": 1, "birth_date": datetime.date(2016, 4, 4), "sex": "F"}],
    )
    data = edit_data(
        person,
        reason="误录子女",
        children_count="0",
        **{
            "children-TOTAL_FORMS": "1",
            "children-INITIAL_FORMS": "1",
            "children-0-order": "1",
            "children-0-birth_date": "2016-04-04",
            "children-0-sex": "F",
            "children-0-DELETE": "on",
        },
    )
    response = web.as_(people.worker_a).post(url("person_edit", person), data)
    assert response.status_code == 302
    assert not person.children.exists()
    timeline = web.get(response["Location"]).content.decode().split('data-testid="timeline"')[1]
    assert "删除子女记录" in timeline
    assert "误录子女" in timeline


def test_edit_shows_a_future_date_on_its_field(web, people, person):
    future = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = web.as_(people.worker_a).post(
        url("person_edit", person),
        edit_data(person, marital_status="married", marriage_date=future, reason="结婚"),
    )
    page = response.content.decode()
    group = page.split('id="group-id_marriage_date"')[1].split('id="group-')[0]
    assert "结婚日期不能晚于今天。" in group


def test_edit_form_logs_the_health_read_of_a_worker(web, people, home):
    from shequ.org.models import SensitiveAccess

    person = factories.make_person(home, marital_status="married", contraception="iud")
    web.as_(people.worker_a).get(url("person_edit", person))
    assert SensitiveAccess.objects.filter(actor=people.worker_a, fields="contraception").exists()


# --- Move -----------------------------------------------------------------------------------


def test_move_to_another_household_keeps_the_record(web, people, person, home):
    other = factories.make_household(home.building, "305")
    response = web.as_(people.worker_a).post(
        url("person_move", person),
        {
            "building": str(home.building.uid),
            "household": str(other.uid),
            "date": today(),
            "reason": "换租",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.household == other
    assert person.flows.filter(kind=Flow.Kind.MOVE).exists()
    assert "已迁到新住址" in web.get(response["Location"]).content.decode()


def test_move_into_a_new_household_number_creates_it(web, people, person, home):
    response = web.as_(people.worker_a).post(
        url("person_move", person),
        {
            "building": str(home.building.uid),
            "new_household": "606",
            "date": today(),
            "reason": "换房",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.household.number == "606"


def test_move_cannot_pick_a_household_of_another_community(web, people, person, tree):
    elsewhere = factories.make_household(factories.make_building(tree.grid_b1, "B楼"), "101")
    response = web.as_(people.worker_a).post(
        url("person_move", person),
        {
            "building": str(elsewhere.building.uid),
            "household": str(elsewhere.uid),
            "date": today(),
            "reason": "搬家",
        },
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.household != elsewhere


# --- 迁出注销, death, 误登注销 ------------------------------------------------------------------


def test_depart_page_states_the_consequences(web, people, person):
    page = web.as_(people.worker_a).get(url("person_depart", person)).content.decode()
    assert "记录退出在册名单和统计，但不会删除" in page


def test_depart_asks_for_confirmation_before_acting(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_depart", person),
        {"date": today(), "division": HEFEI_YAOHAI, "address": "瑶海区", "reason": "回原籍"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="confirm"' in page
    assert "安徽省合肥市瑶海区" in page
    person.refresh_from_db()
    assert person.status == "active"


def test_depart_confirmed_leaves_the_active_list_but_keeps_the_record(web, people, person):
    client = web.as_(people.worker_a)
    response = client.post(
        url("person_depart", person),
        {"date": today(), "division": SUIXIAN_HENAN, "reason": "回原籍", "confirmed": "1"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "departed"
    flow = person.flows.get(kind=Flow.Kind.DEPARTURE)
    assert flow.division_id == SUIXIAN_HENAN
    active = client.get(reverse("registry:person_list")).content.decode()
    assert str(person.uid) not in active
    departed = client.get(reverse("registry:person_list"), {"status": "departed"})
    assert str(person.uid) in departed.content.decode()
    assert client.get(url("person_detail", person)).status_code == 200


def test_depart_to_a_place_inside_the_city_is_refused_before_confirmation(web, people, person):
    page = (
        web.as_(people.worker_a)
        .post(
            url("person_depart", person),
            {"date": today(), "division": "340602000000", "reason": "搬到杜集区"},
        )
        .content.decode()
    )
    assert 'data-testid="confirm"' not in page
    assert "去向地在本市之内。此人仍住在本市的，请不要注销" in page
    person.refresh_from_db()
    assert person.status == "active"


@pytest.mark.parametrize(
    ("event", "data"),
    [
        ("person_depart", {"division": SUIXIAN_HENAN, "reason": "回原籍"}),
        ("person_death", {"reason": "病故"}),
    ],
)
def test_a_future_date_is_refused_before_confirmation(web, people, person, event, data):
    response = web.as_(people.worker_a).post(url(event, person), {"date": "2030-01-01", **data})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="confirm"' not in page
    assert "日期不能晚于今天。" in page
    person.refresh_from_db()
    assert person.status == "active"


def test_a_date_before_birth_is_refused_before_confirmation(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_death", person), {"date": "1950-01-01", "reason": "病故"}
    )
    page = response.content.decode()
    assert 'data-testid="confirm"' not in page
    assert "日期不能早于出生日期。" in page


def test_depart_requires_a_destination(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_depart", person), {"date": today(), "reason": "走了"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="confirm"' not in page
    assert "is-invalid" in page
    person.refresh_from_db()
    assert person.status == "active"


def test_depart_with_destination_unknown_needs_no_division(web, people, person):
    client = web.as_(people.worker_a)
    data = {"date": today(), "destination_unknown": "on", "reason": "人已不在，去向不明"}
    page = client.post(url("person_depart", person), data).content.decode()
    assert 'data-testid="confirm"' in page
    assert "去向不明" in page
    response = client.post(url("person_depart", person), {**data, "confirmed": "1"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "departed"
    flow = person.flows.get(kind=Flow.Kind.DEPARTURE)
    assert (flow.destination_unknown, flow.division_id) == (True, None)
    detail = client.get(url("person_detail", person)).content.decode()
    assert "去向：去向不明" in detail  # the ended notice and the timeline
    flows = client.get(reverse("registry:flow_list")).content.decode()
    assert "去向不明" in flows


def test_depart_with_destination_unknown_and_a_division_is_refused(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_depart", person),
        {
            "date": today(),
            "destination_unknown": "on",
            "division": SUIXIAN_HENAN,
            "reason": "回原籍",
        },
    )
    page = response.content.decode()
    assert 'data-testid="confirm"' not in page
    assert "已选择“去向不明”，请不要再填写去向地" in page
    person.refresh_from_db()
    assert person.status == "active"


def test_depart_with_destination_unknown_still_requires_a_reason(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_depart", person), {"date": today(), "destination_unknown": "on"}
    )
    page = response.content.decode()
    assert 'data-testid="confirm"' not in page
    assert "is-invalid" in page
    person.refresh_from_db()
    assert person.status == "active"


def test_depart_service_records_destination_unknown(people, person):
    services.person_depart(
        actor=people.worker_a,
        person=person,
        date=timezone.localdate(),
        reason="去向不明",
        destination_unknown=True,
    )
    flow = person.flows.get(kind=Flow.Kind.DEPARTURE)
    assert (person.status, flow.destination_unknown, flow.division_id) == (
        "departed",
        True,
        None,
    )


@pytest.mark.parametrize(
    ("division", "unknown", "message"),
    [
        (None, False, "请选择去向地。"),
        (SUIXIAN_HENAN, True, "已选择“去向不明”"),
        ("340603020000", False, "去向地在本市之内。"),
    ],
)
def test_depart_service_refuses_a_missing_or_contradictory_destination(
    people, person, division, unknown, message
):
    with pytest.raises(ValidationError) as refused:
        services.person_depart(
            actor=people.worker_a,
            person=person,
            date=timezone.localdate(),
            reason="走了",
            division=division,
            destination_unknown=unknown,
        )
    assert refused.value.message_dict["division"][0].startswith(message)
    person.refresh_from_db()
    assert person.status == "active"
    assert not person.flows.filter(kind=Flow.Kind.DEPARTURE).exists()


def test_outflow_has_no_destination_unknown_and_still_requires_a_destination(web, people, person):
    page = web.as_(people.worker_a).get(url("person_outflow", person)).content.decode()
    assert 'name="destination_unknown"' not in page
    response = web.as_(people.worker_a).post(
        url("person_outflow", person),
        {"date": today(), "destination_unknown": "on", "reason": "外出务工"},
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    person.refresh_from_db()
    assert person.population_type == "resident"


def test_depart_to_a_place_inside_the_city_is_refused_when_confirmed(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_depart", person),
        {"date": today(), "division": "340603020000", "reason": "搬家", "confirmed": "1"},
    )
    assert "去向地在本市之内。此人仍住在本市的，请不要注销" in response.content.decode()
    person.refresh_from_db()
    assert person.status == "active"


def test_outflow_to_a_place_inside_the_city_is_refused(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_outflow", person),
        {"date": today(), "division": "340603000000", "reason": "搬到区里"},
    )
    assert response.status_code == 200
    assert "外出登记只用于到本市以外居住" in response.content.decode()
    person.refresh_from_db()
    assert person.population_type == "resident"


def test_depart_refuses_a_future_date(web, people, person):
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = web.as_(people.worker_a).post(
        url("person_depart", person),
        {"date": future, "division": SUIXIAN_HENAN, "reason": "走了", "confirmed": "1"},
    )
    assert "日期不能晚于今天。" in response.content.decode()
    person.refresh_from_db()
    assert person.status == "active"


def test_back_from_confirmation_keeps_what_was_typed(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_depart", person),
        {"date": today(), "address": "上海", "reason": "去上海工作", "confirmed": "1", "back": "1"},
    )
    page = response.content.decode()
    assert "去上海工作" in page
    assert 'value="上海"' in page
    assert 'data-testid="confirm"' not in page


def test_death_confirmed_marks_the_person_deceased(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_death", person), {"date": today(), "reason": "病故", "confirmed": "1"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "deceased"
    assert person.flows.filter(kind=Flow.Kind.DEATH).exists()
    listed = web.get(reverse("registry:person_list"), {"status": "deceased"}).content.decode()
    assert str(person.uid) in listed


def test_cancel_explains_and_confirms_before_cancelling(web, people, person):
    client = web.as_(people.worker_a)
    page = client.post(url("person_cancel", person), {"reason": "重复建档"}).content.decode()
    assert "误登注销" in page
    assert "不会删除" in page
    person.refresh_from_db()
    assert person.status == "active"
    response = client.post(url("person_cancel", person), {"reason": "重复建档", "confirmed": "1"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "cancelled"
    assert person.end_reason == "重复建档"
    assert str(person.uid) not in client.get(reverse("registry:person_list")).content.decode()
    cancelled = client.get(reverse("registry:person_list"), {"status": "cancelled"})
    assert str(person.uid) in cancelled.content.decode()


def test_cancel_requires_a_reason(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_cancel", person), {"reason": "", "confirmed": "1"}
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.status == "active"


def test_a_departed_person_cannot_depart_again(web, people, person):
    services.person_depart(
        actor=None,
        person=person,
        date=timezone.localdate(),
        reason="离开",
        division=SUIXIAN_HENAN,
    )
    page = web.as_(people.worker_a).get(url("person_depart", person)).content.decode()
    assert 'data-testid="refusal"' in page
    assert "已迁出" in page


# --- 外出登记 and 返回登记 ----------------------------------------------------------------------


def test_outflow_of_a_resident_records_the_destination(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_outflow", person),
        {"date": today(), "division": HEFEI_YAOHAI, "address": "瑶海区某厂", "reason": "外出务工"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.population_type == "outflow"
    assert person.flow_out_division_id == HEFEI_YAOHAI
    page = web.get(response["Location"]).content.decode()
    assert "安徽省合肥市瑶海区" in page
    assert url("person_return", person) in page


def test_outflow_is_refused_for_an_inflow_migrant(web, people, home):
    migrant = factories.make_person(home, hukou_division=SUIXIAN_HENAN)
    page = web.as_(people.worker_a).get(url("person_outflow", migrant)).content.decode()
    assert 'data-testid="refusal"' in page
    assert "迁出注销" in page


def test_return_of_an_outflow_person(web, people, person):
    services.person_register_outflow(
        actor=None, person=person, date=timezone.localdate(), reason="外出", division=HEFEI_YAOHAI
    )
    response = web.as_(people.worker_a).post(
        url("person_return", person), {"date": today(), "reason": "回来了"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.population_type == "resident"
    assert person.flow_out_division is None


# --- Checks ---------------------------------------------------------------------------------


def test_monthly_check_from_the_detail_page(web, people, person):
    response = web.as_(people.worker_a).post(
        url("person_check", person), {"kind": "monthly", "date": today(), "result": "confirmed"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.last_monthly_check == timezone.localdate()
    check = Check.objects.get()
    assert check.actor == people.worker_a
    timeline = web.get(response["Location"]).content.decode().split('data-testid="timeline"')[1]
    assert "每月一查" in timeline
    assert "worker_a" in timeline


def test_detail_marks_a_migrant_without_this_months_check(web, people, home):
    migrant = factories.make_person(home, hukou_division=SUIXIAN_HENAN)
    page = web.as_(people.worker_a).get(url("person_detail", migrant)).content.decode()
    assert "本月未查" in page
    assert "记录本月一查" in page


def test_check_with_another_result_and_a_note(web, people, person):
    web.as_(people.worker_a).post(
        url("person_check", person),
        {"kind": "quarterly", "date": today(), "result": "absent", "note": "两次上门未见"},
    )
    check = Check.objects.get()
    assert check.result == "absent"
    assert check.note == "两次上门未见"
    person.refresh_from_db()
    assert person.last_quarterly_verification == timezone.localdate()


def test_grid_worker_of_the_grid_may_record_a_departure(web, people, person):
    response = web.as_(people.grid_a1).post(
        url("person_depart", person),
        {"date": today(), "division": SUIXIAN_HENAN, "reason": "离开", "confirmed": "1"},
    )
    assert response.status_code == 302


# --- Small defects ---------------------------------------------------------------------------


def test_detail_of_a_deceased_person_says_so_once(web, people, person):
    services.person_record_death(
        actor=None, person=person, date=timezone.localdate(), reason="病故"
    )
    page = web.as_(people.worker_a).get(url("person_detail", person)).content.decode()
    assert f"此记录已死亡（{today()}）" in page
    assert "已已" not in page


def test_flow_list_filters_are_labelled_in_chinese(web, people, person):
    page = web.as_(people.worker_a).get(reverse("registry:flow_list")).content.decode()
    start = page.index('data-testid="filters"')
    filters = page[start : page.index("</form>", start)]
    assert '<label class="form-label small mb-0" for="id_kind">类型</label>' in filters
    assert "Kind" not in filters


def test_filter_labels_stay_chinese_after_the_api_schema_was_built(web, people, person):
    # The schema builds the filters' form fields first; labels must not fall back to names.
    assert web.as_(people.worker_a).get("/api/schema/").status_code == 200
    flows = web.as_(people.worker_a).get(reverse("registry:flow_list")).content.decode()
    assert 'for="id_kind">类型</label>' in flows


def outflow(person: Person) -> None:
    services.person_register_outflow(
        actor=None,
        person=person,
        date=timezone.localdate(),
        reason="外出务工",
        division=HEFEI_YAOHAI,
    )


def test_outflow_person_whose_hukou_is_corrected_to_outside_the_city_is_no_longer_outflow(
    web, people, person
):
    outflow(person)
    person.refresh_from_db()
    response = web.as_(people.worker_a).post(
        url("person_edit", person),
        edit_data(person, hukou_division=SUIXIAN_HENAN, reason="户籍地登记有误"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.population_type == "inflow"
    assert (person.flow_out_division_id, person.flow_out_date) == (None, None)
    assert person.history.filter(flow_out_division=HEFEI_YAOHAI).exists()


def test_outflow_person_whose_hukou_moves_within_the_city_stays_outflow(web, people, person):
    outflow(person)
    person.refresh_from_db()
    response = web.as_(people.worker_a).post(
        url("person_edit", person),
        edit_data(person, hukou_division=factories.DUJI, reason="户籍地登记有误"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.population_type == "outflow"
    assert person.flow_out_division_id == HEFEI_YAOHAI
