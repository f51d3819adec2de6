"""The registry's demo data: 示范街道's seed figures and determinism (the records' validity and
consistency: test_demo_city.py, on one small city)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from shequ.core.text import prefix_q
from shequ.registry.models import (
    Child,
    Contraception,
    MaritalStatus,
    Person,
    PersonStatus,
    PopulationType,
    Sex,
)
from shequ.registry.rules import (
    WCBA_MAX_AGE,
    WCBA_MIN_AGE,
    birth_date_bounds_for_age,
)

MODEL_STREET = "340603020"  # 示范街道's code prefix
CITY = "3406"


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True  # the demo loads only with DEBUG=1, as `make demo` runs it


def load_demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def street_figures(prefix: str) -> dict[str, int]:
    """The seed's figures, counted the way the lists count them."""
    active = Person.objects.filter(prefix_q("unit_id", prefix), status=PersonStatus.ACTIVE)
    earliest, latest = birth_date_bounds_for_age(timezone.localdate(), WCBA_MIN_AGE, WCBA_MAX_AGE)
    wcba = active.filter(sex=Sex.FEMALE, birth_date__gte=earliest, birth_date__lte=latest)
    married = wcba.filter(marital_status=MaritalStatus.MARRIED)
    inflow_wcba = wcba.filter(population_type=PopulationType.INFLOW)
    no_method = ["", Contraception.NONE]
    return {
        "persons": active.count(),
        "inflow": active.filter(population_type=PopulationType.INFLOW).count(),
        "married_wcba": married.count(),
        # Stored encrypted: counted after reading.
        "married_wcba_method": sum(
            1 for m in married.values_list("contraception", flat=True) if m not in no_method
        ),
        "inflow_wcba": inflow_wcba.count(),
        "inflow_wcba_method": sum(
            1 for m in inflow_wcba.values_list("contraception", flat=True) if m not in no_method
        ),
    }


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.django_db
def test_model_street_has_the_seed_figures_at_the_default_size():
    output = load_demo()

    assert street_figures(MODEL_STREET) == {
        "persons": 21_333,
        "inflow": 4_873,
        "married_wcba": 5_227,
        "married_wcba_method": 4_827,
        "inflow_wcba": 1_213,
        "inflow_wcba_method": 1_037,
    }
    assert "示范街道: 7 units" in output
    # Seed 001: 出生141人，怀孕99人，光荣证378对，持证/验证1557人.
    street = prefix_q("unit_id", MODEL_STREET)
    from shequ.registry.models import FertilityCertificate, Marriage, Pregnancy

    year_ago = timezone.localdate() - datetime.timedelta(days=365)
    in_street = Person.objects.filter(street)
    assert (
        Child.objects.filter(
            prefix_q("parent__unit_id", MODEL_STREET),
            birth_date__gt=year_ago,
            parent__status=PersonStatus.ACTIVE,
        ).count()
        == 141
    )
    assert Pregnancy.objects.filter(person__in=in_street, outcome="").count() == 99
    assert (
        Marriage.objects.filter(
            prefix_q("wife__unit_id", MODEL_STREET) | prefix_q("husband__unit_id", MODEL_STREET)
        )
        .exclude(honor_certificate_number="")
        .count()
        == 378
    )
    assert (
        FertilityCertificate.objects.filter(person__in=in_street, verified_on__isnull=False).count()
        == 1557
    )


def person_snapshot() -> list[tuple]:
    # Sorted by identity number after reading: the column is encrypted.
    return sorted(
        Person.objects.values_list(
            "uid",
            "id_number",
            "name",
            "sex",
            "birth_date",
            "unit_id",
            "household__building__name",
            "household__number",
            "population_type",
            "status",
            "marital_status",
            "marriage_date",
            "contraception",
            "hukou_division_id",
            "hukou_address",
            "phone",
            "employer_name",
            "flow_in_date",
        ),
        key=lambda row: (row[1] or "", str(row[0])),
    )


def snapshot_of_demo(**options) -> list[tuple]:
    """Load the demo, read its persons and roll the load back (an empty database again)."""
    with transaction.atomic():
        load_demo(**options)
        snapshot = person_snapshot()
        transaction.set_rollback(True)
    return snapshot


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_persons_and_another_seed_others():
    first = snapshot_of_demo(persons=300, seed=7)
    other = snapshot_of_demo(persons=300, seed=8)

    assert snapshot_of_demo(persons=300, seed=7) == first
    assert len(first) >= 300
    assert {row[1] for row in other} != {row[1] for row in first}


def test_demo_refuses_a_database_that_is_not_empty(db):
    load_demo(persons=0)

    with pytest.raises(CommandError, match="--reset"):
        load_demo(persons=0)
