"""The marriages a person file records: a row that names the spouse (配偶身份证号码 and
配偶姓名) records the marriage through the marriage page's service (``marriage_record``,
checked beforehand with its ``marriage_check``), after the persons are written.

The spouse is linked when they are in the registry of the import's jurisdiction or in the
same file (before or after the row: a row waits for a later one, and when none comes the
spouse is kept as someone outside the registry, their name and number on the marriage, as
the page does for a spouse it cannot pick). A couple whose two rows name each other is one
marriage. Only the identity numbers and the rows waiting are kept across chunks."""

import types
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from shequ.core.identifiers import parse_id_number
from shequ.jobs.imports import ImportContext, RowError
from shequ.registry import services
from shequ.registry.models import MaritalStatus, Marriage, Person, PersonStatus, Sex

_HEADERS = {"married_on": "结婚日期"}
_SPOUSE = "配偶身份证号码"


@dataclass(slots=True)
class PlannedMarriage:
    """One marriage to record: each side the identity number of a registry person (of the
    file or registered), or None for the outside spouse whose facts are in ``values``."""

    row: int
    husband: str | None
    wife: str | None
    values: dict[str, Any]


@dataclass(slots=True)
class _Waiting:
    row: int
    number: str  # the waiting row's own identity number
    sex: str
    values: dict[str, Any]  # married_on, and the spouse's name and number (as outside)


@dataclass
class MarriageLinker:
    """The marriages of one import, planned row by row (``check``) and handed to the
    writes with the persons' plans (``take``)."""

    ctx: ImportContext
    seen: dict[str, int]  # the importer's: every row's identity number -> its row
    waiting: dict[str, _Waiting] = field(default_factory=dict)  # by the spouse's number
    named: dict[str, str] = field(default_factory=dict)  # a row's number -> its spouse's
    rejected: set[str] = field(default_factory=set)  # numbers of rows with problems
    registered: dict[str, Any] = field(default_factory=dict)  # this chunk's, by number
    in_force: dict[int, set[str]] = field(default_factory=dict)  # person id -> spouses
    planned: list[PlannedMarriage] = field(default_factory=list)

    def load(self, parsed: list, existing: dict[str, Person]) -> None:
        """The registered spouses the chunk names, and the marriages in force of its
        registered persons who name one: two queries, only when a row names a spouse."""
        numbers = {v["spouse_id_number"] for _n, v, _p in parsed if v.get("spouse_id_number")}
        self.registered, self.in_force = {}, {}
        if not numbers:
            return
        unknown = [n for n in numbers if n not in existing]
        if unknown:
            found = Person.objects.filter(id_number__any_of=unknown).only(
                "id", "id_number", "name", "sex", "birth_date", "status", "unit_id"
            )
            self.registered = {p.id_number: p for p in found}
        self.registered.update(existing)
        ids = [
            p.pk
            for _n, v, _p in parsed
            if v.get("spouse_id_number") and (p := existing.get(v.get("id_number"))) is not None
        ]
        if not ids:
            return
        rows = Marriage.objects.filter(
            Q(husband_id__in=ids) | Q(wife_id__in=ids), end_reason=""
        ).values_list(
            "husband_id",
            "wife_id",
            "husband__id_number",
            "wife__id_number",
            "husband_id_number",
            "wife_id_number",
        )
        for husband, wife, h_number, w_number, h_outside, w_outside in rows:
            for own, other in ((husband, w_number or w_outside), (wife, h_number or h_outside)):
                if own is not None:
                    self.in_force.setdefault(own, set()).add(other or "")

    def check(self, row: int, values: dict, cleaned: dict, person: Person | None):
        """(problems, commit): what the row's marriage (or that of an earlier row waiting
        for this row's person as its spouse) would be refused for, as ``marriage_check``
        says; ``commit()`` plans it once the row is accepted (None: nothing to record)."""
        own = cleaned.get("id_number") or ""
        spouse = values.get("spouse_id_number") or ""
        waiting = self.waiting.get(own)
        if not spouse and waiting is None:
            return [], None
        me = person or types.SimpleNamespace(
            pk=None,
            name=cleaned.get("name"),
            sex=cleaned.get("sex"),
            birth_date=cleaned.get("birth_date"),
            status=PersonStatus.ACTIVE,
        )
        if waiting is None:
            return self._named(row, values, cleaned, person, me, own, spouse)
        # An earlier row named this person as the spouse.
        if spouse and spouse != waiting.number:
            message = _("第 %(row)d 行已登记其配偶为本人。") % {"row": waiting.row}
            return [(_SPOUSE, message)], None
        info = parse_id_number(waiting.number)  # that row's person, checked when it was read
        other = types.SimpleNamespace(
            pk=None, name="", sex=info.sex, birth_date=info.birth_date, status="active"
        )
        married_on = waiting.values.get("married_on") or cleaned.get("marriage_date")
        sides = _sides(me.sex, other, me)
        if sides is None:
            return [(_SPOUSE, _("与第 %(row)d 行的配偶性别相同。") % {"row": waiting.row})], None
        problems = self._problems(sides, {"married_on": married_on})
        if problems:
            return problems, None

        def paired() -> None:
            del self.waiting[own]
            self.named.setdefault(own, waiting.number)
            self._plan(waiting.row, waiting.sex, waiting.number, own, married_on)

        return [], paired

    def _named(self, row, values, cleaned, person, me, own, spouse):
        name = (values.get("spouse_name") or "").strip()
        married_on = cleaned.get("marriage_date")
        if spouse == own:
            return [(_SPOUSE, _("配偶不能是本人。"))], None
        if not name:
            return [("配偶姓名", _("填写了配偶身份证号码时须填写配偶姓名。"))], None
        if cleaned.get("marital_status") != MaritalStatus.MARRIED:
            return [("婚姻状况", _("填写了配偶的，婚姻状况应为“已婚”。"))], None
        if person is not None and person.pk in self.in_force:
            if spouse in self.in_force[person.pk]:
                return [], None  # recorded already (a file exported and imported back)
            return [(_SPOUSE, _("此人已有一段存续的婚姻：请先在人员页面登记其终止。"))], None
        theirs = self.named.get(spouse)
        if theirs == own:
            return [], None  # the spouse's row recorded this marriage
        if theirs is not None:
            message = _("第 %(row)d 行登记了此配偶的另一配偶。") % {"row": self.seen[spouse]}
            return [(_SPOUSE, message)], None
        registered = self.registered.get(spouse)
        if registered is not None and not self.ctx.scope.contains(registered.unit_id):
            registered = None  # not the import's to link: kept as someone outside
        if registered is None and spouse in self.seen and spouse not in self.rejected:
            try:  # a new person of the file: their sex and birth date are the number's
                info = parse_id_number(spouse)
            except ValidationError as exc:
                return [(_SPOUSE, " ".join(exc.messages))], None
            registered = types.SimpleNamespace(
                pk=None, name=name, sex=info.sex, birth_date=info.birth_date, status="active"
            )
        outside = {"name": name, "id_number": spouse}
        sides = _sides(me.sex, registered, me, outside)
        if sides is None:
            return [(_SPOUSE, _("配偶与本人性别相同。"))], None
        problems = self._problems(sides, {"married_on": married_on}, outside)
        if problems:
            return problems, None
        sex = me.sex

        def commit() -> None:
            self.named[own] = spouse
            if registered is not None:
                self._plan(row, sex, own, spouse, married_on)
            else:  # waits for a later row of the file, else the spouse is outside
                self.waiting[spouse] = _Waiting(
                    row, own, sex, {"married_on": married_on, **outside}
                )

        return [], commit

    def _problems(self, sides, values, outside=None) -> list[tuple[str, str]]:
        facts = dict(values)
        if outside is not None and None in (sides["husband"], sides["wife"]):
            side = "husband" if sides["husband"] is None else "wife"
            facts.update({f"{side}_{k}": v for k, v in outside.items()})
        _fields, errors = services.marriage_check(
            husband=sides["husband"], wife=sides["wife"], values=facts, today=self.ctx.today
        )
        headers = {**_HEADERS, "husband_name": "配偶姓名", "wife_name": "配偶姓名"}
        return [
            (headers.get(key, _SPOUSE), message)
            for key, messages in errors.items()
            for message in messages
        ]

    def _plan(self, row, own_sex, own, spouse, married_on) -> None:
        husband, wife = (own, spouse) if own_sex == Sex.MALE else (spouse, own)
        self.planned.append(PlannedMarriage(row, husband, wife, {"married_on": married_on}))

    def end(self) -> list[RowError]:
        """The rows still waiting: their spouse is outside the registry (checked so when
        the row was read, so nothing is refused now)."""
        for spouse, waiting in self.waiting.items():
            side = "wife" if waiting.sex == Sex.MALE else "husband"
            values = {
                "married_on": waiting.values.get("married_on"),
                f"{side}_name": waiting.values["name"],
                f"{side}_id_number": spouse,
            }
            own = {"husband" if side == "wife" else "wife": waiting.number, side: None}
            self.planned.append(PlannedMarriage(waiting.row, values=values, **own))
        self.waiting = {}
        return []

    def take(self) -> list[PlannedMarriage]:
        planned, self.planned = self.planned, []
        return planned


def _sides(own_sex, other, me, outside=None):
    """{husband, wife}: ``me`` on the side of ``own_sex``, the other a person (None: the
    outside spouse). None when the other is of the same sex."""
    if other is not None and other.sex == own_sex:
        return None
    if other is None and outside is not None:
        try:
            if parse_id_number(outside["id_number"]).sex == own_sex:
                return None
        except ValidationError:
            pass  # reported by the check of the outside facts
    if own_sex == Sex.MALE:
        return {"husband": me, "wife": other}
    return {"husband": other, "wife": me}


def marriages_write(planned: list[PlannedMarriage], ctx: ImportContext) -> None:
    """Record the planned marriages through the marriage page's service, the persons
    (written just before, on this connection) found by their identity numbers."""
    if not planned:
        return
    numbers = {n for m in planned for n in (m.husband, m.wife) if n}
    persons = {p.id_number: p for p in Person.objects.filter(id_number__any_of=numbers)}
    for marriage in planned:
        services.marriage_record(
            actor=ctx.actor,
            husband=persons[marriage.husband] if marriage.husband else None,
            wife=persons[marriage.wife] if marriage.wife else None,
            values=marriage.values,
            reason=ctx.reason(marriage.row),
            today=ctx.today,
        )
