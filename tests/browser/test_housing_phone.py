"""The rented-home register and the building search on a phone-sized screen."""

import pytest

from shequ.registry.forms.housing import BUILDING_SELECT_MAX
from shequ.registry.models import Building
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def housing(tree):
    """丽景 has more buildings than one list holds; 3号楼 201 is let to a migrant."""
    Building.objects.bulk_create(
        Building(unit=tree.grid_a2, name=f"{i}号楼") for i in range(1, BUILDING_SELECT_MAX + 1)
    )
    building = factories.make_building(tree.grid_a1, "3号楼", address="丽景路8号")
    home = factories.make_household(
        building, "201", is_rented=True, landlord_name="钱房东", landlord_phone="13800001111"
    )
    factories.make_person(home, name="王五", relation="tenant")
    return home


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_rented_register_fits_a_phone_and_leads_to_the_building(
    phone_page, login, live_server, people, housing
):
    login(phone_page, "street", PASSWORD)
    phone_page.goto(f"{live_server.url}/")
    with phone_page.expect_navigation():
        phone_page.click("a.stat-card:has-text('出租房屋')")

    assert phone_page.locator("h1").inner_text().startswith("出租房屋登记")
    row = phone_page.locator("[data-testid=rented-home]")
    assert row.count() == 1
    assert "钱房东" in row.inner_text()
    assert fits(phone_page)
    with phone_page.expect_navigation():
        row.locator("a:has-text('3号楼 201')").click()
    assert phone_page.locator("[data-testid=building-name]").inner_text() == "3号楼"
    assert phone_page.console_errors == []


def test_building_search_works_on_a_phone(phone_page, login, live_server, people, housing):
    login(phone_page, "street", PASSWORD)
    phone_page.goto(f"{live_server.url}/registry/persons/new/")

    phone_page.fill("#id_building_search", "丽景路")
    phone_page.locator(f"#id_household option[value='{housing.uid}']").wait_for(state="attached")

    assert phone_page.input_value("#id_building") == str(housing.building.uid)
    assert phone_page.locator("#id_building option").count() == 2
    assert fits(phone_page)
    # Enter searches in place instead of sending the unfinished form.
    phone_page.fill("#id_building_search", "号楼")
    phone_page.press("#id_building_search", "Enter")
    phone_page.locator("#id_building option", has_text="前 20 栋").wait_for(state="attached")
    assert "/registry/persons/new/" in phone_page.url
    assert phone_page.console_errors == []


def test_a_phones_list_cards_name_each_cell_by_its_column(
    phone_page, login, live_server, people, housing
):
    # The rows are sent without per-cell labels; app.js copies the column headers onto them.
    login(phone_page, "worker_a", PASSWORD)
    for path, table in (("/registry/persons/", "persons"), ("/housing/", "buildings")):
        phone_page.goto(f"{live_server.url}{path}")
        labels = phone_page.eval_on_selector_all(
            f"[data-testid={table}] tbody tr:first-child td",
            "cells => cells.map(c => c.getAttribute('data-label'))",
        )
        headers = phone_page.eval_on_selector_all(
            f"[data-testid={table}] thead th", "cells => cells.map(c => c.textContent.trim())"
        )
        filled = [label for label in labels if label]
        assert filled and set(filled) <= set(headers), (path, labels, headers)
        assert labels[headers.index("网格/社区")] == "网格/社区"
    assert fits(phone_page)
    assert phone_page.console_errors == []
