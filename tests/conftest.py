"""Personas and a small tree that mirrors the demo city's shape.

淮北市 340600000000
├── 相山区 340603000000
│   └── 示范街道 340603020000
│       ├── 丽景社区 A 340603020001 ── 第1网格 34060302000101, 第2网格 …02
│       ├── 文苑社区 B 340603020002 ── 第1网格 34060302000201
│       └── 翡翠湾小区 (blind zone) 340603020301 ── 第1网格 34060302030101
└── 杜集区 340602000000
    └── 高岳街道 340602001000
        └── 水泥厂社区 C 340602001004
"""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from shequ.org import services
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Duty, Role, rights_for
from tests import database_template
from tests.clock import clock  # noqa: F401 — a fixture for every test file

PASSWORD = "Test-pass-2026"


def make_unit(code: str, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.objects.create(
        code=code,
        prefix=OrgUnit.prefix_for(code),
        name=name,
        kind=kind,
        level=OrgUnit.KIND_LEVEL[kind],
        parent=parent,
    )


@dataclass
class Tree:
    city: OrgUnit
    district: OrgUnit
    street: OrgUnit
    community_a: OrgUnit
    grid_a1: OrgUnit
    grid_a2: OrgUnit
    community_b: OrgUnit
    grid_b1: OrgUnit
    zone: OrgUnit
    zone_grid: OrgUnit
    other_district: OrgUnit
    other_street: OrgUnit
    community_c: OrgUnit


@pytest.fixture
def tree(db) -> Tree:
    K = OrgUnit.Kind
    city = make_unit("340600000000", "淮北市", K.CITY)
    district = make_unit("340603000000", "相山区", K.DISTRICT, city)
    street = make_unit("340603020000", "示范街道", K.STREET, district)
    community_a = make_unit("340603020001", "丽景社区", K.COMMUNITY, street)
    community_b = make_unit("340603020002", "文苑社区", K.COMMUNITY, street)
    zone = make_unit("340603020301", "翡翠湾小区", K.COMPOUND, street)
    other_district = make_unit("340602000000", "杜集区", K.DISTRICT, city)
    other_street = make_unit("340602001000", "高岳街道", K.STREET, other_district)
    return Tree(
        city=city,
        district=district,
        street=street,
        community_a=community_a,
        grid_a1=make_unit("34060302000101", "第1网格", K.GRID, community_a),
        grid_a2=make_unit("34060302000102", "第2网格", K.GRID, community_a),
        community_b=community_b,
        grid_b1=make_unit("34060302000201", "第1网格", K.GRID, community_b),
        zone=zone,
        zone_grid=make_unit("34060302030101", "第1网格", K.GRID, zone),
        other_district=other_district,
        other_street=other_street,
        community_c=make_unit("340602001004", "水泥厂社区", K.COMMUNITY, other_street),
    )


def make_user(username: str, role: str, unit: OrgUnit, duty: str = "", rights=None) -> User:
    """A set-up account (no actor): a data account gets every data right its role may hold
    unless ``rights`` says otherwise."""
    duty = duty or services.default_duty(role)
    return services.user_create(
        actor=None,
        username=username,
        full_name=username,
        role=role,
        duty=duty,
        rights=rights_for(role, duty) if rights is None else rights,
        unit=unit,
        password=PASSWORD,
    )


@dataclass
class People:
    city: User
    district: User
    street: User
    worker_a: User  # community worker of 丽景社区
    worker_b: User  # community worker of 文苑社区
    worker_c: User  # community worker in the other district
    grid_a1: User
    provider: User
    auditor: User
    city_admin: User  # administrators: accounts and the tree, no personal data
    district_admin: User
    street_admin: User


@pytest.fixture
def people(tree: Tree) -> People:
    return People(
        city=make_user("city", Role.CITY, tree.city),
        district=make_user("district", Role.DISTRICT, tree.district),
        street=make_user("street", Role.STREET, tree.street),
        worker_a=make_user("worker_a", Role.COMMUNITY, tree.community_a),
        worker_b=make_user("worker_b", Role.COMMUNITY, tree.community_b),
        worker_c=make_user("worker_c", Role.COMMUNITY, tree.community_c),
        grid_a1=make_user("grid_a1", Role.GRID, tree.grid_a1),
        provider=make_user("provider", Role.PROVIDER, tree.street),
        auditor=make_user("auditor", Role.AUDITOR, tree.city),
        city_admin=make_user("city_admin", Role.CITY, tree.city, Duty.ADMIN),
        district_admin=make_user("district_admin", Role.DISTRICT, tree.district, Duty.ADMIN),
        street_admin=make_user("street_admin", Role.STREET, tree.street, Duty.ADMIN),
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``long`` first. pytest-django's sort, after this one and stable, keeps them
    first among their kind (in a transaction, transactional, without the database): under
    xdist a long test drawn near the end of the run keeps one worker busy while the other
    has nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest,
    django_db_modify_db_settings_parallel_suffix: None,
    django_db_use_migrations: bool,
) -> None:
    """The test database is copied from a template migrated once (tests/database_template.py),
    not migrated by each worker."""
    from django.db import connection

    if django_db_use_migrations:
        cache = getattr(request.config, "cache", None)
        database_template.install(connection, cache.mkdir("test-databases") if cache else None)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters live in the cache: each test starts with none (order-independent)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An API client; ``api.as_(user)`` authenticates it as that user."""

    class Client(APIClient):
        def as_(self, user: User) -> "Client":
            self.force_authenticate(user)
            return self

    return Client()


@pytest.fixture
def web(client):
    """The Django test client; ``web.as_(user)`` logs that user in."""

    def as_(user: User):
        client.force_login(user, backend="shequ.org.auth.UnitModelBackend")
        return client

    client.as_ = as_
    return client


@pytest.fixture
def divisions(transactional_db) -> None:
    """The national division codes, as the data migration ``org/0002`` loads them, for a
    test that runs like Django's TransactionTestCase (``django_db(transaction=True)``).

    After such a test every table is emptied, this reference data included. Loading it again
    before each (the loader only inserts what is missing) makes the pages and imports that
    need it (the division picker, a person's 户籍地) work whatever ran before. Tests with
    ordinary ``db`` run first (pytest-django orders them so) and still find the rows the
    migration left.
    """
    from shequ.org.divisions import load_divisions
    from shequ.org.models import Division

    load_divisions(Division)
