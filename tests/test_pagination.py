"""A page number past every row answers like any page past the end, never a server error."""

import pytest
from django.urls import reverse

from tests.factories import make_building, make_household, make_person

HUGE = "99999999999999999999"


@pytest.fixture
def persons(tree):
    home = make_household(make_building(tree.grid_a1), "101")
    return [make_person(home, name=name) for name in ("张三", "李四")]


# The last page whose offset a 64-bit integer still holds, and the first whose offset it does not.
EDGE = [str((2**63 - 1) // 50 + 1), str((2**63 - 1) // 50 + 2)]


@pytest.mark.parametrize("route", ["persons", "buildings", "org-units", "flows"])
@pytest.mark.parametrize("page", [HUGE, "9" * 40, "999", *EDGE])
def test_api_page_past_the_end_is_404(api, people, persons, route, page):
    response = api.as_(people.worker_a).get(f"/api/v1/{route}/", {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "无效页面。"}


def test_api_last_page_still_answers(api, people, persons):
    response = api.as_(people.worker_a).get("/api/v1/persons/", {"page": "2", "page_size": "1"})

    assert response.status_code == 200
    assert response.json()["count"] == 2


@pytest.mark.parametrize("page", [HUGE, "9" * 40])
def test_list_page_past_the_end_shows_the_last_page(web, people, persons, page):
    response = web.as_(people.worker_a).get(reverse("registry:person_list"), {"page": page})

    assert response.status_code == 200
    assert "张三" in response.text
