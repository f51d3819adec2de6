"""A migrant's arrival, search and departure, as a community worker does it in the browser.

人来登记 from the identity number (the form fills birth date and sex by itself), finding the
person by pinyin initials, and 人走注销 with its confirmation step.
"""

import datetime

import pytest
from django.utils import timezone

from shequ.core.identifiers import id_number_for_test
from shequ.registry.forms.housing import BUILDING_SELECT_MAX
from shequ.registry.models import Building
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Born 1990-05-17 in 郑州市中原区 (a code valid in 1990), male: a migrant from Henan.
ZHONGYUAN = ("410000000000", "410100000000", "410102000000")
ID_NUMBER = id_number_for_test("410102", datetime.date(1990, 5, 17), 7, "M")
WRONG_CHECK_DIGIT = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")


@pytest.fixture
def home(tree):
    """A household of 丽景社区 where two people already live: 张三 (zs) and 李四 (ls); the
    community has more buildings than one list holds, so the forms search for them."""
    Building.objects.bulk_create(
        Building(unit=tree.grid_a2, name=f"{i}号楼") for i in range(1, BUILDING_SELECT_MAX + 1)
    )
    household = factories.make_household(factories.make_building(tree.grid_a1, "3号楼"), "201")
    factories.make_person(household, name="张三")
    factories.make_person(household, name="李四", sex="M")
    return household


def pick_division(page, picker: str, codes: tuple[str, str, str]) -> None:
    """Province → city → county; each lower list is loaded by HTMX after the choice above."""
    for level, code in zip(("province", "city", "county"), codes, strict=True):
        page.select_option(f"#{picker}-{level}", code)


def search(page, live_server, term: str, **filters: str) -> list[str]:
    """Type into the list's search box, press Enter; the names in the rows found."""
    page.goto(f"{live_server.url}/registry/persons/")
    for name, value in filters.items():
        with page.expect_navigation():  # a filter select submits the form on change
            page.select_option(f"#id_{name}", value)
    page.fill("#id_search", term)
    with page.expect_navigation():
        page.press("#id_search", "Enter")
    return page.locator("[data-testid=person-row] td:nth-child(2)").all_inner_texts()


def register_arrival(page, live_server, home) -> None:
    page.goto(f"{live_server.url}/registry/persons/new/")
    assert page.locator("h1").inner_text() == "人来登记"

    # A wrong check digit is refused as soon as it is typed, before the form is sent.
    page.fill("#id_id_number", WRONG_CHECK_DIGIT)
    check = page.locator("#id-check [data-testid=id-check]")
    check.wait_for()
    assert check.get_attribute("data-id-valid") == "0"
    assert f"最后一位应为 {ID_NUMBER[-1]}" in check.inner_text()
    assert page.input_value("#id_birth_date") == ""

    # The right number: birth date and sex are filled from it.
    page.fill("#id_id_number", ID_NUMBER)
    page.locator("#id-check [data-id-valid='1']").wait_for()
    assert "号码有效" in check.inner_text()
    assert "尚未登记" in check.inner_text()
    page.wait_for_function("document.getElementById('id_birth_date').value === '1990-05-17'")
    assert page.input_value("#id_sex") == "M"

    page.fill("#id_name", "张三丰")
    # The building is searched as one types; the list then holds the matches, best first.
    page.fill("#id_building_search", "第1网格 3号")
    page.locator("#id_building option", has_text="丽景社区 第1网格 · 3号楼").wait_for(
        state="attached"
    )
    # The only match comes chosen and its households are loaded at once.
    assert page.input_value("#id_building") == str(home.building.uid)
    page.locator(f"#id_household option[value='{home.uid}']").wait_for(state="attached")
    page.fill("#id_building_search", "3号楼")  # several matches: choose one
    page.locator("#id_building option", has_text="第2网格 · 13号楼").wait_for(state="attached")
    with page.expect_response(lambda r: "part=households" in r.url):
        page.select_option("#id_building", label="丽景社区 第1网格 · 3号楼")
    pick_division(page, "hukou", ZHONGYUAN)
    assert page.input_value("#id_hukou_division") == "410102000000"
    page.fill("#id_hukou_address", "郑州市中原区建设路1号")
    page.select_option("#id_marital_status", "single")
    page.fill("#id_children_count", "0")
    page.select_option("#id_employment", "employed")
    page.fill("#id_employer_name", "淮北矿业")
    page.fill("#id_flow_in_date", "2024-03-01")
    page.select_option("#id_flow_in_reason", "work")
    # The household last: each building choice above reloads its options, and a late answer
    # would empty a choice made earlier.
    page.locator(f"#id_household option[value='{home.uid}']").wait_for(state="attached")
    page.select_option("#id_household", str(home.uid))
    # The side panel judges the population type from 户籍地 and the home.
    preview = page.locator("#person-preview [data-testid=population-type]")
    preview.wait_for()
    page.wait_for_function(
        "document.querySelector('#person-preview [data-testid=population-type]')"
        ".textContent.trim() === '流入'"
    )
    page.wait_for_function(
        "document.querySelector('#person-preview [data-testid=eight-clear]')"
        ".textContent.includes('齐全')"
    )
    assert page.input_value("#id_household") == str(home.uid)
    with page.expect_navigation():
        page.click("#person-form button[type=submit]:has-text('登记')")


def test_worker_registers_finds_and_departs_a_migrant(page, login, live_server, people, home):
    login(page, "worker_a", PASSWORD)

    # 1. 人来登记
    register_arrival(page, live_server, home)
    assert "/registry/persons/" in page.url and "/new/" not in page.url
    assert "已登记 张三丰（流入）。" in page.locator(".alert-success").inner_text()
    assert page.locator("[data-testid=person-name]").inner_text() == "张三丰"
    assert page.locator("[data-testid=population-type]").inner_text() == "流入"
    assert page.locator("[data-testid=status]").inner_text() == "在册"
    assert "河南省郑州市中原区" in page.locator("[data-testid=hukou]").inner_text()
    assert "3号楼 201" in page.locator("[data-testid=housing]").inner_text()
    assert "1990-05-17" in page.locator("#main").inner_text()
    assert "齐全" in page.locator("[data-testid=eight-clear]").inner_text()
    arrival = page.locator("[data-testid=timeline-entry]").filter(has_text="流入登记")
    assert "2024-03-01" in arrival.inner_text()
    assert "来自 河南省郑州市中原区" in arrival.inner_text()
    person_url = page.url

    # 2. Found by pinyin initials (and by their beginning), not by others.
    assert search(page, live_server, "zsf") == ["张三丰"]
    assert sorted(search(page, live_server, "ZS")) == ["张三", "张三丰"]
    assert search(page, live_server, "lsf") == []
    assert "没有符合条件的人员。" in page.locator("[data-testid=empty]").inner_text()
    # By the whole identity number too, which stays out of the address bar.
    assert search(page, live_server, ID_NUMBER) == ["张三丰"]
    assert ID_NUMBER not in page.url and "sid=" in page.url

    # 3. 人走注销, with the confirmation step.
    search(page, live_server, "zsf")
    with page.expect_navigation():
        page.click("[data-testid=person-row] a:has-text('张三丰')")
    assert page.url == person_url
    with page.expect_navigation():
        page.click("[data-testid=actions] a:has-text('迁出注销')")
    assert page.input_value("#id_date") == timezone.localdate().isoformat()
    pick_division(page, "division", ZHONGYUAN)
    page.fill("#id_address", "郑州市中原区建设路1号")
    page.fill("#id_reason", "返回原籍就业")
    with page.expect_navigation():
        page.click("#event-form button[type=submit]")
    summary = page.locator("main dl").inner_text()
    assert "河南省郑州市中原区（410102000000）" in summary
    assert "返回原籍就业" in summary
    assert page.locator("[data-testid=warning]").count() == 0  # leaves the city
    with page.expect_navigation():
        page.click("[data-testid=confirm]")

    assert page.url == person_url
    assert "已为 张三丰 办理迁出注销。" in page.locator(".alert-success").inner_text()
    assert page.locator("[data-testid=status]").inner_text() == "已迁出"
    assert "返回原籍就业" in page.locator("[data-testid=ended]").inner_text()
    assert "迁出注销" not in page.locator("[data-testid=actions]").inner_text()
    latest = page.locator("[data-testid=timeline-entry]").first.inner_text()
    assert "迁出注销" in latest
    assert "去向：河南省郑州市中原区 郑州市中原区建设路1号" in latest
    assert "返回原籍就业" in latest
    assert page.locator("[data-testid=timeline-entry]").filter(has_text="流入登记").count() == 1

    # Off the active list, still found among the departed.
    assert search(page, live_server, "zsf") == []
    assert search(page, live_server, "zsf", status="departed") == ["张三丰"]
    assert "已迁出" in page.locator("[data-testid=person-row]").inner_text()
    assert sorted(search(page, live_server, "zs", status="all")) == ["张三", "张三丰"]
    assert page.console_errors == []


def test_person_list_and_arrival_form_fit_a_phone_screen(
    phone_page, login, live_server, people, home
):
    login(phone_page, "worker_a", PASSWORD)
    for path in ["/registry/persons/", "/registry/persons/new/"]:
        phone_page.goto(f"{live_server.url}{path}")
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, path
    assert phone_page.console_errors == []
