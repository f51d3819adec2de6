"""Trying to break out of one's jurisdiction: other units' records are 404 or absent."""

import io
import re
import uuid

import pytest
from openpyxl import load_workbook

from shequ.org import services
from shequ.org.roles import Duty, Role
from tests.conftest import make_user

REASON = "测试"


@pytest.fixture
def street_x(tree):
    """An administrator of 高岳街道, the street in the other district."""
    return make_user("street_x", Role.STREET, tree.other_street, Duty.ADMIN)


def without_csrf(html: str) -> str:
    """The page minus its per-response CSRF tokens."""
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def codes(response) -> set[str]:
    return {row["code"] for row in response.json()["results"]}


def usernames(response) -> set[str]:
    return {row["username"] for row in response.json()["results"]}


# --- Organisation units: a community worker ---------------------------------------------


def test_worker_opens_own_community(web, people, tree):
    response = web.as_(people.worker_a).get(f"/org/{tree.community_a.code}/")
    assert response.status_code == 200
    assert "丽景社区" in response.text


def test_worker_org_tree_starts_at_own_community(web, people, tree):
    response = web.as_(people.worker_a).get("/org/")
    assert response.status_code == 302
    assert response.url == f"/org/{tree.community_a.code}/"


@pytest.mark.parametrize(
    "attr", ["community_b", "grid_b1", "community_c", "street", "city", "zone", "zone_grid"]
)
def test_worker_cannot_open_unit_outside_own_community(web, people, tree, attr):
    response = web.as_(people.worker_a).get(f"/org/{getattr(tree, attr).code}/")
    assert response.status_code == 404


def test_unit_outside_jurisdiction_looks_exactly_like_a_missing_one(web, people, tree):
    client = web.as_(people.worker_a)
    outside = client.get(f"/org/{tree.community_b.code}/")
    missing = client.get("/org/340603020999/")
    assert outside.status_code == missing.status_code == 404
    # The pages differ only in the address asked for (the language switch returns to it).
    outside_page = without_csrf(outside.text).replace(tree.community_b.code, "CODE")
    assert outside_page == without_csrf(missing.text).replace("340603020999", "CODE")


def test_worker_sees_only_own_grids_in_own_community(web, people, tree):
    page = web.as_(people.worker_a).get(f"/org/{tree.community_a.code}/").text
    assert tree.grid_a1.code in page
    assert tree.grid_b1.code not in page
    assert "文苑社区" not in page


def test_worker_searching_children_finds_nothing_of_other_community(web, people, tree):
    page = (
        web.as_(people.worker_a)
        .get(f"/org/{tree.community_a.code}/", {"q": tree.grid_b1.code})
        .text
    )
    assert f"/org/{tree.grid_b1.code}/" not in page
    assert "没有符合条件的下级单位。" in page


def test_worker_api_lists_only_own_subtree(api, people, tree):
    response = api.as_(people.worker_a).get("/api/v1/org-units/")
    assert codes(response) == {tree.community_a.code, tree.grid_a1.code, tree.grid_a2.code}


@pytest.mark.parametrize("attr", ["community_b", "grid_b1", "community_c", "street", "city"])
def test_worker_api_cannot_open_unit_outside(api, people, tree, attr):
    response = api.as_(people.worker_a).get(f"/api/v1/org-units/{getattr(tree, attr).code}/")
    assert response.status_code == 404


def test_worker_api_unit_filter_on_other_community_is_empty(api, people, tree):
    response = api.as_(people.worker_a).get("/api/v1/org-units/", {"unit": tree.community_b.code})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_worker_api_search_finds_nothing_of_other_community(api, people, tree):
    client = api.as_(people.worker_a)
    assert client.get("/api/v1/org-units/", {"search": "文苑"}).json()["count"] == 0
    assert client.get("/api/v1/org-units/", {"search": "3406030200020"}).json()["count"] == 0


def test_worker_api_parent_filter_shows_only_own_unit(api, people, tree):
    response = api.as_(people.worker_a).get("/api/v1/org-units/", {"parent": tree.street.code})
    assert codes(response) == {tree.community_a.code}


def test_worker_cannot_change_units(web, api, people, tree):
    client = web.as_(people.worker_a)
    assert (
        client.post(
            f"/org/{tree.grid_a1.code}/rename/", {"name": "x", "reason": REASON}
        ).status_code
        == 403
    )
    assert client.get(f"/org/{tree.community_a.code}/new/").status_code == 403
    response = api.as_(people.worker_a).patch(
        f"/api/v1/org-units/{tree.grid_a1.code}/", {"name": "x", "reason": REASON}, format="json"
    )
    assert response.status_code == 403


# --- Organisation units: an administrator of another street ------------------------------


@pytest.mark.parametrize("action", ["rename", "close", "new", "reopen"])
def test_other_street_admin_cannot_reach_unit_pages(web, street_x, tree, action):
    client = web.as_(street_x)
    assert client.get(f"/org/{tree.community_a.code}/{action}/").status_code == 404
    response = client.post(
        f"/org/{tree.community_a.code}/{action}/",
        {"name": "被改", "reason": REASON, "kind": "grid", "code": "34060302000109"},
    )
    assert response.status_code == 404
    tree.community_a.refresh_from_db()
    assert tree.community_a.name == "丽景社区"
    assert tree.community_a.is_active


def test_other_street_admin_cannot_delegate_foreign_zone(web, api, street_x, tree):
    client = web.as_(street_x)
    response = client.post(
        f"/org/{tree.zone.code}/delegate/", {"delegate": tree.community_c.code, "reason": REASON}
    )
    assert response.status_code == 404
    response = api.as_(street_x).post(
        f"/api/v1/org-units/{tree.zone.code}/delegate/",
        {"delegate": tree.community_c.code, "reason": REASON},
        format="json",
    )
    assert response.status_code == 404
    tree.zone.refresh_from_db()
    assert tree.zone.delegate is None


def test_other_street_admin_api_cannot_create_under_foreign_parent(api, street_x, tree):
    response = api.as_(street_x).post(
        "/api/v1/org-units/",
        {
            "parent": tree.community_a.code,
            "code": "34060302000109",
            "name": "第9网格",
            "kind": "grid",
        },
        format="json",
    )
    assert response.status_code == 404


def test_other_street_admin_api_cannot_rename_or_close_foreign_unit(api, street_x, tree):
    client = api.as_(street_x)
    url = f"/api/v1/org-units/{tree.grid_a1.code}/"
    assert client.patch(url, {"name": "x", "reason": REASON}, format="json").status_code == 404
    assert client.post(url + "close/", {"reason": REASON}, format="json").status_code == 404
    tree.grid_a1.refresh_from_db()
    assert tree.grid_a1.is_active


def test_admin_cannot_delegate_own_zone_to_unit_outside(api, people, tree):
    response = api.as_(people.street_admin).post(
        f"/api/v1/org-units/{tree.zone.code}/delegate/",
        {"delegate": tree.community_c.code, "reason": REASON},
        format="json",
    )
    assert response.status_code == 404


# --- Users --------------------------------------------------------------------------------


def test_other_street_admin_user_list_hides_foreign_users(web, street_x, people):
    page = web.as_(street_x).get("/users/", {"status": "all"}).text
    assert f"/users/{street_x.uid}/" in page
    assert f"/users/{people.worker_a.uid}/" not in page
    assert f"/users/{people.street_admin.uid}/" not in page


def test_other_street_admin_user_search_finds_no_foreign_user(web, street_x, people):
    page = web.as_(street_x).get("/users/", {"q": "worker_a"}).text
    assert f"/users/{people.worker_a.uid}/" not in page
    assert "没有符合条件的用户。" in page


def test_other_street_admin_user_filter_by_foreign_unit_is_empty(web, street_x, people, tree):
    page = web.as_(street_x).get("/users/", {"unit": tree.community_a.code}).text
    assert "没有符合条件的用户。" in page


def test_other_street_admin_export_has_no_foreign_users(web, street_x, people):
    response = web.as_(street_x).get("/users/", {"export": "xlsx", "status": "all"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(exported) == ["street_x", "worker_c"]


@pytest.mark.parametrize("suffix", ["", "deactivate/", "activate/", "password/"])
def test_other_street_admin_cannot_open_foreign_user_pages(web, street_x, people, suffix):
    client = web.as_(street_x)
    url = f"/users/{people.worker_a.uid}/{suffix}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": REASON, "password": "Another-pass-2026"}).status_code == 404
    people.worker_a.refresh_from_db()
    assert people.worker_a.is_active
    assert people.worker_a.check_password("Test-pass-2026")


def test_guessed_user_uid_is_404(web, api, people):
    assert web.as_(people.street_admin).get(f"/users/{uuid.uuid4()}/").status_code == 404
    assert api.as_(people.street_admin).get(f"/api/v1/users/{uuid.uuid4()}/").status_code == 404
    assert api.as_(people.street_admin).get("/api/v1/users/not-a-uuid/").status_code == 404


def test_other_street_admin_cannot_create_user_in_foreign_unit(web, street_x, tree):
    response = web.as_(street_x).post(
        "/users/new/",
        {
            "username": "intruder",
            "full_name": "入侵者",
            "role": Role.COMMUNITY,
            "unit": tree.community_a.code,
            "password": "Intruder-pass-2026",
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.text
    assert not services.User.objects.filter(username="intruder").exists()


def test_other_street_admin_api_hides_foreign_users(api, street_x, people):
    client = api.as_(street_x)
    assert usernames(client.get("/api/v1/users/")) == {"street_x", "worker_c"}
    assert client.get(f"/api/v1/users/{people.worker_a.uid}/").status_code == 404
    response = client.patch(
        f"/api/v1/users/{people.worker_a.uid}/", {"full_name": "x", "reason": REASON}, format="json"
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/users/{people.worker_a.uid}/deactivate/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 404
    people.worker_a.refresh_from_db()
    assert people.worker_a.is_active and people.worker_a.full_name == "worker_a"


def test_other_street_admin_api_cannot_create_user_in_foreign_unit(api, street_x, tree):
    response = api.as_(street_x).post(
        "/api/v1/users/",
        {
            "username": "intruder",
            "full_name": "入侵者",
            "role": Role.COMMUNITY,
            "unit": tree.community_a.code,
            "password": "Intruder-pass-2026",
        },
        format="json",
    )
    assert response.status_code == 404


def test_other_street_admin_api_cannot_move_own_user_into_foreign_unit(api, street_x, tree):
    helper = make_user("helper_x", Role.COMMUNITY, tree.community_c)
    response = api.as_(street_x).patch(
        f"/api/v1/users/{helper.uid}/",
        {"unit": tree.community_a.code, "reason": REASON, "version": 1},
        format="json",
    )
    assert response.status_code == 404
    helper.refresh_from_db()
    assert helper.unit_id == tree.community_c.code


def test_worker_refused_user_pages_alike_for_real_and_guessed_uids(web, people):
    client = web.as_(people.worker_a)
    real = client.get(f"/users/{people.worker_b.uid}/")
    guessed = client.get(f"/users/{uuid.uuid4()}/")
    assert real.status_code == guessed.status_code == 403


def test_worker_may_not_list_users(web, api, people):
    assert web.as_(people.worker_a).get("/users/").status_code == 403
    assert api.as_(people.worker_a).get("/api/v1/users/").status_code == 403


def test_street_admin_sees_users_of_own_street_only(api, people):
    found = usernames(api.as_(people.street_admin).get("/api/v1/users/"))
    assert found == {"street", "street_admin", "worker_a", "worker_b", "grid_a1", "provider"}


def test_district_admin_cannot_see_users_above(api, people):
    found = usernames(api.as_(people.district_admin).get("/api/v1/users/"))
    assert "city" not in found and "auditor" not in found and "worker_c" not in found
    assert "district" in found and "worker_a" in found


# --- Blind zone ----------------------------------------------------------------------------


def test_undelegated_zone_belongs_to_its_street(web, people, tree):
    assert web.as_(people.street_admin).get(f"/org/{tree.zone.code}/").status_code == 200
    assert web.as_(people.worker_a).get(f"/org/{tree.zone.code}/").status_code == 404


def test_zone_delegated_to_community_a_is_visible_to_a_not_b(web, api, people, tree):
    services.blind_zone_delegate(
        actor=people.street_admin, zone=tree.zone, delegate=tree.community_a, reason=REASON
    )
    assert web.as_(people.worker_a).get(f"/org/{tree.zone.code}/").status_code == 200
    assert web.as_(people.worker_a).get(f"/org/{tree.zone_grid.code}/").status_code == 200
    assert web.as_(people.worker_b).get(f"/org/{tree.zone.code}/").status_code == 404
    assert tree.zone.code in codes(api.as_(people.worker_a).get("/api/v1/org-units/"))
    assert tree.zone_grid.code in codes(api.as_(people.worker_a).get("/api/v1/org-units/"))
    assert tree.zone.code not in codes(api.as_(people.worker_b).get("/api/v1/org-units/"))


def test_zone_delegated_to_a_is_named_on_a_home_page(web, people, tree):
    services.blind_zone_delegate(
        actor=people.street_admin, zone=tree.zone, delegate=tree.community_a, reason=REASON
    )
    page = web.as_(people.worker_a).get("/").text
    assert "本单位代管的盲区：" in page
    assert "翡翠湾小区" in page


def test_redelegating_zone_to_b_moves_it_from_a_to_b(web, api, people, tree):
    services.blind_zone_delegate(
        actor=people.street_admin, zone=tree.zone, delegate=tree.community_a, reason=REASON
    )
    services.blind_zone_delegate(
        actor=people.street_admin, zone=tree.zone, delegate=tree.community_b, reason=REASON
    )
    assert web.as_(people.worker_a).get(f"/org/{tree.zone.code}/").status_code == 404
    assert web.as_(people.worker_b).get(f"/org/{tree.zone.code}/").status_code == 200
    assert tree.zone_grid.code in codes(api.as_(people.worker_b).get("/api/v1/org-units/"))
    assert tree.zone_grid.code not in codes(api.as_(people.worker_a).get("/api/v1/org-units/"))


def test_zone_given_back_to_street_leaves_communities(web, people, tree):
    services.blind_zone_delegate(
        actor=people.street_admin, zone=tree.zone, delegate=tree.community_a, reason=REASON
    )
    services.blind_zone_delegate(
        actor=people.street_admin, zone=tree.zone, delegate=None, reason=REASON
    )
    assert web.as_(people.worker_a).get(f"/org/{tree.zone.code}/").status_code == 404
    assert web.as_(people.street_admin).get(f"/org/{tree.zone.code}/").status_code == 200


def test_closed_zone_is_no_longer_delegated(web, people, tree):
    services.blind_zone_delegate(
        actor=people.street_admin, zone=tree.zone, delegate=tree.community_a, reason=REASON
    )
    services.org_unit_close(actor=people.street_admin, unit=tree.zone_grid, reason=REASON)
    services.org_unit_close(actor=people.street_admin, unit=tree.zone, reason=REASON)
    assert web.as_(people.worker_a).get(f"/org/{tree.zone.code}/").status_code == 404


# --- Auditor: reads, never changes ---------------------------------------------------------


@pytest.mark.parametrize("action", ["rename", "close", "new", "reopen", "delegate"])
def test_auditor_cannot_post_to_unit_pages(web, people, tree, action):
    response = web.as_(people.auditor).post(
        f"/org/{tree.zone.code}/{action}/",
        {"name": "x", "reason": REASON, "kind": "grid", "code": "34060302030102"},
    )
    assert response.status_code == 403
    tree.zone.refresh_from_db()
    assert tree.zone.name == "翡翠湾小区" and tree.zone.is_active


def test_auditor_cannot_create_or_change_users_on_pages(web, people):
    client = web.as_(people.auditor)
    assert client.post("/users/new/", {"username": "x"}).status_code == 403
    url = f"/users/{people.worker_a.uid}/"
    assert client.post(url, {"full_name": "x", "reason": REASON}).status_code == 403
    assert client.post(url + "deactivate/", {"reason": REASON}).status_code == 403
    assert client.post(url + "password/", {"password": "x", "reason": REASON}).status_code == 403


def test_auditor_api_cannot_change_units(api, people, tree):
    client = api.as_(people.auditor)
    response = client.post(
        "/api/v1/org-units/",
        {"parent": tree.community_a.code, "code": "34060302000109", "name": "x", "kind": "grid"},
        format="json",
    )
    assert response.status_code == 403
    url = f"/api/v1/org-units/{tree.grid_a1.code}/"
    assert client.patch(url, {"name": "x", "reason": REASON}, format="json").status_code == 403
    assert client.post(url + "close/", {"reason": REASON}, format="json").status_code == 403
    response = client.post(
        f"/api/v1/org-units/{tree.zone.code}/delegate/",
        {"delegate": tree.community_a.code, "reason": REASON},
        format="json",
    )
    assert response.status_code == 403


def test_auditor_api_cannot_change_users(api, people, tree):
    client = api.as_(people.auditor)
    response = client.post(
        "/api/v1/users/",
        {
            "username": "x1",
            "full_name": "x",
            "role": "grid",
            "unit": tree.grid_a1.code,
            "password": "Whatever-pass-2026",
        },
        format="json",
    )
    assert response.status_code == 403
    url = f"/api/v1/users/{people.worker_a.uid}/"
    assert client.patch(url, {"full_name": "x", "reason": REASON}, format="json").status_code == 403
    assert client.post(url + "deactivate/", {"reason": REASON}, format="json").status_code == 403


def test_auditor_reads_the_tree(api, people, tree):
    response = api.as_(people.auditor).get("/api/v1/org-units/")
    assert response.status_code == 200
    assert tree.community_c.code in codes(response)


# --- Higher levels see their subtrees -------------------------------------------------------


def _all_codes(api, user) -> set[str]:
    return codes(api.as_(user).get("/api/v1/org-units/", {"page_size": 200}))


def test_street_sees_its_street_subtree(api, people, tree):
    found = _all_codes(api, people.street_admin)
    assert found == {
        tree.street.code,
        tree.community_a.code,
        tree.grid_a1.code,
        tree.grid_a2.code,
        tree.community_b.code,
        tree.grid_b1.code,
        tree.zone.code,
        tree.zone_grid.code,
    }


def test_district_sees_its_district_not_the_other(api, people, tree):
    found = _all_codes(api, people.district_admin)
    assert tree.district.code in found and tree.grid_b1.code in found
    assert tree.other_district.code not in found and tree.community_c.code not in found
    assert tree.city.code not in found


def test_city_sees_everything(api, people, tree):
    assert len(_all_codes(api, people.city_admin)) == 13


def test_grid_worker_sees_only_own_grid(api, people, tree):
    assert _all_codes(api, people.grid_a1) == {tree.grid_a1.code}


def test_unit_filter_gives_the_subtree(api, people, tree):
    response = api.as_(people.city_admin).get("/api/v1/org-units/", {"unit": tree.community_a.code})
    assert codes(response) == {tree.community_a.code, tree.grid_a1.code, tree.grid_a2.code}


def test_unit_filter_on_a_district_gives_its_whole_subtree(api, people, tree):
    response = api.as_(people.city_admin).get(
        "/api/v1/org-units/", {"unit": tree.other_district.code}
    )
    assert codes(response) == {
        tree.other_district.code,
        tree.other_street.code,
        tree.community_c.code,
    }


def test_deactivated_unit_user_sees_nothing(api, web, people, tree):
    services.user_set_active(
        actor=people.street_admin, user=people.worker_a, active=False, reason=REASON
    )
    response = web.as_(people.worker_a).get(f"/org/{tree.community_a.code}/")
    assert response.status_code in (302, 403)
