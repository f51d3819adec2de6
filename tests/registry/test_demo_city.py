"""The registry's demo data on one small city (``--persons 400``): valid and consistent records.

The city is loaded once for the module (a load costs seconds whatever its size) and rolled
back after it; the tests only read it, each in a savepoint of its own.
"""

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from shequ.core.identifiers import parse_id_number
from shequ.org.models import OrgUnit
from shequ.registry import services
from shequ.registry.models import (
    Building,
    Child,
    Household,
    MaritalStatus,
    Person,
    PersonStatus,
    PopulationType,
)
from shequ.registry.rules import derive_population_type
from shequ.registry.validation import PERSON_FIELDS, validate_person
from tests.registry.test_demo import CITY, MODEL_STREET, load_demo, street_figures

pytestmark = pytest.mark.django_db

SMALL = 400


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo city at 400 active persons (seed 3): its load's output."""
    # DEBUG=1: the demo loads only so, as `make demo` runs it.
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        yield load_demo(persons=SMALL, seed=3)
        transaction.set_rollback(True)


def test_persons_option_sets_the_number_of_active_persons_of_the_city(small_demo):
    assert Person.objects.filter(status=PersonStatus.ACTIVE).count() == SMALL
    assert street_figures(MODEL_STREET)["persons"] < SMALL


def test_every_identity_number_is_valid_and_agrees_with_birth_date_and_sex(small_demo):
    today = timezone.localdate()
    wrong = []
    numbered = Person.objects.exclude(id_number=None)
    for number, birth_date, sex in numbered.values_list("id_number", "birth_date", "sex"):
        info = parse_id_number(number, today=today)  # raises on a bad check digit or region
        if (info.birth_date, info.sex) != (birth_date, sex):
            wrong.append(number)

    assert Person.objects.count() > SMALL  # departed and deceased records on top
    assert wrong == []


def test_every_person_has_the_population_type_their_places_give(small_demo):
    wrong = []
    for person in Person.objects.all():
        derived = derive_population_type(
            hukou_code=person.hukou_division_id, residence_code=person.unit_id, city_prefix=CITY
        )
        if person.population_type == PopulationType.OUTFLOW:
            # Registered here, living elsewhere: a 户籍 of the city and a destination outside.
            ok = derived != PopulationType.INFLOW and not person.flow_out_division_id.startswith(
                CITY
            )
        else:
            ok = person.population_type == derived
        if not ok:
            wrong.append((person.name, person.population_type, derived))

    assert wrong == []
    assert {p for p in Person.objects.values_list("population_type", flat=True)} == set(
        PopulationType.values
    )


def test_every_person_passes_the_registry_validation(small_demo):
    today = timezone.localdate()
    children: dict[int, list[dict]] = {}
    fields = ("parent_id", "order", "birth_date", "sex", "is_living", "death_date")
    for child in Child.objects.values(*fields):
        children.setdefault(child.pop("parent_id"), []).append(child)
    problems = {}
    # Newborns without an identity number yet are registered by their birth certificate
    # (services.newborn_register), not through the person form's validation.
    for person in Person.objects.exclude(id_number=None):
        values = {field: getattr(person, field) for field in PERSON_FIELDS}
        values["hukou_division"] = person.hukou_division_id
        _cleaned, errors = validate_person(
            values, today=today, children=children.get(person.pk, [])
        )
        if errors:
            problems[person.name] = errors
        person.full_clean(exclude=["household", "unit", "hukou_division"])

    assert problems == {}


def test_derived_fields_are_those_the_services_compute(small_demo):
    today = timezone.localdate()
    stale = []
    for person in Person.objects.select_related("household"):
        stored = (person.name_initials, person.name_pinyin, person.eight_clear_missing)
        services.refresh_derived(person, today=today)
        if stored != (person.name_initials, person.name_pinyin, person.eight_clear_missing):
            stale.append(person.name)

    assert stale == []


def test_some_migrants_have_incomplete_eight_clear_facts(small_demo):
    inflow = Person.objects.filter(population_type=PopulationType.INFLOW, status="active")

    incomplete = inflow.exclude(eight_clear_missing="").count()
    assert 0 < incomplete < inflow.count() / 10


def test_rented_homes_have_a_landlord_of_the_community_or_a_name_and_phone(small_demo):
    rented = Household.objects.filter(is_rented=True).select_related("landlord")

    assert rented.exists()
    for home in rented:
        if home.landlord is not None:
            community = OrgUnit.prefix_for(home.unit_id[:12])
            assert home.landlord.unit_id.startswith(community)
        else:
            assert home.landlord_name and home.landlord_phone


def test_migrants_mostly_live_in_rented_homes(small_demo):
    inflow = Person.objects.filter(population_type=PopulationType.INFLOW, status="active")

    assert inflow.filter(household__is_rented=True).count() > inflow.count() * 0.6


def test_every_community_and_village_has_buildings(small_demo):
    units = OrgUnit.objects.filter(kind__in=["community", "village", "compound"])
    with_buildings = {code[:12] for code in Building.objects.values_list("unit_id", flat=True)}

    assert {u.code for u in units} <= with_buildings


def test_marriages_and_methods_have_plausible_dates(small_demo):
    today = timezone.localdate()
    married = Person.objects.exclude(marriage_date=None)
    assert not married.filter(marriage_date__gt=today).exists()
    # People born since 1970 married under today's law: women at 20, men at 22 or later.
    for sex, age in (("F", 20), ("M", 22)):
        too_young = [
            p
            for p in married.filter(sex=sex, birth_date__year__gte=1970)
            if p.marriage_date < p.birth_date.replace(year=p.birth_date.year + age)
        ]
        assert too_young == [], too_young[:3]
    starts = list(
        Person.objects.exclude(contraception_since=None).values_list(
            "contraception_since", flat=True
        )
    )
    busiest = max(starts.count(day) for day in set(starts))
    assert busiest <= max(3, len(starts) // 100)


def test_couples_are_marriages_and_children_are_on_both_parents(small_demo):
    from django.db.models import Q

    from shequ.registry.models import Marriage
    from shequ.registry.rules import children_count_of, marital_status_of, marriage_date_of

    wrong = []
    for person in Person.objects.all():
        rows = list(Marriage.objects.filter(Q(husband=person) | Q(wife=person)))
        died = person.ended_on if person.status == PersonStatus.DECEASED else None
        derived = marital_status_of(rows, person.marital_status, died_on=died)
        if person.marital_status != MaritalStatus.SINGLE and not rows:
            wrong.append((person.name, "no marriage record"))
        if (derived, marriage_date_of(rows)) != (person.marital_status, person.marriage_date):
            wrong.append((person.name, person.marital_status, derived))
        kids = Child.objects.filter(Q(mother=person) | Q(father=person))
        if kids and children_count_of(kids, person.children_count) != person.children_count:
            wrong.append((person.name, "children count"))
    assert wrong == []
    both = Child.objects.filter(mother__isnull=False, father__isnull=False)
    assert both.exists()
    # Husbands living with their wives have the couple's children on their own record.
    assert Child.objects.filter(father__isnull=False, parent=F("mother")).exists()
    assert not Child.objects.filter(marriage=None).exclude(parent__marital_status="single").exists()
