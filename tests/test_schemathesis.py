"""Schemathesis over the OpenAPI schema: generated calls, as a community worker, a street
officer and an auditor, get no server error and answers that match the schema.

The schema is the one /api/schema/ serves, generated when the tests are collected, so a new
endpoint is exercised the day it lands. Path parameters name records of the caller's own
unit (a random id would only ever meet a 404); a path parameter ``PATH_VALUES`` cannot fill
fails the test until one line is added there. Bounded (a few examples per operation,
derandomised) so that the run stays short and gives the same result each time.
"""

import datetime
import io
import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from shequ.duework import services as duework_services
from shequ.health import services as health_services
from shequ.org import services as org_services
from shequ.org.models import OrgUnit
from shequ.org.roles import Role, rights_for
from shequ.outbox import services as outbox_services
from shequ.registry import services as registry_services
from shequ.registry.models import PendingDeparture, RetypeJob
from shequ.rulebook import services as rulebook_services
from tests.conftest import PASSWORD, make_unit, make_user
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, response_schema_conformance]
# Generated calls only (the coverage phase alone makes hundreds per operation), the same
# ones on every run, a few per operation.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
        "generation": {"max-examples": 5, "deterministic": True, "database": "none"},
    }
)

# What fills a path parameter: "<the path segment before it>/{<name>}" → a key of the
# records below. A new endpoint with a new parameter adds one line here.
PATH_VALUES = {
    "org-units/{code}": "unit",
    "users/{uid}": "colleague",
    "divisions/{code}": "division",
    "buildings/{id}": "building",
    "households/{id}": "household",
    "dwellings/{id}": "household",
    "registered-households/{id}": "registered_household",
    "landlords/{id}": "person",
    "retype-jobs/{id}": "retype_job",
    "persons/{id}": "person",
    "flows/{id}": "flow",
    "imports/{uid}": "import_job",
    "exports/{uid}": "export_job",
    "right-requests/{uid}": "right_request",
    "settings/{id}": "setting",
    "tasks/{id}": "task",
    "notifications/{id}": "notification",
    "facilities/{id}": "facility",
    "service-records/{id}": "service_record",
    "monthly-reports/{id}": "report",
    "claims/{id}": "claim",
    "stock-items/{id}": "stock_item",
    "stock-locations/{id}": "stock_location",
    "stock-lots/{id}": "stock_lot",
    "stock-movements/{id}": "stock_movement",
    "requisitions/{id}": "requisition",
    "marriages/{id}": "marriage",
    "children/{id}": "child",
    "fertility-certificates/{id}": "certificate",
    "pregnancies/{id}": "pregnancy",
    "applications/{id}": "application",
    "documents/{id}": "document",
    "birth-registrations/{id}": "birth",
    "disclosures/{id}": "disclosure",
    "outflow/{id}": "person",  # not an outflow migrant here: the 404 path (documented answer)
    "visits/{id}": "visit",
    "pending-departures/{id}": "pending_departure",
    "benefits/{id}": "benefit_list",
    "benefit-rows/{id}": "benefit_row",
    "benefit-payments/{id}": "benefit_payment",
    "benefit-programmes/{id}": "benefit_programme",
}


def _schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_schema(), config=CONFIG)
schema.app = WSGIHandler()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One community with its records, and a token for each caller; rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> dict:
    K = OrgUnit.Kind
    city = make_unit("340600000000", "淮北市", K.CITY)
    district = make_unit("340603000000", "相山区", K.DISTRICT, city)
    street = make_unit("340603020000", "示范街道", K.STREET, district)
    community = make_unit("340603020001", "丽景社区", K.COMMUNITY, street)
    grid = make_unit("34060302000101", "第1网格", K.GRID, community)
    callers = {
        "community": make_user("s_community", Role.COMMUNITY, community),
        "street": make_user("s_street", Role.STREET, street),
        "auditor": make_user("s_auditor", Role.AUDITOR, city),
    }
    colleague = make_user("s_colleague", Role.GRID, grid)
    admin = make_user("s_admin", Role.STREET, street, duty="admin")
    newcomer = make_user("s_newcomer", Role.COMMUNITY, community, rights=[])
    right_request = org_services.user_set_rights(
        actor=admin, user=newcomer, rights=rights_for(Role.COMMUNITY, "data"), reason="新到岗"
    )
    household = make_household(make_building(grid, "1号楼"), "101")
    person = make_person(household, name="王芳", phone="13912345678")
    registry_services.household_create(
        actor=None, building=household.building, number="102", is_rented=True, landlord=person
    )
    registered = registry_services.registered_household_create(
        actor=None, head=person, reason="建户"
    )
    retype_job = RetypeJob.objects.create(unit_code=community.code, reason="演示")

    client = Client()
    tokens = {}
    for role, user in callers.items():
        answer = client.post(
            "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.content
        tokens[role] = answer.json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {tokens['community']}"}
    started = client.post(
        "/api/v1/imports/",
        {"kind": "persons", "dry_run": "true", "file": _upload("p.csv", "姓名\n王芳\n")},
        **auth,
    )
    asked = client.post(
        "/api/v1/exports/", {"kind": "persons"}, content_type="application/json", **auth
    )
    assert started.status_code == asked.status_code == 202, (started.content, asked.content)
    # The shared pieces and the health services, on the same community.
    setting = rulebook_services.setting_create(
        actor=None,
        programme="p",
        key="k",
        value=1,
        region_prefix=community.code,
        valid_from=datetime.date(2026, 1, 1),
        reason="set-up",
    )
    task = duework_services.ensure_task(
        kind="k",
        source_key="s:1",
        title="任务",
        unit_code=community.code,
        due_date=datetime.date(2026, 1, 1),
        person=person,
    )
    notice = outbox_services.notify(
        key="n:1",
        kind="k",
        title="通报",
        person=person,
        from_unit_code=street.code,
        to_unit_code=community.code,
        due_date=datetime.date(2026, 1, 1),
    )
    station = health_services.facility_create(actor=None, name="站", kind="station", unit=community)
    hospital = health_services.facility_create(
        actor=None, name="院", kind="hospital", unit=district
    )
    record = health_services.service_record_create(
        actor=None,
        person=person,
        kind="procedure",
        date=datetime.date(2026, 1, 5),
        facility=hospital,
        cost=100,
    )
    report = health_services.report_generate(
        actor=None, unit=community, month=datetime.date(2026, 1, 1)
    )
    claim = health_services.claim_compile(
        actor=None, street=street, month=datetime.date(2026, 1, 1), hospital=hospital
    )
    marriage = registry_services.marriage_record(
        actor=None, husband=None, wife=person, values={"husband_name": "李雷"}
    )
    child = registry_services.child_record(
        actor=None, parent=person, values={"birth_date": datetime.date(2015, 5, 5), "sex": "M"}
    )
    certificate = registry_services.fertility_certificate_record(
        actor=None, person=person, values={"number": "SCHEMA-001"}
    )
    pregnancy = registry_services.pregnancy_record(actor=None, person=person, values={})
    # The desk: an application, an issued document, a birth registration, a disclosure.
    from shequ.desk import services as desk_services

    issued = desk_services.application_create(actor=None, person=person, kind="service_book")
    desk_services.application_accept(actor=None, application=issued)
    document = desk_services.application_issue(actor=None, application=issued).document
    application = desk_services.application_create(actor=None, person=person, kind="status_proof")
    birth = desk_services.birth_registration_create(
        actor=None,
        person=person,
        channel="desk",
        values={"stage": "after", "born_on": datetime.date(2026, 1, 2), "declaration": True},
    )
    disclosure = desk_services.disclosure_create(
        actor=None,
        unit=community,
        values={
            "category": "policy",
            "title": "政策",
            "body": "内容",
            "published_on": datetime.date(2026, 1, 1),
        },
    )
    stock = _build_supplies(street, community)
    # 每月一查: a visit that found one member away (onto the pending-departure list).
    away = make_person(household, name="李娜")
    visit = registry_services.visit_record(
        actor=callers["community"],
        household=household,
        date=timezone.localdate(),
        absent=[away],
    )
    pending = PendingDeparture.objects.get(person=away)
    # A benefit year of the street, confirmed, with the person added (a row and a payment).
    from shequ.benefits import services as benefit_services

    benefit_list = benefit_services.benefit_list_start(
        actor=None, unit=street, programme="reward_assistance", year=2026
    )
    benefit_services.benefit_list_compute(benefit_list)
    benefit_services.benefit_list_confirm(actor=None, benefit_list=benefit_list)
    benefit_row = benefit_services.row_add(
        actor=None, benefit_list=benefit_list, person=person, reason="接口测试增补"
    )
    return {
        "benefit_list": str(benefit_list.uid),
        "benefit_row": str(benefit_row.uid),
        "benefit_payment": str(benefit_row.payments.get().uid),
        "benefit_programme": "reward_assistance",
        **stock,
        "setting": str(setting.uid),
        "task": str(task.uid),
        "notification": str(notice.uid),
        "facility": str(station.uid),
        "service_record": str(record.uid),
        "report": str(report.uid),
        "claim": str(claim.uid),
        "marriage": str(marriage.uid),
        "child": str(child.uid),
        "certificate": str(certificate.uid),
        "pregnancy": str(pregnancy.uid),
        "application": str(application.uid),
        "document": str(document.uid),
        "birth": str(birth.uid),
        "disclosure": str(disclosure.uid),
        "visit": str(visit.uid),
        "pending_departure": str(pending.uid),
        "tokens": tokens,
        "unit": community.code,
        "colleague": str(colleague.uid),
        "division": "340603000000",
        "building": str(household.building.uid),
        "household": str(household.uid),
        "person": str(person.uid),
        "flow": str(person.flows.first().uid),
        "import_job": started.json()["id"],
        "export_job": asked.json()["id"],
        "right_request": str(right_request.uid),
        "registered_household": str(registered.uid),
        "retype_job": str(retype_job.uid),
    }


def _build_supplies(street, community) -> dict:
    """A street store, the community's room with a lot of condoms, and a requisition."""
    import datetime

    from shequ.supplies import services as supplies_services
    from shequ.supplies.models import Item, Location

    supplies_services.defaults_ensure()
    store = supplies_services.location_create(
        actor=None, unit_code=street.code, name="街道药具库", kind=Location.Kind.STREET_STORE
    )
    room = supplies_services.location_create(
        actor=None, unit_code=community.code, name="服务室", kind=Location.Kind.SERVICE_ROOM,
        supplier=store,
    )  # fmt: skip
    condom = Item.objects.get(code="condom-male")
    receipt = supplies_services.stock_receive(
        actor=None, location=room, item=condom, lot_number="S-1",
        expiry=datetime.date(2099, 1, 1), quantity=100,
    )  # fmt: skip
    requisition = supplies_services.requisition_submit(
        actor=None, location=room, lines={condom: 10}
    )
    return {
        "stock_item": str(condom.uid),
        "stock_location": str(room.uid),
        "stock_lot": str(receipt.lot.uid),
        "stock_movement": str(receipt.uid),
        "requisition": str(requisition.uid),
    }


def _upload(name: str, text: str):
    upload = io.BytesIO(text.encode("utf-8-sig"))
    upload.name = name
    return upload


@pytest.fixture(autouse=True)
def _one_connection():
    """Django's WSGI handler closes the database connection around each request, which
    would end the test's transaction; the test client turns that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(case, world: dict, role: str) -> None:
    for name in case.path_parameters or {}:
        segment = case.path.split(f"{{{name}}}")[0].rstrip("/").rsplit("/", 1)[-1]
        key = PATH_VALUES.get(f"{segment}/{{{name}}}")
        if key is None:
            pytest.fail(f"{case.path}: add '{segment}/{{{name}}}' to PATH_VALUES")
        if key not in world:
            pytest.fail(f"{case.path}: the caller's unit has no {key}; build one in _build_world")
        case.path_parameters[name] = world[key]
    case.call_and_validate(
        headers={"Authorization": f"Token {world['tokens'][role]}"}, checks=CHECKS
    )


@schema.parametrize()
def test_api_as_community_worker(case, world):
    call(case, world, "community")


@schema.parametrize()
def test_api_as_street_officer(case, world):
    call(case, world, "street")


@schema.include(method="GET").parametrize()
def test_api_reads_as_auditor(case, world):
    call(case, world, "auditor")
