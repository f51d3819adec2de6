"""Eligibility for a programme, a unit and a year: THE one computation the list, the pages,
the API, the demo and the benchmark all use.

Set-based: the persons a unit may pay (living there, or registered there and living
elsewhere), narrowed by the programme's first condition in SQL (age, a child who died or is
disabled, a 光荣证), then their marriages, children and declarations in one query each —
a constant number of queries whatever the unit's size — and each person's conditions in
Python (``rules``), with the rule values of the person's place from one read of the
rulebook. Asked for named persons (``person_ids``), it skips the narrowing: every condition
is answered, the first one included.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import translation

from shequ.benefits import rules
from shequ.benefits.models import Confirmation
from shequ.benefits.rules import Programme, Result
from shequ.core.identifiers import mask_id_number, parse_id_number
from shequ.core.text import prefix_q
from shequ.jobs.pipeline import fewer_collections
from shequ.org.models import OrgUnit
from shequ.registry.models import (
    AWAY_FROM_HUKOU,
    Child,
    HukouNature,
    Marriage,
    Person,
    PersonStatus,
)
from shequ.rulebook.selectors import RuleTable, rules_in_force

PERSON_FIELDS = (
    "id",
    "name",
    "sex",
    "birth_date",
    "hukou_division_id",
    "hukou_nature",
    "unit_id",
    "status",
)
# A registry spouse's facts, read by id when the spouse is not one of the persons asked about.
SIDE_FIELDS = ("id", "name", "birth_date", "hukou_nature", "unit_id", "status")
SIDES = (("husband", "wife"), ("wife", "husband"))
CHILD_FIELDS = (
    "mother_id",
    "father_id",
    "sex",
    "birth_date",
    "is_living",
    "death_date",
    "disability_grade",
)
PROGRESS_EVERY = 5000


@dataclass
class Answer:
    """One person's answer with what a list row keeps of them."""

    result: Result
    facts: rules.PersonFacts
    person: dict[str, Any]  # the PERSON_FIELDS (and ``id_number`` when asked for)
    unit_code: str  # where the row hangs: the residence when inside the unit, else 户籍地

    @property
    def frozen_facts(self) -> dict[str, Any]:
        """The facts as a row keeps them (JSON)."""
        f = self.facts
        spouse = f.spouse
        return {
            "birth_date": f.birth_date.isoformat(),
            "hukou": f.hukou,
            "hukou_nature": f.hukou_nature,
            "residence": f.residence,
            "spouse": None
            if spouse is None
            else {
                "name": spouse.name,
                "registry": spouse.registry,
                "birth_date": spouse.birth_date.isoformat() if spouse.birth_date else None,
                "hukou_nature": spouse.hukou_nature,
                "residence": spouse.residence,
            },
            "children": [
                {
                    "sex": c.sex,
                    "birth_date": c.birth_date.isoformat(),
                    "living": c.living,
                    "death_date": c.death_date.isoformat() if c.death_date else None,
                    "disability_grade": c.disability_grade,
                }
                for c in f.children
            ],
            "certificate": None
            if f.certificate is None
            else {
                "number": f.certificate.number,
                "issued_on": f.certificate.issued_on.isoformat()
                if f.certificate.issued_on
                else None,
                "payee": f.certificate.payee,
            },
            "confirmations": dict(f.confirmations),
            "rules": {k: v for k, v in self.result.rules.items()},
        }


@dataclass
class Eligibility:
    programme: str
    year: int
    unit: OrgUnit
    basis_on: datetime.date
    answers: list[Answer] = field(default_factory=list)
    table: RuleTable | None = None

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        for answer in self.answers:
            found[answer.result.outcome] += 1
        return dict(found)


def basis_date(year: int) -> datetime.date:
    """The day whose rules decide a year's amounts and thresholds: 1 January."""
    return datetime.date(year, 1, 1)


def candidates(
    programme: str, unit: OrgUnit, year: int, table: RuleTable
) -> list[QuerySet[Person]]:
    """The persons of the unit the programme's first condition leaves (in SQL), as two
    disjoint parts an index serves each: those living in the unit, and those registered in
    it living elsewhere (the partial index of persons away from their 户籍地; on PostgreSQL
    their ids are read here, the part is then empty when none)."""
    if programme == Programme.REWARD:
        min_age = table.minimum(rules.rule_key(programme, "min_age")) or 60
        # Aged 60+ and not registered 非农业: a rural programme (a person whose hukou type is
        # unknown or 居民户口 stays, to be checked). Asked for by name, an urban person is
        # answered with the reason.
        gate = Q(birth_date__lte=datetime.date(year - int(min_age), 12, 31)) & ~Q(
            hukou_nature=HukouNature.NON_AGRICULTURAL
        )
    elif programme == Programme.SPECIAL:
        hit = Child.objects.filter(Q(is_living=False) | ~Q(disability_grade=""))
        gate = Q(pk__in=hit.filter(mother__isnull=False).values("mother_id")) | Q(
            pk__in=hit.filter(father__isnull=False).values("father_id")
        )
    else:
        holders = Marriage.objects.filter(honor_certificate_number__gt="")
        gate = Q(pk__in=holders.filter(wife__isnull=False).values("wife_id")) | Q(
            pk__in=holders.filter(husband__isnull=False).values("husband_id")
        )
    active = Person.objects.filter(status=PersonStatus.ACTIVE)
    living_here = active.filter(gate, prefix_q("unit_id", unit.prefix))
    elsewhere = active.filter(prefix_q("hukou_division_id", unit.prefix), AWAY_FROM_HUKOU).exclude(
        prefix_q("unit_id", unit.prefix)
    )
    if connection.vendor != "postgresql":
        return [living_here, elsewhere.filter(gate)]
    # PostgreSQL cannot estimate the partial index's condition: asked for these persons'
    # rows it read every person living outside the unit (0.4 s for none at 1M). Their ids
    # alone come from the index (an index-only scan), then the rows by id.
    away = list(elsewhere.order_by().values_list("pk", flat=True))
    if not away:
        return [living_here]
    by_id = '"registry_person"."id" = ANY(%s::bigint[])'
    return [living_here, active.filter(gate).extra(where=[by_id], params=[_id_array(away)])]  # noqa: S610


def _where_in(
    queryset: QuerySet, fields: tuple[str, ...], ids: list[int], *values: str
) -> Iterator[dict]:
    """The rows of ``queryset`` whose ``fields`` (any of them) hold one of ``ids``, each row
    once: on PostgreSQL one query per field (the ids as one array parameter, which the
    field's index serves), elsewhere chunks of ids (SQLite limits a statement's parameters;
    a street's lists fit one chunk)."""
    if not ids:
        return
    seen: set[int] = set()
    if connection.vendor == "postgresql":
        # One query per field (an OR of two arrays made the planner scan the table).
        meta = queryset.model._meta
        array = _id_array(ids)
        for f in fields:
            where = f'"{meta.db_table}"."{meta.get_field(f).column}" = ANY(%s::bigint[])'
            # Names from the model, the ids bound as a parameter: nothing of a user in the SQL.
            rows = queryset.extra(where=[where], params=[array]).values("pk", *values)  # noqa: S610
            for row in rows:
                if row["pk"] not in seen:
                    seen.add(row["pk"])
                    yield row
        return
    for chunk in _chunks(ids):
        condition = Q()
        for f in fields:
            condition |= Q(**{f"{f}__in": chunk})
        for row in queryset.filter(condition).values("pk", *values):
            if row["pk"] not in seen:
                seen.add(row["pk"])
                yield row


def _id_array(ids: Collection[int]) -> str:
    """Ids as one PostgreSQL array text (``= ANY(%s::bigint[])``): a list parameter was
    quoted id by id in Python, a tenth of a second for a district's 100,000."""
    return "{" + ",".join(map(str, ids)) + "}"


def _chunks(items: list, size: int = 5000) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def eligibility(
    *,
    unit: OrgUnit,
    year: int,
    programme: str,
    person_ids: Collection[int] | None = None,
    with_identity: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Eligibility:
    """Who is eligible for ``programme`` in ``year`` among the persons ``unit`` pays, each
    with the reason for every condition met or not; ``person_ids``: these persons only,
    every condition answered. ``with_identity``: read the identity numbers too (a list's
    masked column). Raises ``rulebook.selectors.RuleMissing`` when a rule has no value."""
    if programme not in Programme.values:
        raise ValueError(programme)
    on = basis_date(year)
    table = rules_in_force(rules.RULE_PROGRAMME, on=on, within=unit.prefix)
    found = Eligibility(programme, year, unit, on, table=table)
    if person_ids is not None:
        parts = [Person.objects.filter(pk__in=list(person_ids))]
    else:
        parts = candidates(programme, unit, year, table)
    fields = (*PERSON_FIELDS, "id_number") if with_identity else PERSON_FIELDS
    # A district's answers are a million small objects, alive until the caller is done:
    # without this the cyclic collector rescanned them all the time (40 % of the CPU).
    with fewer_collections():
        persons = [row for part in parts for row in part.order_by().values(*fields)]
        found.answers = _answers(found, persons, progress)
    return found


def _answers(
    found: Eligibility,
    persons: list[dict[str, Any]],
    progress: Callable[[int, int], None] | None,
) -> list[Answer]:
    """Each person's answer, from their facts read in a few queries for all of them."""
    total = len(persons)
    if progress:
        progress(0, total)
    if not persons:
        return []
    programme, year, unit, table = found.programme, found.year, found.unit, found.table
    assert table is not None
    by_id = {p["id"]: p for p in persons}
    ids = list(by_id)
    spouses = _spouses(by_id, outside_numbers=programme == Programme.SPECIAL)
    children = _children(ids)
    certificates = _certificates(ids) if programme == Programme.ONLY_CHILD else {}
    confirmations: dict[int, dict[str, bool]] = defaultdict(dict)
    given = Confirmation.objects.order_by()
    for row in _where_in(given, ("person",), ids, "person_id", "key", "value"):
        confirmations[row["person_id"]][row["key"]] = row["value"]

    keys = tuple(rules.rule_key(programme, k) for k in rules.RULES[programme])
    prefix = f"{programme}."
    place_rules: dict[str, dict[str, Any]] = {}
    answers = []
    with translation.override("zh-hans"):  # the reasons are kept in Chinese, as shown
        for index, person in enumerate(persons, 1):
            hukou = person["hukou_division_id"] or ""
            residence = person["unit_id"] or ""
            place = rules.paying_place(hukou=hukou, residence=residence)
            values = place_rules.get(place)
            if values is None:
                values = place_rules[place] = table.values(keys, place, prefix=prefix)
            facts = rules.PersonFacts(
                person_id=person["id"],
                name=person["name"],
                sex=person["sex"],
                birth_date=person["birth_date"],
                hukou=hukou,
                hukou_nature=person["hukou_nature"] or "",
                residence=residence,
                spouse=spouses.get(person["id"]),
                children=tuple(children.get(person["id"], ())),
                certificate=certificates.get(person["id"]),
                confirmations=confirmations.get(person["id"], {}),
            )
            result = rules.evaluate(
                programme, facts, year=year, unit_prefix=unit.prefix, rules=values
            )
            inside = residence.startswith(unit.prefix)
            answers.append(Answer(result, facts, person, residence if inside else hukou[:12]))
            if progress and index % PROGRESS_EVERY == 0:
                progress(index, total)
    if progress:
        progress(total, total)
    return answers


def _spouses(
    persons: dict[int, dict[str, Any]], *, outside_numbers: bool
) -> dict[int, rules.SpouseFact]:
    """The spouse of each person's marriage in force: the registry person's facts, or an
    outside spouse's name (and, when asked, the birth date their identity number holds).
    The marriages alone are read by the persons' ids; a registry spouse's facts come from
    ``persons`` when the spouse is one of them (most couples), else from one read by id."""
    in_force = Marriage.objects.filter(end_reason="").order_by()
    values = ["id", "husband_id", "wife_id", "husband_name", "wife_name"]
    if outside_numbers:
        values += ["husband_id_number", "wife_id_number"]
    marriages = list(_where_in(in_force, ("husband", "wife"), list(persons), *values))
    others = {
        row[f"{other}_id"]
        for row in marriages
        for side, other in SIDES
        if row[f"{side}_id"] in persons and row[f"{other}_id"]
    }
    spouse_rows = dict(persons)
    missing = [pk for pk in others if pk not in persons]
    for row in _where_in(Person.objects.order_by(), ("id",), missing, *SIDE_FIELDS):
        spouse_rows[row["id"]] = row
    found: dict[int, rules.SpouseFact] = {}
    for row in marriages:
        for side, other in SIDES:
            person = row[f"{side}_id"]
            if person not in persons:
                continue
            spouse = spouse_rows.get(row[f"{other}_id"])
            if spouse is not None:
                found[person] = rules.SpouseFact(
                    name=spouse["name"],
                    registry=True,
                    birth_date=spouse["birth_date"],
                    hukou_nature=spouse["hukou_nature"] or "",
                    residence=spouse["unit_id"] or "",
                    alive=spouse["status"] != PersonStatus.DECEASED,
                )
            else:
                number = row[f"{other}_id_number"] if outside_numbers else ""
                found[person] = rules.SpouseFact(
                    name=row[f"{other}_name"], registry=False, birth_date=_birth_in(number)
                )
    return found


def _birth_in(number: str) -> datetime.date | None:
    if not number:
        return None
    try:
        return parse_id_number(number).birth_date
    except Exception:  # a malformed outside number: the birth date is then unknown
        return None


def _children(ids: list[int]) -> dict[int, list[rules.ChildFact]]:
    """Each person's children, as mother or father (the recording parent is one of them),
    read once: a child of two persons asked about comes once."""
    wanted = set(ids)
    by_person: dict[int, list[rules.ChildFact]] = defaultdict(list)
    for row in _where_in(Child.objects.all(), ("mother", "father"), ids, *CHILD_FIELDS):
        fact = rules.ChildFact(
            sex=row["sex"],
            birth_date=row["birth_date"],
            living=bool(row["is_living"]) and row["death_date"] is None,
            death_date=row["death_date"],
            disability_grade=row["disability_grade"] or "",
        )
        for side in ("mother_id", "father_id"):
            if row[side] in wanted:
                by_person[row[side]].append(fact)
    return by_person


def _certificates(ids: list[int]) -> dict[int, rules.CertificateFact]:
    """The 光荣证 on each person's marriages (the latest): the mother is paid when she is a
    registry person, else the father."""
    found: dict[int, rules.CertificateFact] = {}
    holders = Marriage.objects.filter(honor_certificate_number__gt="")
    fields = ("id", "wife_id", "husband_id", "honor_certificate_number", "honor_certificate_date")
    rows = {row["id"]: row for row in _where_in(holders, ("wife", "husband"), ids, *fields)}
    for row in sorted(
        rows.values(), key=lambda r: r["honor_certificate_date"] or datetime.date.min
    ):
        payee = row["wife_id"] or row["husband_id"]
        for person in (row["wife_id"], row["husband_id"]):
            if person:
                found[person] = rules.CertificateFact(
                    number=row["honor_certificate_number"],
                    issued_on=row["honor_certificate_date"],
                    payee=person == payee,
                )
    return found


def masked_identity(person: dict[str, Any]) -> str:
    return mask_id_number(person.get("id_number") or "")
