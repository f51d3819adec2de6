"""`shequ demo`: the demo city's tree and users (other apps test their own demo parts)."""

import io
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from shequ.core.demo import DEMO_PASSWORD
from shequ.org import services
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True  # the demo loads only with DEBUG=1, as `make demo` runs it


def demo(*args: str) -> str:
    if "--reset" in args and connection.vendor == "postgresql":
        # The test runs inside a transaction whose foreign-key checks are deferred to its end;
        # PostgreSQL cannot TRUNCATE (as --reset does) while such checks are pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    out = io.StringIO()
    call_command("demo", "--persons", "0", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list, list]:
    units = list(
        OrgUnit.objects.order_by("code").values_list(
            "code", "name", "kind", "level", "parent__code", "delegate__code"
        )
    )
    users = list(
        User.objects.order_by("username").values_list(
            "username", "full_name", "role", "unit_id", "phone", "is_superuser"
        )
    )
    return units, users


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[tuple[str, tuple[list, list]]]:
    """One demo load (seed 1) for the whole module: its output and snapshot. The tests read it
    or change it inside their own savepoint; it is rolled back after the module (the tests
    that need an empty database: test_demo_command_empty.py)."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        output = demo()
        yield output, snapshot()
        transaction.set_rollback(True)


def test_demo_builds_a_city_with_at_least_two_districts(loaded):
    units, _users = loaded[1]
    cities = [u for u in units if u[2] == "city"]
    assert cities == [("340600000000", "淮北市", "city", 1, None, None)]
    districts = [u for u in units if u[3] == 2]
    assert len(districts) >= 2
    assert all(d[4] == "340600000000" for d in districts)


def test_demo_model_street_has_four_villages_and_two_communities(loaded):
    units, _users = loaded[1]
    below = [u for u in units if u[4] == "340603020000"]
    kinds = sorted(u[2] for u in below)
    assert kinds == [
        "community",
        "community",
        "compound",
        "village",
        "village",
        "village",
        "village",
    ]
    assert ("340603020000", "示范街道", "street", 3, "340603000000", None) in units


def test_demo_tree_has_the_real_units_of_the_city_plus_the_model_street(loaded):
    units, _users = loaded[1]
    per_level = {level: sum(1 for u in units if u[3] == level) for level in (1, 2, 3, 4)}
    # 淮北市: 4 districts/counties, 37 streets/towns, 452 communities/villages; plus 示范街道
    # with its 6 units and the blind zone.
    assert per_level == {1: 1, 2: 4, 3: 38, 4: 459}


def test_demo_villages_and_communities_have_their_kind_and_short_name(loaded):
    units, _users = loaded[1]
    by_code = {u[0]: u[1:3] for u in units}
    assert by_code["340603100200"] == ("桥头村", "village")  # 桥头村村民委员会
    assert by_code["340621100205"] == ("杜庙村", "village")  # 杜庙村民委员会
    assert by_code["340602002200"] == ("张院村", "village")  # 张院村委会
    assert by_code["340602001200"] == ("徐暨村", "village")  # 徐暨村村委会
    assert by_code["340621102501"] == ("杨家湖农场生活区", "village")  # code 5xx: like a 村委会
    assert by_code["340603001004"] == ("春秋社区", "community")  # 春秋社区居民委员会
    assert by_code["340602001004"] == ("水泥厂社区", "community")  # 水泥厂社区居委会
    assert by_code["340604001009"] == ("铁运社区", "community")  # 铁运社区居民居委会
    assert by_code["340621100001"] == ("闸河东路社区", "community")  # 闸河东路居民委员会
    assert by_code["340602400498"] == ("杜集经济开发区虚拟社区", "community")
    assert by_code["340603400000"] == ("安徽淮北相山经济开发区", "street")  # …管理委员会


def test_demo_units_below_the_streets_are_villages_exactly_where_the_division_is_one(loaded):
    from shequ.org.demo import MODEL_STREET_CODE
    from shequ.org.models import Division

    units, _users = loaded[1]
    kinds = {u[0]: u[2] for u in units}
    # The official divisions: the loaded demo adds rows for its model street's units.
    official = Division.objects.filter(code__startswith="3406", level="village").exclude(
        parent_id=MODEL_STREET_CODE
    )
    wrong = [
        (d.name, kinds[d.code])
        for d in official
        if ("村民委员会" in d.name or d.name.endswith("村委会")) != (kinds[d.code] == "village")
        and "农场生活区" not in d.name
    ]
    assert official.count() == 452
    assert wrong == []
    long_names = [u[1] for u in units if u[1].endswith(("委员会", "居委会", "村委会", "办事处"))]
    assert long_names == []


def test_demo_blind_zone_is_delegated_to_a_neighbouring_community(loaded):
    units, _users = loaded[1]
    (zone,) = [u for u in units if u[2] == "compound"]
    assert zone[5] == "340603020001"  # 丽景社区, of the same street
    assert zone[4] == "340603020000"


def test_demo_every_community_has_grids_extending_its_code(loaded):
    units, _users = loaded[1]
    grids = [u for u in units if u[2] == "grid"]
    parents = {u[0] for u in units if u[3] == 4}
    assert {g[4] for g in grids} == parents
    assert all(len(g[0]) == 14 and g[0].startswith(g[4]) for g in grids)
    lijing_grids = [g for g in grids if g[4] == "340603020001"]
    assert len(lijing_grids) == 18  # the seed's "9 areas of 18 grids"


def test_demo_codes_are_valid_division_codes(loaded):
    from shequ.core.identifiers import validate_division_code

    units, _users = loaded[1]
    for code, *_rest in units:
        if len(code) == 12:
            validate_division_code(code)


def test_demo_has_a_user_for_every_role(loaded):
    _units, users = loaded[1]
    assert {u[2] for u in users if not u[5]} == set(Role.values)
    assert all(u[3] for u in users if not u[5])


def test_demo_prints_the_logins_with_their_password(loaded):
    output = loaded[0]
    assert "演示账号 Demo logins" in output
    for username in ["city", "district", "street", "community", "grid", "provider", "auditor"]:
        assert f"  {username} " in output
    assert DEMO_PASSWORD in output


def test_demo_user_can_log_in_and_sees_own_community(client, loaded):
    response = client.post("/accounts/login/", {"username": "community", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "丽景社区" in client.get("/").text


def test_another_seed_gives_other_details(loaded):
    first = loaded[1]  # seed 1
    demo("--seed", "2", "--reset")
    second = snapshot()
    assert [u[:3] for u in second[0] if u[3] < 5] == [u[:3] for u in first[0] if u[3] < 5]
    assert second != first


def test_demo_refuses_a_non_empty_database(loaded):
    with pytest.raises(CommandError, match="数据库不是空的：演示数据只能载入空数据库。加 --reset"):
        demo()


def logins_block(output: str) -> str:
    return output[output.index("演示账号 Demo logins") :]


def test_if_empty_leaves_a_loaded_database_alone(loaded):
    before = snapshot()
    output = demo("--if-empty")
    assert "Demo data already loaded; nothing changed." in output
    assert snapshot() == before


def test_if_empty_on_a_loaded_demo_prints_the_same_logins_as_the_load(loaded):
    again = demo("--if-empty")

    assert logins_block(again) == logins_block(loaded[0])
    lines = logins_block(again).splitlines()[1:]
    assert [line.split()[0] for line in lines] == [
        "city",
        "district",
        "street",
        "community",
        "community_b",
        "grid",
        "provider",
        "city_admin",
        "district_admin",
        "street_admin",
        "auditor",
        "admin",
    ]
    assert all(DEMO_PASSWORD in line for line in lines)
    assert "丽景社区 第1网格" in again


def test_if_empty_does_not_list_other_users_with_the_demo_password(loaded):
    services.user_create(
        actor=None,
        username="wangfang",
        full_name="王芳",
        role=Role.COMMUNITY,
        unit=OrgUnit.objects.get(code="340603020001"),
        password="Another-pass-2026",
    )
    User.objects.filter(username="provider").update(is_active=False)

    output = demo("--if-empty")

    assert "wangfang" not in output
    assert "  provider " not in output
    assert "  community " in output


def test_negative_persons_is_refused_before_anything_is_emptied(loaded):
    before = snapshot()
    with pytest.raises(CommandError, match="--persons must be zero or more"):
        call_command("demo", "--persons", "-1", "--reset", stdout=io.StringIO())
    assert snapshot() == before
