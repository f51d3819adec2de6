"""The year's list through the API and the pages: computed (a job with progress), checked
by the communities, confirmed by the street only, frozen (the registry changes, the list
does not), corrected with reason, paid through the bank's file and its results, published;
scoped to the jurisdiction; constant query counts."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shequ.benefits import services
from shequ.benefits.models import BenefitList, BenefitRow, Payment
from shequ.desk.models import Disclosure
from shequ.org.models import SensitiveAccess
from shequ.org.roles import Role
from shequ.registry import services as registry_services
from tests.benefits.conftest import YEAR, child, cn, couple
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def families(tree):
    """Two rural couples aged 60+ with one child each: one in 丽景社区 (A), one in 文苑社区
    (B); all four declared."""
    made = []
    for unit, names in ((tree.grid_a1, ("王大山", "李秀英")), (tree.grid_b1, ("赵长河", "钱桂兰"))):
        husband, wife = couple(
            unit, husband_born=D(1958, 1, 1), wife_born=D(1960, 1, 1), names=names
        )
        child(wife, born=D(1986, 6, 6))
        for person in (husband, wife):
            services.confirmation_record(
                actor=None, person=person, key="no_violation_1973_2001", value=True
            )
        made += [husband, wife]
    return made


def _compute(api, user, programme="reward_assistance"):
    api.as_(user)
    return api.post("/api/v1/benefits/", {"programme": programme, "year": YEAR}, format="json")


def _rows(api, user, benefit_list):
    api.as_(user)
    answer = api.get("/api/v1/benefit-rows/", {"benefit_list": str(benefit_list)})
    assert answer.status_code == 200, answer.content
    return {row["name"]: row for row in answer.json()["results"]}


def test_the_street_computes_a_list_with_a_reason_for_every_condition(families, people, api):
    answer = _compute(api, people.street)
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["state"] == "computed"  # the job ran (tests: at once)
    assert body["eligible_count"] == 4
    assert body["progress_done"] == body["progress_total"] == 4
    assert Decimal(body["total_amount"]) == Decimal("3840.00")
    rows = _rows(api, people.street, body["id"])
    row = rows["王大山"]
    assert row["outcome"] == "eligible" and row["amount"] == "960.00"
    assert {r["code"] for r in row["reasons"]} >= {"local", "age", "rural", "children"}
    assert row["id_number"].count("*") >= 10  # masked


@pytest.mark.parametrize("who", ["worker_a", "grid_a1", "district", "city", "auditor"])
def test_only_the_street_computes(who, families, people, api):
    assert _compute(api, getattr(people, who)).status_code == 403
    assert not BenefitList.objects.exists()


def _computed(people, api):
    return BenefitList.objects.get(uid=_compute(api, people.street).json()["id"])


def test_communities_check_their_own_rows_then_the_street_confirms(families, people, api):
    benefit_list = _computed(people, api)
    api.as_(people.worker_a)
    assert api.post(f"/api/v1/benefits/{benefit_list.uid}/check/", {}, format="json").json() == {
        "checked": 2
    }
    api.as_(people.street)
    refused = api.post(f"/api/v1/benefits/{benefit_list.uid}/confirm/")
    assert refused.status_code == 400
    assert "还有 2 人未经社区核对" in refused.content.decode()
    api.as_(people.worker_b)
    api.post(f"/api/v1/benefits/{benefit_list.uid}/check/", {"note": "入户核对"}, format="json")
    for who in ("worker_a", "district", "city"):
        api.as_(getattr(people, who))
        assert api.post(f"/api/v1/benefits/{benefit_list.uid}/confirm/").status_code == 403, who
    api.as_(people.street)
    confirmed = api.post(f"/api/v1/benefits/{benefit_list.uid}/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "confirmed"
    assert Payment.objects.filter(benefit_list=benefit_list).count() == 4  # one period a year


def _confirmed(people, api):
    benefit_list = _computed(people, api)
    services.rows_check(actor=None, benefit_list=benefit_list, rows=benefit_list.rows.all())
    benefit_list.refresh_from_db()
    return services.benefit_list_confirm(actor=people.street, benefit_list=benefit_list)


def test_a_confirmed_list_stays_as_it_was_when_the_registry_changes(families, people, api):
    benefit_list = _confirmed(people, api)
    before = _rows(api, people.street, benefit_list.uid)
    husband, wife = families[0], families[1]
    husband.refresh_from_db()
    registry_services.person_set_hukou_nature(
        actor=None, person=husband, nature="non_agri", reason="户口性质更正"
    )
    child(wife, born=D(1990, 1, 1), sex="M")
    # Computed now, the couple no longer qualifies …
    api.as_(people.street)
    live = api.get(
        "/api/v1/benefits/eligibility/",
        {
            "unit": "340603020000",
            "year": YEAR,
            "programme": "reward_assistance",
            "person": str(wife.uid),
        },
    ).json()
    assert live["answers"][0]["outcome"] == "ineligible"
    # … but the confirmed list reads exactly as it did, and cannot be computed again.
    assert _rows(api, people.street, benefit_list.uid) == before
    again = _compute(api, people.street)
    assert again.status_code == 400
    assert "已确认冻结" in again.content.decode()


def test_a_correction_after_confirmation_needs_a_reason_and_cancels_the_payments(
    families, people, api
):
    benefit_list = _confirmed(people, api)
    row = benefit_list.rows.get(name="王大山")
    api.as_(people.street)
    url = f"/api/v1/benefit-rows/{row.uid}/correct/"
    assert api.post(url, {"include": False}, format="json").status_code == 400
    api.as_(people.worker_a)
    assert api.post(url, {"include": False, "reason": "已迁出"}, format="json").status_code == 403
    api.as_(people.street)
    answer = api.post(url, {"include": False, "reason": "本人已于年初死亡"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["included"] is False
    assert answer.json()["correction_reason"] == "本人已于年初死亡"
    assert list(row.payments.values_list("state", flat=True)) == ["cancelled"]
    assert row.history.first().history_change_reason == "本人已于年初死亡"
    benefit_list.refresh_from_db()
    assert benefit_list.total_amount == Decimal("2880.00")


def test_a_person_missing_from_a_confirmed_list_is_added_with_a_reason(families, people, api, tree):
    benefit_list = _confirmed(people, api)
    _husband, wife = couple(
        tree.grid_a2, husband_born=D(1957, 1, 1), wife_born=D(1959, 1, 1), names=("迟来", "补录")
    )
    child(wife, born=D(1985, 1, 1))
    api.as_(people.street)
    answer = api.post(
        f"/api/v1/benefits/{benefit_list.uid}/add-person/",
        {"person": str(wife.uid), "reason": "年中迁入，经核实符合"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    row = answer.json()
    assert row["added_by_correction"] and row["included"]
    assert row["outcome"] == "pending"  # computed like the others: no declaration yet
    assert Payment.objects.filter(row__uid=row["id"]).count() == 1


def test_the_bank_file_needs_the_reveal_right_and_logs_every_number(families, people, api, tree):
    benefit_list = _confirmed(people, api)
    plain = make_user("street_plain", Role.STREET, tree.street, rights=[])
    api.as_(plain)
    assert api.post(f"/api/v1/benefits/{benefit_list.uid}/bank-export/").status_code == 403
    api.as_(people.street)
    answer = api.post(f"/api/v1/benefits/{benefit_list.uid}/bank-export/")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["付款参考号", "姓名", "公民身份号码"]
    numbers = {row[2] for row in values[1:]}
    assert {p.id_number for p in families} == numbers
    logged = SensitiveAccess.objects.filter(actor=people.street, fields="id_number")
    assert logged.count() == 4
    assert Payment.objects.filter(exported_at__isnull=False).count() == 4


def test_the_bank_result_file_marks_payments_paid_failed_or_returned(families, people, web, api):
    benefit_list = _confirmed(people, api)
    references = list(
        Payment.objects.filter(benefit_list=benefit_list)
        .order_by("id")
        .values_list("reference", flat=True)
    )
    csv = "付款参考号,结果,说明,日期\n" + "\n".join(
        [f"{references[0]},成功,,2026-12-01", f"{references[1]},失败,账户冻结,2026-12-01"]
    )
    upload = io.BytesIO(csv.encode("utf-8-sig"))
    upload.name = "bank.csv"
    response = web.as_(people.street).post(
        f"/benefits/{benefit_list.uid}/bank-result/", {"file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    states = dict(Payment.objects.values_list("reference", "state"))
    assert states[references[0]] == "paid" and states[references[1]] == "failed"
    # A bad line: nothing of the file is applied.
    bad = io.BytesIO(f"付款参考号,结果\n{references[2]},成功\nNOPE,成功\n".encode("utf-8-sig"))
    bad.name = "bank.csv"
    page = web.post(f"/benefits/{benefit_list.uid}/bank-result/", {"file": bad})
    assert page.status_code == 200
    assert "本名单没有付款参考号 NOPE" in page.content.decode()
    assert Payment.objects.get(reference=references[2]).state == "due"


def test_a_failure_needs_its_reason_and_may_be_paid_again(families, people, api):
    benefit_list = _confirmed(people, api)
    payment = Payment.objects.filter(benefit_list=benefit_list).first()
    api.as_(people.street)
    url = f"/api/v1/benefit-payments/{payment.uid}/result/"
    assert api.post(url, {"state": "failed"}, format="json").status_code == 400
    assert (
        api.post(url, {"state": "failed", "note": "账户冻结"}, format="json").json()["state"]
        == "failed"
    )
    assert api.post(url, {"state": "due"}, format="json").json()["state"] == "due"
    assert api.post(url, {"state": "paid"}, format="json").json()["state"] == "paid"
    assert api.post(url, {"state": "paid"}, format="json").status_code == 400


def test_published_results_show_masked_names_on_the_public_page(families, people, api, client):
    benefit_list = _confirmed(people, api)
    api.as_(people.street)
    assert api.post(f"/api/v1/benefits/{benefit_list.uid}/publish/").status_code == 200
    page = client.get("/public/").content.decode()
    assert "奖励扶助对象公示" in page
    item = client.get(f"/public/{Disclosure.objects.get().uid}/").content.decode()
    assert "王**" in item and "王大山" not in item


# --- Scoping ----------------------------------------------------------------------------------


def test_workers_see_their_own_people_only(families, people, api, web):
    benefit_list = _computed(people, api)
    assert set(_rows(api, people.worker_a, benefit_list.uid)) == {"王大山", "李秀英"}
    assert set(_rows(api, people.worker_b, benefit_list.uid)) == {"赵长河", "钱桂兰"}
    row_a = BenefitRow.objects.get(name="王大山")
    api.as_(people.worker_b)
    assert api.get(f"/api/v1/benefit-rows/{row_a.uid}/").status_code == 404
    assert web.as_(people.worker_b).get(f"/benefits/rows/{row_a.uid}/").status_code == 404
    api.as_(people.worker_c)
    assert api.get(f"/api/v1/benefits/{benefit_list.uid}/").status_code == 404
    assert web.as_(people.worker_c).get(f"/benefits/{benefit_list.uid}/").status_code == 404
    page = web.as_(people.worker_a).get(f"/benefits/{benefit_list.uid}/").content.decode()
    assert "王大山" in page and "赵长河" not in page


def test_a_declaration_outside_the_jurisdiction_is_not_found(families, people, api):
    api.as_(people.worker_c)
    answer = api.post(
        "/api/v1/benefit-confirmations/",
        {"person": str(families[0].uid), "key": "spouse_rural", "value": True},
        format="json",
    )
    assert answer.status_code == 404


# --- Pages and query counts ----------------------------------------------------------------


def test_the_pages_walk_compute_check_confirm_and_pay(families, people, web):
    street = web.as_(people.street)
    assert street.get("/benefits/").status_code == 200
    answer = street.post("/benefits/new/", {"programme": "reward_assistance", "year": YEAR})
    assert answer.status_code == 302
    benefit_list = BenefitList.objects.get()
    detail = street.get(f"/benefits/{benefit_list.uid}/").content.decode()
    assert "王大山" in detail and 'data-testid="confirm"' in detail
    assert street.get(f"/benefits/{benefit_list.uid}/confirm/").status_code == 200  # asks first
    assert (
        street.post(f"/benefits/{benefit_list.uid}/check/", {"note": "已核对"}).status_code == 302
    )
    assert street.post(f"/benefits/{benefit_list.uid}/confirm/").status_code == 302
    benefit_list.refresh_from_db()
    assert benefit_list.state == "confirmed"
    payments = street.get(f"/benefits/{benefit_list.uid}/payments/").content.decode()
    assert payments.count('data-testid="payment"') == 4
    export = street.get(f"/benefits/{benefit_list.uid}/?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    for path in ("/benefits/programmes/", "/benefits/confirmations/"):
        assert street.get(path).status_code == 200
    assert "960" in street.get("/benefits/programmes/").content.decode()


def test_an_empty_index_says_so(people, web):
    page = web.as_(people.worker_a).get("/benefits/").content.decode()
    assert 'data-testid="empty"' in page


def _more(tree, count, start):
    for index in range(count):
        _husband, wife = couple(
            tree.grid_a2,
            husband_born=D(1950, 1, 1 + index),
            wife_born=D(1952, 1, 1 + index),
            names=(f"多甲{cn(start + index)}", f"多乙{cn(start + index)}"),
        )
        child(wife, born=D(1980, 1, 1))


def test_list_pages_and_api_run_a_constant_number_of_queries(
    families, people, api, web, tree, django_assert_max_num_queries
):
    _more(tree, 2, 0)
    benefit_list = _computed(people, api)
    api.as_(people.street)
    client = web.as_(people.street)
    with django_assert_max_num_queries(20) as small_api:
        api.get("/api/v1/benefit-rows/", {"benefit_list": str(benefit_list.uid)})
    with django_assert_max_num_queries(25) as small_page:
        client.get(f"/benefits/{benefit_list.uid}/")
    _more(tree, 8, 10)
    services.benefit_list_start(
        actor=people.street, unit=tree.street, programme="reward_assistance", year=YEAR
    )
    benefit_list.refresh_from_db()
    services.benefit_list_compute(benefit_list)
    assert benefit_list.rows.count() == 24
    with django_assert_max_num_queries(len(small_api.captured_queries)):
        api.get("/api/v1/benefit-rows/", {"benefit_list": str(benefit_list.uid)})
    with django_assert_max_num_queries(len(small_page.captured_queries)):
        client.get(f"/benefits/{benefit_list.uid}/")


def test_the_programmes_show_the_rules_in_force_at_a_place_and_day(people, api):
    api.as_(people.worker_a)
    answer = api.get("/api/v1/benefit-programmes/")
    assert answer.status_code == 200
    programmes = {p["id"]: {r["key"]: r["value"] for r in p["rules"]} for p in answer.json()}
    assert programmes["reward_assistance"]["annual_amount"] == 960
    assert programmes["special_assistance"]["monthly_rural_death"] == 170
    before = api.get(
        "/api/v1/benefit-programmes/special_assistance/",
        {"division_code": "340603020001", "on": "2013-06-01"},
    ).json()
    rules = {r["key"]: r["value"] for r in before["rules"]}
    assert rules["monthly_urban_death"] is None  # the national minimums start in 2014
    assert rules["min_woman_age"] == 49
    assert api.get("/api/v1/benefit-programmes/nothing/").status_code == 404


def test_eligibility_counts_a_unit_without_a_list(families, people, api):
    api.as_(people.district)
    answer = api.get(
        "/api/v1/benefits/eligibility/",
        {"unit": "340603000000", "year": YEAR, "programme": "reward_assistance"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["counts"] == {"eligible": 4}
    assert answer.json()["answers"] == []
    api.as_(people.worker_c)
    assert (
        api.get(
            "/api/v1/benefits/eligibility/",
            {"unit": "340603000000", "year": YEAR, "programme": "reward_assistance"},
        ).status_code
        == 404
    )


def test_the_street_pages_are_refused_to_other_roles(families, people, web, api):
    benefit_list = _computed(people, api)
    client = web.as_(people.worker_a)
    for step in ("confirm", "publish", "add", "bank"):
        assert client.get(f"/benefits/{benefit_list.uid}/{step}/").status_code == 403, step
    progress = client.get(f"/benefits/{benefit_list.uid}/", {"part": "progress"})
    assert 'data-state="computed"' in progress.content.decode()


def test_one_persons_eligibility_page_gives_every_reason(rural_couple, people, web):
    husband, _wife = rural_couple
    page = web.as_(people.worker_a).get(
        "/benefits/eligibility/",
        {"id_number": husband.id_number, "programme": "reward_assistance", "year": YEAR},
    )
    text = page.content.decode()
    assert 'data-testid="answer"' in text and "待核实" in text
    assert "待登记承诺/核实" in text and "现存一个子女" in text
    other = web.as_(people.worker_c).get(
        "/benefits/eligibility/",
        {"id_number": husband.id_number, "programme": "reward_assistance", "year": YEAR},
    )
    assert "您的辖区内没有登记这个身份证号码" in other.content.decode()


def test_the_pages_are_in_english_at_en(families, people, web, api):
    benefit_list = _computed(people, api)
    client = web.as_(people.street)
    assert "Family benefit lists" in client.get("/en/benefits/").content.decode()
    page = client.get(f"/en/benefits/{benefit_list.uid}/").content.decode()
    assert "Confirm the list" in page and "every condition met" in page
