"""Break-in: every route of the URLconf × every role × GET and the unsafe verbs, with the
URL's parameters filled with records of a unit outside the caller's jurisdiction.

The routes are read from the URLconf when the tests are collected, so a new page or API
endpoint is covered the day it lands; a route whose parameters this module cannot fill fails
until its parameter is added to ``PARAMETERS`` (one line). The records of the other unit —
丽景社区 — must neither change nor show up in any answer, whoever asks and however.
"""

import contextlib
import datetime
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch, Resolver404

from shequ.core.identifiers import mask_id_number, mask_phone
from shequ.duework import services as duework_services
from shequ.health import services as health_services
from shequ.org import roles
from shequ.org import services as org_services
from shequ.org.models import OrgUnit
from shequ.org.roles import ROLE_LEVELS, Level, Role, rights_for
from shequ.org.scoping import prefixes_q
from shequ.outbox import services as outbox_services
from shequ.registry import services as registry_services
from shequ.rulebook import services as rulebook_services
from tests.conftest import PASSWORD, make_unit, make_user
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db

# What fills a URL parameter: "<the path segment before it>/<kwarg>", or "<kwarg>" alone for
# any segment. A new route with a new parameter adds one line here.
PARAMETERS: dict[str, str] = {
    "persons/<uid>": "person",
    "persons/<id>": "person",
    "housing/<uid>": "building",
    "buildings/<id>": "building",
    "households/<uid>": "household",
    "households/<id>": "household",
    "dwellings/<id>": "household",
    "hukou/<uid>": "registered_household",
    "hukou-members/<uid>": "registered_member",
    "registered-households/<id>": "registered_household",
    "landlords/<uid>": "person",
    "landlords/<id>": "person",
    "jobs/<uid>": "retype_job",
    "retype-jobs/<id>": "retype_job",
    "flows/<id>": "flow",
    "flows/<uid>": "flow",
    "users/<uid>": "user",
    "org/<code>": "unit",
    "org-units/<code>": "unit",
    "import/<uid>": "import_job",
    "imports/<uid>": "import_job",
    "exports/<uid>": "export_job",
    "right-requests/<uid>": "right_request",
    "approvals/<uid>": "right_request",
    "divisions/<code>": "division",
    "marriages/<id>": "marriage",
    "marriages/<muid>": "marriage",
    "children/<id>": "child",
    "children/<cuid>": "child",
    "fertility-certificates/<id>": "certificate",
    "certificates/<cuid>": "certificate",
    "pregnancies/<id>": "pregnancy",
    "pregnancies/<puid>": "pregnancy",
    "outflow/<uid>": "person",
    "outflow/<id>": "person",
    "visits/<uid>": "visit",
    "visits/<id>": "visit",
    "pending-departures/<uid>": "pending_departure",
    "pending-departures/<id>": "pending_departure",
    "template/<kind>": "kind",
    "export/<kind>": "kind",
    "<format>": "format",
    "locations/<uid>": "stock_location",
    "stock-locations/<id>": "stock_location",
    "stock-lots/<id>": "stock_lot",
    "lots/<uid>": "stock_lot",
    "stock-movements/<id>": "stock_movement",
    "stock-items/<id>": "stock_item",
    "items/<uid>": "stock_item",
    "requisitions/<uid>": "requisition",
    "requisitions/<id>": "requisition",
    "settings/<uid>": "setting",
    "settings/<id>": "setting",
    "tasks/<uid>": "task",
    "tasks/<id>": "task",
    "notifications/<uid>": "notification",
    "notifications/<id>": "notification",
    "facilities/<uid>": "facility",
    "facilities/<id>": "facility",
    "services/<uid>": "service_record",
    "service-records/<id>": "service_record",
    "persons/<person_uid>": "person",
    "reports/<uid>": "report",
    "monthly-reports/<id>": "report",
    "claims/<uid>": "claim",
    "claims/<id>": "claim",
    "applications/<uid>": "application",
    "applications/<id>": "application",
    "documents/<uid>": "document",
    "documents/<id>": "document",
    "<step>": "step",
    "verify/<code>": "verify_code",
    "births/<uid>": "birth",
    "birth-registrations/<id>": "birth",
    "birth-registration/<code>": "receipt_code",
    "disclosures/<uid>": "disclosure",
    "disclosures/<id>": "disclosure",
    "public/<uid>": "public_item",
    "benefits/<uid>": "benefit_list",
    "benefits/<id>": "benefit_list",
    "rows/<uid>": "benefit_row",
    "benefit-rows/<id>": "benefit_row",
    "payments/<uid>": "benefit_payment",
    "benefit-payments/<id>": "benefit_payment",
    "benefit-programmes/<id>": "benefit_programme",
}
# Values that are not records of a unit: reference data and names, the same for everyone.
# A verification code is public by design: whoever holds the printed page may check it, and
# the page shows everyone the same (state, a masked name) — covered by tests/desk.
# A receipt code likewise: the resident's own receipt, the registrant's name masked.
# And a published 政务公开 item: public by design, the same for everyone.
SHARED_VALUES = {"division", "kind", "format", "stock_item", "step", "verify_code", "receipt_code"}
SHARED_VALUES |= {"public_item"}
# A benefit programme is reference data (its rules are the rulebook's, shown to everyone).
# A benefit year list is the street's, not the community's: each community of the street
# opens it to check its own people's rows (its rows and payments stay scoped: those are
# the personal records, covered here as the other unit's).
SHARED_VALUES |= {"benefit_programme", "benefit_list"}

# URL names an anonymous caller may reach; every other route asks for a login first. The
# second factor's pages are the login's second step (a half-logged-in session).
PUBLIC = {"login", "logout", "set_language", "healthz", "api-token"}
PUBLIC |= {"otp_verify", "otp_setup", "otp_recovery_codes"}
# The public verification of a printed document (its QR code): no login by design, shows
# only genuine/valid/expired/revoked and a masked name, every look logged and rate-limited.
PUBLIC |= {"desk:verify"}
# Online birth registration by the resident (no staff account: identity number + the mobile
# number on record + a declaration) and its receipt; both rate-limited per address.
PUBLIC |= {"desk:birth_online", "desk:birth_receipt", "desk:birth_receipt_pdf"}
# 政务公开 (阳光计生): published items, for everyone.
PUBLIC |= {"desk:public", "desk:public_item"}

# A route without a name cannot be reversed: one example path for each.
UNNAMED = {r"^api/.*/$": "/api/v1/persons/not-a-uuid/"}

METHODS = ["get", "post", "put", "patch", "delete"]

# Filters as a careless or hostile caller sends them, in groups so that one refused value
# does not hide another: every route answers them clearly, never with a server error.
MALFORMED = [
    {"household": "abc", "building": "abc", "person": "abc", "parent": "abc"},
    {"since": "0001-01-01", "until": "9999-12-31", "page": "99999999999999999999"},
    {"unit": "\x00", "search": "\x00", "kind": "\x00", "status": "abc", "age": "abc"},
]

# The person's registration place (户籍地: 淮选社区 of 烈山区, outside every unit of OUTSIDE):
# its worker sees the person, read-only, on these routes (masked, as every list) …
REGISTRATION_READS = {
    "registry:outflow_list",
    "registry:outflow_detail",
    "registry:person_outflow",
    "outflow-list",
    "outflow-detail",
    # A migrant's service result is notified to the registration place by design (outbox):
    # its inbox lists the notice about its own person.
    "outbox:notification_list",
    "notification-list",
}
# … and may record a 流出 there (the registration place's act: the body here is not one), but
# changes nothing anywhere: every other write is refused like anyone else's.
REGISTRATION_ACTS = {"registry:person_outflow", "flow-list"}
REGISTRATION_UNIT = "340604001001"

# Models whose rows are only ever added (logs): a refused attempt may add one for the unit.
LOG_MODELS = {"org.auditevent", "org.sensitiveaccess"}


# --- The routes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    shown: str  # the route with its parameters as <name>, e.g. "api/v1/persons/<id>/"
    name: str | None  # the namespaced URL name
    kwargs: tuple[str, ...]
    pattern: str  # the raw pattern, for routes without a name

    def __str__(self) -> str:
        return self.shown

    @property
    def public(self) -> bool:
        return self.name in PUBLIC

    def keys(self) -> dict[str, str | None]:
        """The PARAMETERS key each URL parameter is filled by (None: unknown)."""
        found = {}
        for kwarg in self.kwargs:
            before = self.shown.split(f"<{kwarg}>", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            found[kwarg] = next(
                (PARAMETERS[k] for k in (f"{before}/<{kwarg}>", f"<{kwarg}>") if k in PARAMETERS),
                None,
            )
        return found


def _shown(pattern) -> str:
    text = str(pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", text)  # path("<uuid:uid>") → <uid>
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text)  # regex groups → <name>
    return text.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")


def _walk(patterns, prefix: str = "", raw: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(
                entry.url_patterns, prefix + _shown(entry.pattern), raw + str(entry.pattern), inner
            )
        elif isinstance(entry, URLPattern):
            shown = prefix + _shown(entry.pattern)
            kwargs = tuple(re.findall(r"<(\w+)>", shown))
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(shown, name, kwargs, raw + str(entry.pattern))


def all_routes() -> list[Route]:
    """Every route of the URLconf, pages (under the language prefix) and API alike."""
    return list(_walk(get_resolver().url_patterns))


ROUTES = all_routes()


def test_the_walk_finds_pages_and_api_routes():
    shown = {route.shown for route in ROUTES}
    assert {"registry/persons/<uid>/", "api/v1/persons/<id>/", "org/<code>/"} <= shown
    assert len(ROUTES) > 50


# --- The other unit's records and the callers ------------------------------------------


@dataclass
class Persona:
    label: str
    client: Client
    cookies: SimpleCookie = field(default_factory=SimpleCookie)
    anonymous: bool = False
    registration_place: bool = False  # the person's 户籍地: reads some routes, writes none

    def request(self, method: str, path: str, *, api: bool, body: dict, query: dict | None):
        # A route may log out or switch the language: every call starts from the same cookies.
        self.client.cookies = SimpleCookie(self.cookies.output(header="", sep=";"))
        if method == "get":
            return self.client.get(path, query)
        if api:
            return getattr(self.client, method)(
                path, json.dumps(body), content_type="application/json"
            )
        if method == "post":
            return self.client.post(path, body)
        return getattr(self.client, method)(
            path, urlencode(body), content_type="application/x-www-form-urlencoded"
        )


@dataclass
class World:
    values: dict[str, str]  # PARAMETERS value → what fills the URL
    markers: set[str]  # the other unit's personal data: none may appear in an answer
    never: set[str]  # what even the registration place is never shown (the whole id number)
    target_prefix: str
    personas: list[Persona]
    body: dict  # what unsafe calls send: every reference points into the other unit
    query: dict  # what GET sends
    # The other unit's rows as built (snapshot()), the state every test starts from: each
    # test runs in a savepoint rolled back after it.
    rows: dict[str, list] = field(default_factory=dict)

    def leaks(self, content: bytes) -> list[str]:
        return sorted(
            marker
            for marker in self.markers
            if marker.encode() in content or marker.encode("gb18030") in content
        )


# The unit outside the target 丽景社区 closest to it at each level of the tree.
OUTSIDE = {
    Level.CITY: "341300000000",  # 宿州市, another city
    Level.DISTRICT: "340602000000",  # 杜集区, another district of the same city
    Level.STREET: "340603001000",  # 东山街道, another street of the same district
    Level.COMMUNITY: "340603020002",  # 文苑社区, the neighbouring community
    Level.GRID: "34060302000102",  # 丽景社区 第2网格, the neighbouring grid
}


def _build_tree() -> dict[str, OrgUnit]:
    K = OrgUnit.Kind
    city = make_unit("340600000000", "淮北市", K.CITY)
    other_city = make_unit("341300000000", "宿州市", K.CITY)
    district = make_unit("340603000000", "相山区", K.DISTRICT, city)
    other_district = make_unit("340602000000", "杜集区", K.DISTRICT, city)
    street = make_unit("340603020000", "示范街道", K.STREET, district)
    other_street = make_unit("340603001000", "东山街道", K.STREET, district)
    community_a = make_unit("340603020001", "丽景社区", K.COMMUNITY, street)
    community_b = make_unit("340603020002", "文苑社区", K.COMMUNITY, street)
    units = [city, other_city, district, other_district, street, other_street]
    units += [community_a, community_b]
    units.append(make_unit("34060302000101", "第1网格", K.GRID, community_a))
    units.append(make_unit("34060302000102", "第2网格", K.GRID, community_a))
    units.append(make_unit("34060302000201", "第1网格", K.GRID, community_b))
    return {unit.code: unit for unit in units}


def account_kinds() -> list[tuple[str, str]]:
    """Every kind of account: each role, with each duty it may hold where accounts have
    duties (三权分立: data work, administration, audit); duty "" where they do not."""
    duty_roles = getattr(roles, "DUTY_ROLES", None)
    if duty_roles is None:
        return [(role, "") for role in Role.values]
    return sorted((str(role), str(duty)) for duty, held in duty_roles.items() for role in held)


def _persona(label: str, user=None) -> Persona:
    client = Client(raise_request_exception=False)  # a server error is one answer among many
    if user is None:
        return Persona(label, client, anonymous=True)
    client.force_login(user, backend="shequ.org.auth.UnitModelBackend")
    return Persona(label, client, SimpleCookie(client.cookies.output(header="", sep=";")))


def _build_world() -> World:
    units = _build_tree()
    community_a, grid_a1 = units["340603020001"], units["34060302000101"]
    K = OrgUnit.Kind
    lieshan = make_unit("340604000000", "烈山区", K.DISTRICT, units["340600000000"])
    yangzhuang = make_unit("340604001000", "杨庄街道", K.STREET, lieshan)
    hukou_unit = make_unit(REGISTRATION_UNIT, "淮选社区", K.COMMUNITY, yangzhuang)

    owner = make_user("owner_a", Role.COMMUNITY, community_a)
    owner.full_name, owner.phone = "东方守门", "13800138111"
    owner.save(update_fields=["full_name", "phone"])
    admin = make_user("admin_s", Role.STREET, units["340603020000"], duty="admin")
    newcomer = make_user("newcomer_a", Role.COMMUNITY, community_a, rights=[])
    right_request = org_services.user_set_rights(
        actor=admin, user=newcomer, rights=rights_for(Role.COMMUNITY, "data"), reason="新到岗"
    )
    building = make_building(grid_a1, "禁入楼")
    household = make_household(building, "101")
    person = make_person(
        household, name="司马破门", phone="13912345678", hukou_division=REGISTRATION_UNIT
    )
    flow = apps.get_model("registry", "Flow").objects.filter(person=person).first()
    # The person heads a registered household and lets a home of the unit (a landlord).
    registry_services.household_create(
        actor=None, building=building, number="102", is_rented=True, landlord=person
    )
    registered = registry_services.registered_household_create(
        actor=None, head=person, number="禁入户号", reason="建户"
    )
    member = registered.memberships.get()
    retype_job = apps.get_model("registry", "RetypeJob").objects.create(
        unit_code=community_a.code, reason="试探"
    )
    # Her family: a husband outside the registry, a child, a 婚育证明 and a pregnancy.
    marriage = registry_services.marriage_record(
        actor=None, husband=None, wife=person, values={"husband_name": "欧阳越界"}
    )
    child = registry_services.child_record(
        actor=None, parent=person, values={"birth_date": datetime.date(2015, 5, 5), "sex": "M"}
    )
    certificate = registry_services.fertility_certificate_record(
        actor=None, person=person, values={"number": "BREAKIN-001"}
    )
    pregnancy = registry_services.pregnancy_record(actor=None, person=person, values={})
    visit = registry_services.visit_record(
        actor=owner, household=household, date=datetime.date.today(), absent=[person]
    )
    pending = apps.get_model("registry", "PendingDeparture").objects.get(person=person)
    # The desk: an open application and an issued document of the person.
    from shequ.desk import services as desk_services

    issued = desk_services.application_create(actor=None, person=person, kind="service_book")
    desk_services.application_accept(actor=None, application=issued)
    document = desk_services.application_issue(actor=None, application=issued).document
    application = desk_services.application_create(actor=None, person=person, kind="status_proof")
    disclosure = desk_services.disclosure_create(
        actor=None,
        unit=community_a,
        values={
            "category": "policy",
            "title": "政策解读",
            "body": "内容",
            "published_on": datetime.date(2026, 1, 1),
        },
    )
    birth = desk_services.birth_registration_create(
        actor=None,
        person=person,
        channel="desk",
        values={"stage": "after", "born_on": datetime.date(2026, 1, 2), "declaration": True},
    )
    # The benefits: the street's confirmed list with the person added (a row and a payment
    # of 丽景社区), and a declaration of hers.
    from shequ.benefits import services as benefit_services

    benefit_list = benefit_services.benefit_list_start(
        actor=None, unit=units["340603020000"], programme="reward_assistance", year=2026
    )
    benefit_services.benefit_list_compute(benefit_list)
    benefit_services.benefit_list_confirm(actor=None, benefit_list=benefit_list)
    benefit_row = benefit_services.row_add(
        actor=None, benefit_list=benefit_list, person=person, reason="禁入增补"
    )
    benefit_payment = benefit_row.payments.get()
    benefit_services.confirmation_record(
        actor=None, person=person, key="spouse_rural", value=True, note="禁入核实"
    )

    # The owner's jobs, through the API as the owner would start them: an import that
    # mentions the person, and an export of the community's persons.
    api = _persona("owner", owner).client
    started = api.post(
        "/api/v1/imports/",
        {
            "kind": "persons",
            "dry_run": "true",
            "file": _upload("persons.csv", f"姓名,公民身份号码\n司马破门,{person.id_number}\n"),
        },
    )
    assert started.status_code == 202, started.content
    asked = api.post(
        "/api/v1/exports/", {"kind": "persons", "format": "csv"}, content_type="application/json"
    )
    assert asked.status_code == 202, asked.content
    shown_to_owner = api.get(f"/api/v1/persons/{person.uid}/").json()["id_number"]
    supplies = _build_supplies(units, person)

    # The shared pieces (rulebook, due work, outbox): a setting of the grid (a setting of the
    # community applies to, so is read by, its other grid), a task on the person, a message
    # to the community about her.
    setting = rulebook_services.setting_create(
        actor=None,
        programme="breakin",
        key="k",
        value=1,
        region_prefix=grid_a1.code,
        valid_from=datetime.date(2026, 1, 1),
        reason="set-up",
    )
    task = duework_services.ensure_task(
        kind="breakin",
        source_key="breakin:task",
        title="禁入任务",
        unit_code=community_a.code,
        due_date=datetime.date(2026, 1, 1),
        person=person,
    )
    notice = outbox_services.notify(
        key="breakin:notice",
        kind="breakin",
        title="禁入通报",
        summary="禁入内容",
        health=True,
        person=person,
        from_unit_code=community_a.code,
        to_unit_code=community_a.code,
        due_date=datetime.date(2026, 1, 1),
    )

    # The health services: a station of the community, a service to the person, the
    # community's report, the street's claim at the district's hospital.
    station = health_services.facility_create(
        actor=None, name="禁入服务站", kind="station", unit=community_a
    )
    hospital = health_services.facility_create(
        actor=None, name="禁入医院", kind="hospital", unit=units["340603000000"]
    )
    record = health_services.service_record_create(
        actor=None,
        person=person,
        kind="contraception_counselling",
        date=datetime.date(2026, 1, 5),
        facility=station,
    )
    health_services.service_record_create(
        actor=None,
        person=person,
        kind="procedure",
        date=datetime.date(2026, 1, 6),
        facility=hospital,
        cost=100,
        result="禁入结果",
    )
    report = health_services.report_generate(
        actor=None, unit=community_a, month=datetime.date(2026, 1, 1)
    )
    claim = health_services.claim_compile(
        actor=None,
        street=units["340603020000"],
        month=datetime.date(2026, 1, 1),
        hospital=hospital,
    )

    personas = [_persona("anonymous")]
    for role, duty in account_kinds():
        unit = units[OUTSIDE[max(ROLE_LEVELS[role])]]
        user = make_user(f"x_{role}_{duty}", role, unit, **({"duty": duty} if duty else {}))
        personas.append(_persona(f"{role}{'/' + duty if duty else ''}@{unit.name}", user))
    registration = _persona("community@户籍地", make_user("x_hukou", Role.COMMUNITY, hukou_unit))
    registration.registration_place = True
    personas.append(registration)

    refs = {
        "household": str(household.uid),
        "building": str(building.uid),
        "person": str(person.uid),
        "unit": grid_a1.code,
    }
    return World(
        values={
            "person": str(person.uid),
            "building": str(building.uid),
            "household": str(household.uid),
            "flow": str(flow.uid),
            "registered_household": str(registered.uid),
            "registered_member": str(member.uid),
            "retype_job": str(retype_job.uid),
            "user": str(owner.uid),
            "unit": community_a.code,
            "import_job": started.json()["id"],
            "export_job": asked.json()["id"],
            "right_request": str(right_request.uid),
            "setting": str(setting.uid),
            "task": str(task.uid),
            "notification": str(notice.uid),
            "facility": str(station.uid),
            "service_record": str(record.uid),
            "report": str(report.uid),
            "claim": str(claim.uid),
            "application": str(application.uid),
            "document": str(document.uid),
            "step": "accept",
            "verify_code": document.code,
            "birth": str(birth.uid),
            "receipt_code": birth.receipt_code,
            "disclosure": str(disclosure.uid),
            "public_item": str(disclosure.uid),
            "benefit_list": str(benefit_list.uid),
            "benefit_row": str(benefit_row.uid),
            "benefit_payment": str(benefit_payment.uid),
            "benefit_programme": "reward_assistance",
            "marriage": str(marriage.uid),
            "child": str(child.uid),
            "certificate": str(certificate.uid),
            "pregnancy": str(pregnancy.uid),
            "visit": str(visit.uid),
            "pending_departure": str(pending.uid),
            "division": "340603000000",
            "kind": "persons",
            "format": "json",
            **supplies.values,
        },
        markers={
            "司马破门",
            person.id_number,
            mask_id_number(person.id_number),
            shown_to_owner,
            "13912345678",
            mask_phone("13912345678"),
            "东方守门",
            "13800138111",
            "禁入楼",
            "禁入药具室",
            "禁入批号",
            "禁入任务",
            "禁入通报",
            "禁入内容",
            "禁入结果",
            "BREAKIN-001",
            "欧阳越界",
            "禁入户号",
            "禁入增补",
            "禁入核实",
        },
        never={person.id_number},
        target_prefix=community_a.prefix,
        personas=personas,
        body={
            **refs,
            **supplies.refs,
            "parent": community_a.code,
            "delegate": community_a.code,
            "code": "340603020009",
            "name": "破门而入",
            "number": "999",
            "username": "intruder",
            "password": PASSWORD,
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
            "role": Role.COMMUNITY,
            "reason": "试探",
            "purpose": "verify",
            "kind": "monthly",
            "date": "2026-01-01",
            "active": "false",
        },
        query={**refs, "search": "司马破"},  # a prefix: the search box may repeat it
    )


@dataclass
class _Supplies:
    values: dict[str, str]
    refs: dict[str, str | int]


def _build_supplies(units: dict[str, OrgUnit], person) -> _Supplies:
    """The other unit's contraceptive stock: a service room supplied by the street's store,
    a lot in it, a requisition and a named dispensing."""
    import datetime

    from shequ.supplies import services as supplies_services
    from shequ.supplies.models import Item, Location

    supplies_services.defaults_ensure()
    street_store = supplies_services.location_create(
        actor=None, unit_code="340603020000", name="示范街道药具库", kind=Location.Kind.STREET_STORE
    )
    room = supplies_services.location_create(
        actor=None,
        unit_code=units["340603020001"].code,
        name="禁入药具室",
        kind=Location.Kind.SERVICE_ROOM,
        supplier=street_store,
    )
    condom = Item.objects.get(code="condom-male")
    receipt = supplies_services.stock_receive(
        actor=None,
        location=room,
        item=condom,
        lot_number="禁入批号",
        expiry=datetime.date(2099, 1, 1),
        quantity=50,
    )
    requisition = supplies_services.requisition_submit(
        actor=None, location=room, lines={condom: 10}
    )
    supplies_services.dispense(actor=None, location=room, person=person, item=condom, quantity=2)
    return _Supplies(
        values={
            "stock_location": str(room.uid),
            "stock_lot": str(receipt.lot.uid),
            "stock_movement": str(receipt.uid),
            "stock_item": str(condom.uid),
            "requisition": str(requisition.uid),
        },
        refs={
            "location": str(room.uid),
            "lot": str(receipt.lot.uid),
            "source": str(room.uid),
            "supplier": str(room.uid),
            "item": "condom-male",
            "quantity": 1,
            "version": 1,
            "id_number": person.id_number,
        },
    )


def _upload(name: str, text: str):
    upload = io.BytesIO(text.encode("utf-8-sig"))
    upload.name = name
    return upload


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One build of the other unit and the callers for the whole module, rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = _build_world()
        world.rows = snapshot(world)
        yield world
        transaction.set_rollback(True)


def snapshot(world: World) -> dict[str, list]:
    """Every row of every model that hangs on the tree, inside the other unit."""
    rows = {}
    for model in apps.get_models():
        scope_field = getattr(model, "scope_field", None)
        if scope_field is None:
            continue
        label = model._meta.label_lower
        found = model._default_manager.filter(prefixes_q((world.target_prefix,), scope_field))
        rows[label] = sorted(
            (repr(sorted(row.items())) for row in found.values()),
        )
    return rows


def changes(before: dict[str, list], after: dict[str, list]) -> list[str]:
    found = []
    for label, rows in before.items():
        gone = set(rows) - set(after[label])
        added = set(after[label]) - set(rows)
        if gone or (added and label not in LOG_MODELS):
            found.append(f"{label}: {len(gone)} changed or removed, {len(added)} added")
    return found


# --- The answers --------------------------------------------------------------------------


def content_of(response) -> bytes:
    """What the caller receives, with zipped (xlsx) and escaped (JSON) text opened up."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content += b"".join(archive.read(name) for name in archive.namelist())
    if "json" in response.get("Content-Type", ""):
        with contextlib.suppress(ValueError):
            content += json.dumps(json.loads(content), ensure_ascii=False).encode()
    return content


def is_login_redirect(response) -> bool:
    login = reverse(settings.LOGIN_URL)
    return response.status_code == 302 and urlsplit(response["Location"]).path == login


def fill(route: Route, world: World) -> tuple[str, bool]:
    """The route's URL with the other unit's records in it, and whether any parameter is one."""
    if route.name is None:
        if route.pattern not in UNNAMED:
            pytest.fail(f"{route}: a route without a name; add an example path to UNNAMED")
        return UNNAMED[route.pattern], False
    keys = route.keys()
    missing = [kwarg for kwarg, key in keys.items() if key is None]
    if missing:
        pytest.fail(
            f"{route}: cannot fill {missing}; add '<segment>/<kwarg>' to PARAMETERS "
            "in tests/test_breakin.py"
        )
    unbuilt = sorted(key for key in keys.values() if key not in world.values)
    if unbuilt:
        pytest.fail(f"{route}: the other unit has no {unbuilt}; build one in _build_world")
    try:
        path = reverse(route.name, kwargs={kwarg: world.values[key] for kwarg, key in keys.items()})
        found = resolve(path)
    except (NoReverseMatch, Resolver404) as exc:
        pytest.fail(f"{route}: the values of PARAMETERS do not fit it ({exc})")
    if _shown(found.route) != route.shown:
        pytest.fail(f"{route}: its URL {path} reaches another route, {found.route}")
    return path, any(key not in SHARED_VALUES for key in keys.values())


def verdict(
    route: Route, persona: Persona, scoped: bool, response, world: World, refused: set[int]
) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{status} (server error)"
    content = content_of(response)
    if response.request["REQUEST_METHOD"] != "GET":
        # A form sent back with an error shows what its user typed: the number the attacker
        # sent is theirs already, not a leak (names and other markers still count).
        content = content.replace(str(world.body.get("id_number", "")).encode() or b"\0", b"")
    if persona.registration_place:
        shown = sorted(m for m in world.never if m.encode() in content)
        if shown:
            return f"{status} shows {shown}"
        if response.request["REQUEST_METHOD"] == "GET" and route.name in REGISTRATION_READS:
            return None  # its own people living elsewhere: read-only, masked
        if route.name in REGISTRATION_ACTS:
            return None  # its 流出 (the snapshot proves nothing changed)
    leaked = world.leaks(content)
    if leaked:
        return f"{status} shows {leaked}"
    if persona.anonymous:
        # 405: the route takes no such method, whoever asks; nothing about any record.
        if not route.public and status not in (401, 405) and not is_login_redirect(response):
            return f"{status}, not a login redirect or 401"
    elif scoped and status not in refused:
        return f"{status}, not 404 or 403"
    return None


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_lets_no_one_into_another_unit(route, world):
    path, scoped = fill(route, world)
    api = path.startswith("/api/")
    # An API detail route checks its filters before it looks the record up: malformed ones
    # are a 400 whether the record is missing or someone else's.
    refused, refused_malformed = {403, 404, 405}, {400, 403, 404, 405}
    calls = [("get", world.query, refused)] + [(method, None, refused) for method in METHODS[1:]]
    malformed = [("get", query, refused_malformed) for query in MALFORMED]
    problems = []
    for persona in world.personas:
        for method, query, allowed in calls + ([] if persona.anonymous else malformed):
            response = persona.request(method, path, api=api, body=world.body, query=query)
            problem = verdict(route, persona, scoped, response, world, allowed)
            if problem:
                shown = f"{path}?{urlencode(query)}" if query else path
                problems.append(f"{persona.label} {method.upper()} {shown}: {problem}")
    # Compared with the rows as built, not as this test found them (the same, each test being
    # rolled back): one snapshot a route instead of two.
    assert changes(world.rows, snapshot(world)) == [], problems
    assert not problems, "\n".join(problems)


def test_a_nul_character_in_a_filter_is_refused_clearly(world):
    """PostgreSQL refuses NUL in any query: the answer is a 400 saying so, on every database."""
    street = next(p for p in world.personas if p.label.startswith(Role.STREET))
    page = street.request("get", "/users/", api=False, body={}, query={"q": "a\x00"})
    api = street.request("get", "/api/v1/persons/", api=True, body={}, query={"search": "\x00"})
    assert (page.status_code, page.text) == (400, "请求参数中含有不允许的字符。")
    assert (api.status_code, api.json()) == (400, {"detail": "请求参数中含有不允许的字符。"})
