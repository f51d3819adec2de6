"""Demo tree and users: the real divisions of 淮北市 (3406) plus the seed's 示范街道.

Districts, streets and communities carry their real statistical codes and names (from
``data/divisions.csv``). 示范街道 is added under 相山区 with 4 villages and 2 communities, as
seed 001's third plan describes, and one new compound with no community yet (a blind zone)
delegated to a neighbouring community. Every community is divided into grids.
"""

from simple_history.utils import bulk_create_with_history

from shequ.core.demo import DEMO_PASSWORD, DemoContext
from shequ.org import services
from shequ.org.models import Division, OrgUnit, User
from shequ.org.roles import Duty, Level, Role, rights_for

CITY_CODE = "340600000000"
MODEL_STREET_CODE = "340603020000"
MODEL_STREET_NAME = "示范街道"
# (code, name, kind, grids); 丽景社区 has the seed's "9 areas of 18 grids".
MODEL_STREET_UNITS = [
    ("340603020001", "丽景社区", OrgUnit.Kind.COMMUNITY, 18),
    ("340603020002", "文苑社区", OrgUnit.Kind.COMMUNITY, 8),
    ("340603020201", "满春村", OrgUnit.Kind.VILLAGE, 6),
    ("340603020202", "红旗村", OrgUnit.Kind.VILLAGE, 6),
    ("340603020203", "丰收村", OrgUnit.Kind.VILLAGE, 5),
    ("340603020204", "新华村", OrgUnit.Kind.VILLAGE, 5),
]
BLIND_ZONE = ("340603020301", "翡翠湾小区（新建）")
# (user, full name, role, unit code, duty): one login per role and duty, and a second
# community worker to try the other community's people with. Data accounts get every data
# right their role may hold (set-up grants them; later ones need a second person's
# approval). The README's table lists them.
DEMO_USERS = [
    ("city", "王建国", Role.CITY, CITY_CODE, Duty.DATA),
    ("district", "李红梅", Role.DISTRICT, "340603000000", Duty.DATA),
    ("street", "刁爱珍", Role.STREET, MODEL_STREET_CODE, Duty.DATA),
    ("community", "曾小雯", Role.COMMUNITY, MODEL_STREET_UNITS[0][0], Duty.DATA),
    ("community_b", "赵丽", Role.COMMUNITY, MODEL_STREET_UNITS[1][0], Duty.DATA),
    ("grid", "孙伟", Role.GRID, f"{MODEL_STREET_UNITS[0][0]}01", Duty.DATA),
    ("provider", "周敏", Role.PROVIDER, MODEL_STREET_CODE, Duty.DATA),
    ("city_admin", "陈立", Role.CITY, CITY_CODE, Duty.ADMIN),
    ("district_admin", "吴静", Role.DISTRICT, "340603000000", Duty.ADMIN),
    ("street_admin", "郑强", Role.STREET, MODEL_STREET_CODE, Duty.ADMIN),
    ("auditor", "钱审", Role.AUDITOR, CITY_CODE, Duty.AUDIT),
]
ADMIN = "admin"
REASON = "演示数据"


# Official names end in the committee's title; people say "丽景社区", "桥头村", "…开发区".
# Longest first, so that "社区居民委员会" is not taken for "居民委员会".
_COMMUNITY_SUFFIXES = ("社区居民委员会", "社区居民居委会", "社区居委会", "居民委员会", "居委会")
_VILLAGE_SUFFIXES = ("村民委员会", "村委会")
_OFFICE_SUFFIXES = ("管理委员会", "办事处")


def _short(name: str) -> str:
    """The name people use for a unit: "丽景社区" for "丽景社区居民委员会", "桥头村" for
    "桥头村村民委员会", "XX街道" for "XX街道办事处"; other names (虚拟社区, 农场生活区) as they are."""
    for suffixes, ending in (
        (_COMMUNITY_SUFFIXES, "社区"),
        (_VILLAGE_SUFFIXES, "村"),
        (_OFFICE_SUFFIXES, ""),
    ):
        for suffix in suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                stem = name[: -len(suffix)]
                return stem if stem.endswith(ending) else stem + ending
    return name


def _kind_for(division: Division) -> str:
    name = _short(division.name)
    if division.level == "county":
        return OrgUnit.Kind.COUNTY if name.endswith("县") else OrgUnit.Kind.DISTRICT
    if division.level == "town":
        return OrgUnit.Kind.TOWN if name.endswith(("镇", "乡")) else OrgUnit.Kind.STREET
    # The code says it, whatever the name: the village part of a statistical code is
    # 001-199 for a 居民委员会, 200-399 for a 村民委员会, 400-499 for units like a 居委会
    # (虚拟社区) and 500-599 for units like a 村委会 (农场生活区).
    village_part = int(division.code[9:12])
    rural = 200 <= village_part < 400 or 500 <= village_part < 600
    return OrgUnit.Kind.VILLAGE if rural else OrgUnit.Kind.COMMUNITY


def _unit(code: str, name: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
    return OrgUnit(
        code=code,
        prefix=OrgUnit.prefix_for(code),
        name=name,
        kind=kind,
        level=OrgUnit.KIND_LEVEL[kind],
        parent=parent,
    )


def _save(units: list[OrgUnit]) -> list[OrgUnit]:
    bulk_create_with_history(units, OrgUnit, batch_size=1000, default_change_reason=REASON)
    by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=[u.code for u in units])}
    return [by_code[u.code] for u in units]


def logins() -> list[tuple[str, str, str, str]]:
    """The demo users in the database, as (user, role, unit, password); none if the demo
    is not loaded (a database with other users keeps them to itself)."""
    wanted = [username for username, *_rest in DEMO_USERS]
    found = {
        user.username: user
        for user in User.objects.filter(
            username__in=[*wanted, ADMIN], is_active=True
        ).select_related("unit__parent")
    }
    result = []
    for username, _name, role, unit_code, duty in DEMO_USERS:
        user = found.get(username)
        if user is not None and user.role == role and user.unit_id == unit_code:
            unit = user.unit
            place = f"{unit.parent.name} {unit.name}" if unit.level == Level.GRID else unit.name  # type: ignore[union-attr]
            label = str(Role(role).label)
            if duty != Duty.DATA and role != Role.AUDITOR:
                label = f"{label}（{Duty(duty).label}）"
            result.append((username, label, place, DEMO_PASSWORD))
    admin = found.get(ADMIN)
    if result and admin is not None and admin.is_superuser:
        result.append((ADMIN, "超级用户（仅用于初始设置）", "—", DEMO_PASSWORD))
    return result


def generate(ctx: DemoContext) -> None:
    rng = ctx.rng("org")
    divisions = list(Division.objects.filter(code__startswith="3406").order_by("code"))
    city_division = next(d for d in divisions if d.code == CITY_CODE)

    (city,) = _save([_unit(CITY_CODE, city_division.name, OrgUnit.Kind.CITY, None)])
    districts = _save(
        [_unit(d.code, d.name, _kind_for(d), city) for d in divisions if d.level == "county"]
    )
    by_code = {d.code: d for d in districts}
    street_divisions = [d for d in divisions if d.level == "town"]
    streets = _save(
        [
            _unit(d.code, _short(d.name), _kind_for(d), by_code[d.parent_id])  # type: ignore[index]
            for d in street_divisions
        ]
    )
    by_code.update({s.code: s for s in streets})

    # 示范街道 is not a real division: give it (and its units) Division rows so that a
    # person's 户籍地 can point at them like at any other place.
    xiangshan = by_code["340603000000"]
    model_divisions = [
        Division(
            code=MODEL_STREET_CODE,
            name=MODEL_STREET_NAME,
            level="town",
            parent_id=xiangshan.code,
            full_name=f"安徽省淮北市相山区{MODEL_STREET_NAME}",
        )
    ] + [
        Division(
            code=code,
            name=name,
            level="village",
            parent_id=MODEL_STREET_CODE,
            full_name=f"安徽省淮北市相山区{MODEL_STREET_NAME}{name}",
        )
        for code, name, _kind, _grids in MODEL_STREET_UNITS
    ]
    Division.objects.bulk_create(model_divisions, ignore_conflicts=True)
    (model_street,) = _save(
        [_unit(MODEL_STREET_CODE, MODEL_STREET_NAME, OrgUnit.Kind.STREET, xiangshan)]
    )
    by_code[model_street.code] = model_street

    community_rows = [
        (d.code, _short(d.name), _kind_for(d), by_code[d.parent_id], rng.randint(2, 4))  # type: ignore[index]
        for d in divisions
        if d.level == "village"
    ] + [(code, name, kind, model_street, grids) for code, name, kind, grids in MODEL_STREET_UNITS]
    communities = _save(
        [_unit(code, name, kind, parent) for code, name, kind, parent, _ in community_rows]
    )
    grid_counts = {row[0]: row[4] for row in community_rows}
    (zone,) = _save([_unit(BLIND_ZONE[0], BLIND_ZONE[1], OrgUnit.Kind.COMPOUND, model_street)])

    grids = []
    for community in [*communities, zone]:
        for number in range(1, grid_counts.get(community.code, 1) + 1):
            grids.append(
                _unit(
                    f"{community.code}{number:02d}", f"第{number}网格", OrgUnit.Kind.GRID, community
                )
            )
    grids = _save(grids)

    lijing = next(c for c in communities if c.code == MODEL_STREET_UNITS[0][0])
    zone.delegate = lijing
    zone.save(update_fields=["delegate"])

    units = {u.code: u for u in [city, xiangshan, model_street, *communities, *grids]}
    for username, full_name, role, unit_code, duty in DEMO_USERS:
        services.user_create(
            actor=None,
            username=username,
            full_name=full_name,
            role=role,
            duty=duty,
            rights=rights_for(role, duty),
            unit=units[unit_code],
            password=DEMO_PASSWORD,
            phone=f"139{rng.randrange(10**8):08d}",
        )
    User.objects.create_superuser(ADMIN, password=DEMO_PASSWORD, full_name="系统管理员")

    ctx.shared.update(
        city=city,
        model_street=model_street,
        communities=communities,
        grids=grids,
        blind_zone=zone,
    )
    ctx.log(
        f"    tree: {len(districts)} districts, {len(streets) + 1} streets, "
        f"{len(communities)} communities, 1 blind zone, {len(grids)} grids"
    )
    assert all(g.level == Level.GRID for g in grids)
