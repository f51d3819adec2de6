"""The same people registered on the page, by an import and by the demo are stored alike:
every field, flow, child and history row (ids, timestamps, actors and the reasons that
name the path apart)."""

import datetime
import io
import random
import types

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from shequ.registry import services
from shequ.registry.demo.people import ChildPlan, Generator, Home
from shequ.registry.demo.writer import AreaWriter
from shequ.registry.models import (
    Building,
    Child,
    Flow,
    Household,
    Marriage,
    Person,
    RegisteredHousehold,
    RegisteredHouseholdMember,
)
from shequ.registry.tables import PERSONS
from tests.factories import DUJI, HEFEI_YAOHAI, XIANGSHAN, make_building, make_household
from tests.factories import id_number as new_id_number

CITY = "3406"
GRID_A1 = "34060302000101"
TODAY = datetime.date.today()

LOCAL = {
    "name": "张三",
    "sex": "M",
    "birth_date": datetime.date(1988, 1, 2),
    "hukou_division": XIANGSHAN,
    "hukou_address": "相山区人民路1号",
    "marital_status": "married",
    "marriage_date": datetime.date(2012, 5, 1),
    "children_count": 1,
    "employment": "employed",
    "employer_name": "淮北矿业",
    "phone": "13812345678",
    "education": "bachelor",
}
SEPARATED = {
    "name": "李四",
    "sex": "F",
    "birth_date": datetime.date(1992, 3, 4),
    "hukou_division": DUJI,
    "marital_status": "single",
    "children_count": 0,
}
MIGRANT = {
    "name": "王芳",
    "sex": "F",
    "birth_date": datetime.date(1990, 5, 17),
    "hukou_division": HEFEI_YAOHAI,
    "hukou_address": "合肥市瑶海区长江路2号",
    "marital_status": "married",
    "marriage_date": datetime.date(2012, 10, 1),
    "children_count": 2,
    "contraception": "iud",
    "contraception_since": datetime.date(2019, 1, 1),
    "employment": "flexible",
    "flow_in_date": datetime.date(2023, 3, 1),
    "flow_in_reason": "work",
}
CHILDREN = [
    {"order": 1, "birth_date": datetime.date(2014, 3, 2), "sex": "F", "name": ""},
    {"order": 2, "birth_date": datetime.date(2018, 7, 1), "sex": "M", "name": "小明"},
]


# 与户主关系 as stated (the 户口簿 keep it): the local heads a household; the 人户分离
# spouse, registered elsewhere, stays outside it; the migrant heads her own.
RELATIONS = ("head", "spouse", "head")
# The migrant's husband lives outside the registry: the marriage keeps his facts.
OUTSIDE_HUSBAND = {"name": "陈强", "birth_date": datetime.date(1988, 2, 3)}


@pytest.fixture
def people_to_register(tree):
    make_building(tree.grid_a1, "1号楼")
    return [
        # (facts, home number, children)
        ({**LOCAL, "id_number": new_id_number(LOCAL["birth_date"], "M")}, "101", [CHILDREN[0]]),
        ({**SEPARATED, "id_number": new_id_number(SEPARATED["birth_date"])}, "101", []),
        ({**MIGRANT, "id_number": new_id_number(MIGRANT["birth_date"])}, "102", CHILDREN),
    ]


@pytest.fixture
def outside_husband():
    return new_id_number(OUTSIDE_HUSBAND["birth_date"], "M", region="340102")


def through_the_page_service(actor, to_register, husband_number):
    homes = {}
    for (facts, number, children), relation in zip(to_register, RELATIONS, strict=True):
        if number not in homes:
            homes[number] = make_household(_building(), number)
        person = services.person_register(
            actor=actor,
            values=facts,
            household=homes[number],
            children=children,
            relation=relation,
        )
    # 登记婚姻 on the migrant's page, her husband outside the registry.
    services.marriage_record(
        actor=actor,
        husband=None,
        wife=person,
        values={
            "husband_name": OUTSIDE_HUSBAND["name"],
            "husband_id_number": husband_number,
            "married_on": MIGRANT["marriage_date"],
        },
    )


def through_the_import(api, actor, to_register, husband_number):
    rows = [
        {
            **facts,
            "unit": GRID_A1,
            "building": "1号楼",
            "household": number,
            "children": children,
            "relation": relation,
        }
        for (facts, number, children), relation in zip(to_register, RELATIONS, strict=True)
    ]
    rows[2] |= {"spouse_id_number": husband_number, "spouse_name": OUTSIDE_HUSBAND["name"]}
    out = io.BytesIO()
    PERSONS.write(rows, out, fmt="csv")
    response = api.as_(actor).post(
        "/api/v1/imports/",
        {"kind": "persons", "file": SimpleUploadedFile("人员.csv", out.getvalue())},
        format="multipart",
    )
    assert response.status_code == 202, response.data
    assert (response.data["status"], response.data["created"]) == ("succeeded", 3), response.data


class _NoChecksRandom(random.Random):
    """The demo's made-up 每月一查/季度核对 are left out: every draw says "not done"."""

    def random(self):
        return 0.99


def through_the_demo_writer(to_register):
    ctx = types.SimpleNamespace(rng=lambda _name: _NoChecksRandom(1))
    gen = Generator(ctx, TODAY, places=None)
    homes: dict[str, Home] = {}
    for (facts, number, children), relation in zip(to_register, RELATIONS, strict=True):
        values = {k: v for k, v in facts.items() if k != "hukou_division"}
        person = Person(hukou_division_id=facts["hukou_division"], **values)
        person.relation = relation  # as the demo's generator states it
        home = homes.get(number)
        if home is None:
            household = Household(
                uid=gen.uid(), building=_building(), unit_id=GRID_A1, number=number
            )
            migrant = facts["hukou_division"] == HEFEI_YAOHAI
            home = homes[number] = Home([], "own", migrant=migrant, household=household)
        home.members.append(person)
        home.children += [ChildPlan(parent=person, **c) for c in children]
    writer = AreaWriter(gen, CITY)
    writer.add(types.SimpleNamespace(homes=list(homes.values()), inactive=[], buildings=[]))
    writer.save()


def _building() -> Building:
    return Building.objects.get(name="1号楼")


# What legitimately differs between two registrations of the same facts (keys from sequences,
# which PostgreSQL does not roll back; a child's parents are compared by identity number).
VOLATILE = {
    "id",
    "uid",
    "household_id",
    "registered_at",
    "updated_at",
    "person_id",
    "parent_id",
    "mother_id",
    "father_id",
}
HISTORY_VOLATILE = {"history_id", "history_date", "history_user_id", "history_change_reason"}
MEMBER_VOLATILE = {"household_id", "join_reason"}  # the reason names the path, as history's


def marriages():
    """The marriages stored, each side by identity number (or the outside side's facts)."""
    return [
        {
            **_fields(m, Marriage, VOLATILE | {"husband_id", "wife_id", "created_at"}),
            "husband": m.husband.id_number if m.husband else None,
            "wife": m.wife.id_number if m.wife else None,
            "history": m.history.count(),
        }
        for m in Marriage.objects.select_related("husband", "wife").order_by("id")
    ]


def stored():
    """Everything stored about the registered persons, by identity number, and the reasons
    of their history rows apart."""
    records, reasons = {}, {}
    for person in Person.objects.select_related("household").order_by("id_number"):
        home = person.household.number
        facts = _fields(person, Person, VOLATILE)
        history = [
            _fields(h, Person.history.model, VOLATILE | HISTORY_VOLATILE)
            for h in person.history.order_by("history_id")
        ]
        flows = [
            {
                **_fields(f, Flow, VOLATILE | {"created_at", "actor_id", "to_household_id"}),
                "to_home": f.to_household.number,
            }
            for f in Flow.objects.filter(person=person).order_by("kind")
        ]
        children = [
            {
                **_fields(c, Child, VOLATILE),
                "parents": [p.id_number if p else None for p in (c.mother, c.father)],
                "history": [
                    _fields(h, Child.history.model, VOLATILE | HISTORY_VOLATILE)
                    for h in c.history.all()
                ],
            }
            for c in person.children.order_by("order")
        ]
        member = (
            RegisteredHouseholdMember.objects.select_related("household__head")
            .filter(person=person)
            .first()
        )
        booklet = None
        if member is not None:
            booklet = {
                **_fields(member, RegisteredHouseholdMember, VOLATILE | MEMBER_VOLATILE),
                "head": member.household.head.id_number,
                "household": _fields(
                    member.household, RegisteredHousehold, VOLATILE | {"head_id", "created_at"}
                ),
                "history": member.history.count(),
            }
        records[person.id_number] = {
            "booklet": booklet,
            "facts": facts,
            "home": home,
            "history": history,
            "flows": flows,
            "children": children,
        }
        reasons[person.id_number] = {h.history_change_reason for h in person.history.all()} | {
            h.history_change_reason for c in person.children.all() for h in c.history.all()
        }
    return records, reasons


def _fields(obj, model, skip):
    return {
        f.attname: getattr(obj, f.attname)
        for f in model._meta.concrete_fields
        if f.attname not in skip
    }


def rolled_back(write):
    with transaction.atomic():
        write()
        result = (*stored(), marriages())
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db(transaction=False)
def test_page_import_and_demo_store_the_same_people_alike(
    api, people, people_to_register, outside_husband
):
    actor = people.worker_a  # a community worker: data duty
    husband = outside_husband
    page, page_reasons, page_marriages = rolled_back(
        lambda: through_the_page_service(actor, people_to_register, husband)
    )
    imported, import_reasons, import_marriages = rolled_back(
        lambda: through_the_import(api, actor, people_to_register, husband)
    )
    demo, demo_reasons, _demo_marriages = rolled_back(
        lambda: through_the_demo_writer(people_to_register)
    )

    local, separated, migrant = (facts["id_number"] for facts, _n, _c in people_to_register)
    assert [page[n]["facts"]["population_type"] for n in (local, separated, migrant)] == [
        "resident",
        "separated",
        "inflow",
    ]
    assert page[migrant]["facts"]["eight_clear_missing"] == ""  # all eight facts given
    assert page[local]["facts"]["name_pinyin"] == "zhangsan"

    # The entry flow of a local: the page's registration is dated today with the reason
    # given (none); the demo makes up when it happened; an import records none (its history
    # row names the file and the row).
    for number in (local, separated):
        page_flow, demo_flow = page[number].pop("flows"), demo[number].pop("flows")
        assert [f["kind"] for f in page_flow] == ["registration"]
        assert (page_flow[0]["date"], page_flow[0]["reason"]) == (TODAY, "")
        assert [f["kind"] for f in demo_flow] == ["registration"]
        assert demo_flow[0]["reason"] == "建档"
        for flow in (page_flow[0], demo_flow[0]):
            del flow["date"], flow["reason"]
        assert demo_flow == page_flow
        assert imported[number].pop("flows") == []
    assert [f["kind"] for f in page[migrant]["flows"]] == ["arrival"]
    assert page[migrant]["flows"][0]["date"] == MIGRANT["flow_in_date"]
    assert page[migrant]["flows"][0]["reason"] == "务工经商"

    # 与户主关系 went to the 户口簿 alike: the local and the migrant head one each, the
    # spouse registered elsewhere (人户分离) is on none.
    assert page[local]["booklet"]["relation"] == "head"
    assert page[separated]["booklet"] is None
    assert page[migrant]["booklet"]["head"] == migrant
    # The marriage with someone outside the registry, recorded by the page's service.
    assert len(page_marriages) == 1 and page_marriages[0]["husband_name"] == "陈强"
    assert import_marriages == page_marriages

    assert imported == page
    assert demo == page
    assert all(r == {"人来登记"} for r in page_reasons.values())
    assert [import_reasons[n] for n in (local, separated, migrant)] == [
        {f"导入：人员.csv 第{row}行"} for row in (2, 3, 4)
    ]
    assert all(r == {"演示数据"} for r in demo_reasons.values())
