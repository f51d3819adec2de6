"""Couples and families through the services: marital status derived from marriages,
children on both parents, newborns without an identity number, the facts with history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.registry import services
from shequ.registry.models import Child, Marriage, Person
from tests.factories import id_number, make_building, make_household, make_person

D = datetime.date


@pytest.fixture
def couple(tree):
    home = make_household(make_building(tree.grid_a1))
    wife = make_person(home, name="李芳", sex="F", birth_date=D(1990, 5, 17))
    husband = make_person(home, name="王强", sex="M", birth_date=D(1988, 3, 2))
    marriage = services.marriage_record(
        actor=None,
        husband=husband,
        wife=wife,
        values={"married_on": D(2014, 10, 1), "certificate_number": "J340603-2014-001234"},
    )
    return husband, wife, marriage


def test_marital_status_is_derived_from_the_marriage_records(couple):
    husband, wife, marriage = couple
    for p in (husband, wife):
        p.refresh_from_db()
        assert (p.marital_status, p.marriage_date) == ("married", D(2014, 10, 1))
    services.marriage_end(
        actor=None, marriage=marriage, end_reason="divorce", ended_on=D(2020, 1, 2), reason="离婚"
    )
    for p in (husband, wife):
        p.refresh_from_db()
        assert (p.marital_status, p.marriage_date) == ("divorced", None)
    # The history says who changed the status and why.
    assert wife.history.first().history_change_reason == "离婚"


def test_a_second_marriage_in_force_is_refused(couple, tree):
    husband, _wife, _ = couple
    with pytest.raises(ValidationError) as err:
        services.marriage_record(
            actor=None, husband=husband, wife=None, values={"wife_name": "赵敏"}
        )
    assert "存续" in str(err.value)


def test_an_outside_spouse_is_kept_on_the_marriage(tree):
    home = make_household(make_building(tree.grid_a1))
    wife = make_person(home, name="李芳", sex="F")
    number = id_number(D(1987, 1, 1), "M")
    marriage = services.marriage_record(
        actor=None,
        husband=None,
        wife=wife,
        values={
            "husband_name": "周建",
            "husband_id_number": number,
            "husband_hukou_division": "340603000000",
        },
    )
    assert (marriage.husband_display, marriage.husband_id_number) == ("周建", number)
    with pytest.raises(ValidationError):  # a woman's number on the husband's side
        services.marriage_update(
            actor=None,
            marriage=marriage,
            values={"husband_id_number": id_number(D(1987, 1, 1), "F")},
            reason="更正",
        )


def test_a_child_appears_on_both_parents(couple):
    husband, wife, marriage = couple
    child = services.child_record(
        actor=None,
        parent=wife,
        values={"birth_date": D(2016, 4, 4), "sex": "M", "name": "王小强"},
    )
    assert (child.mother, child.father, child.marriage) == (wife, husband, marriage)
    for p in (husband, wife):
        p.refresh_from_db()
        assert p.children_count == 1
        assert list(
            Child.objects.filter(pk=child.pk).filter(
                **{("mother" if p.sex == "F" else "father"): p}
            )
        )
    services.child_update(
        actor=None,
        child=child,
        values={"death_date": D(2019, 1, 1), "disability_grade": "2"},
        reason="死亡登记",
    )
    husband.refresh_from_db()
    assert husband.children_count == 0


def test_children_from_the_person_form_go_on_both_parents(couple):
    husband, wife, _ = couple
    services.person_update(
        actor=None,
        person=wife,
        values={"children_count": None},  # derived from the rows listed
        children=[{"order": 1, "birth_date": D(2015, 6, 1), "sex": "F", "name": "王丽"}],
        reason="补录子女",
    )
    child = Child.objects.get()
    assert (child.mother_id, child.father_id) == (wife.pk, husband.pk)
    husband.refresh_from_db()
    assert husband.children_count == 1


def test_a_newborn_without_an_identity_number(couple, people):
    husband, wife, _ = couple
    baby = services.newborn_register(
        actor=people.worker_a,
        parent=wife,
        values={
            "name": "王宝宝",
            "sex": "F",
            "birth_date": D(2026, 11, 20),
            "birth_certificate_number": "P340123456",
        },
        today=D(2026, 12, 6),
    )
    assert baby.id_number is None and baby.birth_certificate_number == "P340123456"
    child = Child.objects.get(person=baby)
    assert (child.mother_id, child.father_id) == (wife.pk, husband.pk)
    with pytest.raises(ValidationError):  # the number must agree with the birth date
        services.person_issue_id_number(
            actor=people.worker_a, person=baby, id_number=id_number(D(2026, 11, 21), "F")
        )
    number = id_number(D(2026, 11, 20), "F")
    services.person_issue_id_number(actor=people.worker_a, person=baby, id_number=number)
    baby.refresh_from_db()
    assert baby.id_number == number
    assert baby.history.first().history_change_reason == "补录身份证号码"
    # Several newborns without numbers are no clash.
    services.newborn_register(
        actor=None,
        parent=wife,
        values={
            "name": "王二宝",
            "sex": "M",
            "birth_date": D(2026, 11, 20),
            "birth_certificate_number": "P340123457",
        },
        today=D(2026, 12, 6),
    )
    assert Person.objects.filter(id_number__isnull=True).count() == 1


def test_outside_the_jurisdiction_no_marriage_is_recorded(couple, people):
    _husband, _wife, marriage = couple
    with pytest.raises(PermissionDenied):
        services.marriage_end(
            actor=people.worker_b, marriage=marriage, end_reason="divorce", ended_on=None
        )


def test_pregnancy_needs_the_health_right(couple, people):
    _husband, wife, _ = couple
    people.grid_a1.data_rights = []
    with pytest.raises(PermissionDenied):
        services.pregnancy_record(actor=people.grid_a1, person=wife, values={})
    p = services.pregnancy_record(
        actor=people.worker_a,
        person=wife,
        values={"expected_on": D(2027, 3, 1)},
        today=D(2026, 12, 6),
    )
    assert p.ongoing and Marriage.objects.count() == 1


def test_marital_status_is_not_typed_beside_the_marriage_records(couple):
    _husband, wife, _ = couple
    with pytest.raises(ValidationError) as err:
        services.person_update(
            actor=None,
            person=wife,
            values={"marital_status": "single", "marriage_date": None},
            reason="改为未婚",
        )
    assert "婚姻记录" in str(err.value)
    services.person_update(actor=None, person=wife, values={"phone": "13800000000"}, reason="电话")
