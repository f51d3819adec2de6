"""Export rows: what each table writes for a record, and the export file itself."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.identifiers import mask_id_number
from shequ.org.audit import audit_export
from shequ.org.audit_chain import append_rows
from shequ.org.models import SensitiveAccess
from shequ.registry.disclosure import birth_date_text
from shequ.registry.models import Building, Child, Household, Marriage, Person
from shequ.registry.selectors.people import current_relation
from shequ.registry.tables.housing import BUILDINGS, HOUSEHOLDS
from shequ.registry.tables.kinds import KIND_TITLES
from shequ.registry.tables.people import PERSONS, PERSONS_WITHOUT_HEALTH

# --- Export rows: what each table writes for a record ----------------------------------
#
# Exports read plain values (``values_list``), never model instances: building a Person with
# its prefetched children cost more than writing its row. Each batch of rows reads its
# children in one query and logs its sensitive reads in one insert, so memory stays flat
# from a community to the whole city.

EXPORT_BATCH = 2000

# Called with the count of rows read so far, after each batch (a job's progress bar).
Progress = Callable[[int], None]


@dataclass(frozen=True)
class _Shown:
    """A person whose unmasked identity number (or health facts) an export wrote."""

    uid: Any
    name: str
    id_number: str
    unit_code: str
    health: bool


class _ReadLog:
    """The sensitive reads of one export, written in one insert per batch as it goes."""

    def __init__(self, actor, *, reveal: bool, health: bool, ip: str | None):
        self.actor_id = getattr(actor, "pk", None)
        self.reveal, self.health, self.ip = reveal, health, ip
        self.now = timezone.now()
        self.fields = {
            (True, True): "contraception,id_number",
            (True, False): "id_number",
            (False, True): "contraception",
        }

    @property
    def active(self) -> bool:
        return self.actor_id is not None and (self.reveal or self.health)

    def write(self, shown: list[_Shown]) -> None:
        if not self.active or not shown:
            return
        purpose, channel = SensitiveAccess.Purpose.VERIFY, SensitiveAccess.Channel.EXPORT
        rows = []
        for p in shown:
            fields = self.fields.get((self.reveal, self.health and p.health))
            if fields:
                label = f"{p.name}（{mask_id_number(p.id_number)}）"[:120]
                rows.append(
                    (
                        self.now,
                        self.actor_id,
                        "registry.person",
                        str(p.uid),
                        label,
                        p.unit_code,
                        fields,
                        purpose,
                        channel,
                        self.ip,
                    )
                )
        append_rows(SensitiveAccess, _READ_FIELDS, rows)


_READ_FIELDS = [
    "at",
    "actor",
    "target_type",
    "target_id",
    "target_label",
    "unit_code",
    "fields",
    "purpose",
    "channel",
    "ip",
]


def _batches(queryset: QuerySet, size: int = EXPORT_BATCH) -> Iterator[list]:
    rows = queryset.iterator(chunk_size=size)
    while batch := list(islice(rows, size)):
        yield batch


def building_rows(
    queryset: QuerySet[Building], *, progress: Progress | None = None
) -> Iterator[dict[str, Any]]:
    values = queryset.order_by("unit_id", "name").values_list(
        "unit_id", "unit__name", "name", "address", "kind"
    )
    done = 0
    for batch in _batches(values):
        for unit, unit_name, name, address, kind in batch:
            yield {
                "unit": unit,
                "unit_name": unit_name,
                "name": name,
                "address": address,
                "kind": kind,
            }
        done += len(batch)
        if progress:
            progress(done)


def household_rows(
    queryset: QuerySet[Household],
    *,
    reveal: bool,
    log: _ReadLog | None = None,
    progress: Progress | None = None,
) -> Iterator[dict[str, Any]]:
    values = queryset.order_by("unit_id", "building__name", "number").values_list(
        "unit_id",
        "building__name",
        "number",
        "is_rented",
        "landlord_name",
        "landlord_phone",
        "rented_since",
        "landlord_id",
        "landlord__uid",
        "landlord__name",
        "landlord__id_number",
        "landlord__unit_id",
        "lease_start",
        "lease_end",
        "use",
        "dormitory_of",
    )
    logged: set[int] = set()  # a landlord of several homes is one read
    done = 0
    for batch in _batches(values):
        shown: list[_Shown] = []
        for row in batch:
            landlord = ""
            if row[7]:
                landlord = row[10] if reveal else mask_id_number(row[10])
                if reveal and row[7] not in logged:
                    logged.add(row[7])
                    shown.append(_Shown(row[8], row[9], row[10], row[11], False))
            yield {
                "unit": row[0],
                "building": row[1],
                "number": row[2],
                "is_rented": row[3],
                "landlord": landlord,
                "landlord_name": row[4],
                "landlord_phone": row[5],
                "rented_since": row[6],
                "lease_start": row[12],
                "lease_end": row[13],
                "use": row[14],
                "dormitory_of": row[15],
            }
        if log is not None:
            log.write(shown)
        done += len(batch)
        if progress:
            progress(done)


def person_row(person: Person, children: list[dict[str, Any]]) -> dict[str, Any]:
    """The row a person is written as (and compared with, when a file updates records)."""
    household = person.household
    return {
        "id_number": person.id_number,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "ethnicity": person.ethnicity,
        "phone": person.phone,
        "education": person.education,
        "hukou_division": person.hukou_division_id,
        "hukou_address": person.hukou_address,
        "unit": person.unit_id,
        "building": household.building.name if household else "",
        "household": household.number if household else "",
        # As the 户口簿 says (selectors.current_relation, annotated by the caller).
        "relation": getattr(person, "current_relation", ""),
        "population_type": person.population_type,
        "marital_status": person.marital_status,
        "marriage_date": person.marriage_date,
        "children_count": person.children_count,
        "children": children,
        "contraception": person.contraception,
        "contraception_since": person.contraception_since,
        "employment": person.employment,
        "employer_name": person.employer_name,
        "flow_in_date": person.flow_in_date,
        "flow_in_reason": person.flow_in_reason,
        "flow_out_date": person.flow_out_date,
        "flow_out_division": person.flow_out_division_id,
        "flow_out_address": person.flow_out_address,
        "status": person.status,
    }


# The row keys of a person, in the order of the values read for the export.
_PERSON_EXPORT = (
    ("id_number", "id_number"),
    ("name", "name"),
    ("sex", "sex"),
    ("birth_date", "birth_date"),
    ("ethnicity", "ethnicity"),
    ("phone", "phone"),
    ("education", "education"),
    ("hukou_division", "hukou_division_id"),
    ("hukou_address", "hukou_address"),
    ("unit", "unit_id"),
    ("building", "household__building__name"),
    ("household", "household__number"),
    ("relation", "current_relation"),
    ("population_type", "population_type"),
    ("marital_status", "marital_status"),
    ("marriage_date", "marriage_date"),
    ("children_count", "children_count"),
    ("contraception", "contraception"),
    ("contraception_since", "contraception_since"),
    ("employment", "employment"),
    ("employer_name", "employer_name"),
    ("flow_in_date", "flow_in_date"),
    ("flow_in_reason", "flow_in_reason"),
    ("flow_out_date", "flow_out_date"),
    ("flow_out_division", "flow_out_division_id"),
    ("flow_out_address", "flow_out_address"),
    ("status", "status"),
)
_PERSON_KEYS = tuple(key for key, _field in _PERSON_EXPORT)


def person_rows(
    queryset: QuerySet[Person],
    *,
    reveal: bool,
    log: _ReadLog | None = None,
    progress: Progress | None = None,
) -> Iterator[dict[str, Any]]:
    # The queryset's own order (the list's ?sort=), else by unit and home.
    order = queryset.query.order_by or (
        "unit_id",
        "household__building__name",
        "household__number",
        "id",
    )
    values = (
        queryset.annotate(current_relation=current_relation())
        .order_by(*order)
        .values_list("id", "uid", *(field for _key, field in _PERSON_EXPORT))
    )
    done = 0
    for batch in _batches(values):
        children: dict[int, list[dict[str, Any]]] = {}
        kids = Child.objects.filter(parent_id__in=[r[0] for r in batch]).values_list(
            "parent_id", "order", "birth_date", "sex", "name"
        )
        for parent, order, birth_date, sex, name in kids:
            children.setdefault(parent, []).append(
                {"order": order, "birth_date": birth_date, "sex": sex, "name": name}
            )
        spouses = _spouses([r[0] for r in batch])
        shown: list[_Shown] = []
        for pk, uid, *fields in batch:
            row = dict(zip(_PERSON_KEYS, fields, strict=True))
            row["children"] = children.get(pk)
            row["spouse_id_number"], row["spouse_name"] = spouses.get(pk, ("", ""))
            id_number = row["id_number"]
            if not reveal:
                # As on the pages: nothing written beside the mask may rebuild the number.
                row["id_number"] = mask_id_number(id_number)
                row["spouse_id_number"] = mask_id_number(row["spouse_id_number"])
                row["birth_date"] = birth_date_text(row["birth_date"], full=False)
                for child in row["children"] or ():
                    child["birth_date"] = birth_date_text(child["birth_date"], full=False)
            if log is not None:
                shown.append(
                    _Shown(uid, row["name"], id_number, row["unit"], bool(row["contraception"]))
                )
            yield row
        if log is not None:
            log.write(shown)
        done += len(batch)
        if progress:
            progress(done)


def _spouses(ids: list[int]) -> dict[int, tuple[str, str]]:
    """The spouse of each person's marriage in force (number, name): a registry person or
    the outside spouse kept on the marriage; one query a batch."""
    rows = Marriage.objects.filter(
        Q(husband_id__in=ids) | Q(wife_id__in=ids), end_reason=""
    ).values_list(
        "husband_id",
        "wife_id",
        "husband__id_number",
        "husband__name",
        "wife__id_number",
        "wife__name",
        "husband_id_number",
        "husband_name",
        "wife_id_number",
        "wife_name",
    )
    spouses: dict[int, tuple[str, str]] = {}
    for (
        husband,
        wife,
        h_number,
        h_name,
        w_number,
        w_name,
        ho_number,
        ho_name,
        wo_number,
        wo_name,
    ) in rows:
        if husband is not None:
            spouses[husband] = (w_number or "", w_name) if wife else (wo_number, wo_name)
        if wife is not None:
            spouses[wife] = (h_number or "", h_name) if husband else (ho_number, ho_name)
    return spouses


def export_write(
    kind: str,
    queryset: QuerySet,
    out: IO[bytes],
    *,
    actor,
    fmt: str = "xlsx",
    reveal: bool = True,
    health: bool = True,
    progress: Progress | None = None,
    ip: str | None = None,
) -> int:
    """Write an export file of ``kind`` from an already scoped queryset; returns the rows.

    Identity numbers are unmasked only when ``reveal``; otherwise birth dates are written as
    the year alone (``disclosure``). When ``reveal``, for a user, every person (and
    landlord) written is logged as one sensitive read with channel "export" (one insert per
    batch, as the rows are written), health facts likewise. One audit event records the
    export itself. ``ip`` is the client address of the request that asked for the export
    (a background job keeps it from the request that created it).
    """
    log = _ReadLog(actor, reveal=reveal, health=health and kind == "persons", ip=ip)
    if kind == "buildings":
        table, rows = BUILDINGS, building_rows(queryset, progress=progress)
    elif kind == "households":
        table = HOUSEHOLDS
        rows = household_rows(queryset, reveal=reveal, log=log, progress=progress)
    elif kind == "persons":
        table = PERSONS if health else PERSONS_WITHOUT_HEALTH
        rows = person_rows(queryset, reveal=reveal, log=log, progress=progress)
    else:
        raise ValidationError({"kind": [_("未知的导出类型“%(kind)s”。") % {"kind": kind}]})
    count = table.write(rows, out, fmt)
    audit_export(
        actor=actor,
        kind=kind,
        target_type=f"registry.{kind.removesuffix('s')}",
        label=_("导出%(title)s %(n)d 条") % {"title": KIND_TITLES[kind], "n": count},
        changes={"rows": count, "format": fmt, "id_numbers": "shown" if reveal else "masked"},
        ip=ip,
    )
    return count
