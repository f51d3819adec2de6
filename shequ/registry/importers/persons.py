"""The importer of persons: validates and plans rows; the bulk services write them."""

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from shequ.core.bulk import KeyPool, instance_factory
from shequ.core.identifiers import normalize_id_number, validate_division_code
from shequ.core.lookups import present_values
from shequ.jobs.imports import ImportContext, RowError
from shequ.org.models import Division
from shequ.registry import services
from shequ.registry.importers.common import (
    HousingLookup,
    PlanningImporter,
    Plans,
    duplicate,
    too_long,
)
from shequ.registry.importers.marriages import MarriageLinker, marriages_write
from shequ.registry.models import (
    Building,
    Child,
    Household,
    Person,
    PersonStatus,
    PopulationType,
    Relation,
)
from shequ.registry.rules import derive_population_type, destination_problem
from shequ.registry.selectors.people import current_relation
from shequ.registry.services import NewPersons, PersonChange, PersonRow
from shequ.registry.tables import PERSONS, person_row
from shequ.registry.validation import PERSON_FIELDS, validate_person

# --- Persons -----------------------------------------------------------------------------

# The most keys an import takes from a sequence ahead of need (core.bulk.KeyPool).
KEY_BLOCK = 10_000

_make_household = instance_factory(Household)
_make_person = instance_factory(Person)


_LENGTHS = {"hukou_address": 200, "employer_name": 100, "flow_out_address": 200, "household": 40}
_OUTFLOW_KEYS = ("flow_out_date", "flow_out_division", "flow_out_address")


@dataclass
class _Housed:
    """Where a row says the person lives: an existing household, or one to create."""

    unit_code: str
    building: Building
    household: Household | None
    key: tuple[int, str]


class PersonImporter(PlanningImporter):
    kind = "persons"
    title = "人员"
    table = PERSONS

    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        self.housing = HousingLookup(ctx)
        self.divisions = set(Division.objects.values_list("code", flat=True))
        self.city_prefix = services.city_prefix()
        self.typing = services.typing_current()
        self.seen: dict[str, int] = {}
        self.new_households: dict[tuple[int, str], Household] = {}
        self.key_of = {c.header: c.key for c in self.table.columns}
        self.children_of: dict[int, list[tuple]] = {}  # of the registered persons of the file
        # Chunks whose registered numbers are being read ahead: first row -> (asked, Future).
        self.ahead: dict[int, tuple[set[str], Future]] = {}
        self.keys: KeyPool | None = None
        # The 户主 of the dwellings the file has named (services.family_place): dwelling
        # key (building id, number) -> [(registered household, 户籍地)], the registered
        # ones read once per dwelling (``_load_heads``).
        self.heads: services.Heads = {}
        self.heads_loaded: set[tuple[int, str]] = set()
        self.marriages = MarriageLinker(ctx, self.seen)

    def lookahead(self, rows):
        asked = {
            normalize_id_number(cells["id_number"]) for _n, cells in rows if cells.get("id_number")
        }
        self.ahead[rows[0][0]] = (asked, self.ctx.read_ahead(_registered_numbers, asked))

    # --- validation ---

    def validate(self, rows):
        parsed = [(n, *self.table.parse_row(cells)) for n, cells in rows]
        existing = self._existing(
            {v["id_number"] for _n, v, _p in parsed if v.get("id_number")},
            self.ahead.pop(rows[0][0], None),
        )
        housing = self.housing
        housing.load_units(v.get("unit") for _n, v, _p in parsed)
        units, buildings = housing.units, housing.buildings
        housing.load_buildings(  # each distinct key once
            {
                (unit, name)
                for _n, v, _p in parsed
                if (unit := v.get("unit")) and (name := v.get("building")) and unit in units
            }
        )
        housing.load_households(
            {
                (b.id, home)
                for _n, v, _p in parsed
                if (home := v.get("household"))
                and (b := buildings.get((v.get("unit"), v.get("building")))) is not None
            }
        )
        self._load_heads(parsed)
        self.marriages.load(parsed, existing)
        errors: list[RowError] = []
        for number, values, problems in parsed:
            problems = self._check_row(number, values, problems, existing)
            if problems and values.get("id_number"):
                self.marriages.rejected.add(values["id_number"])
            errors.extend(RowError(number, header, message) for header, message in problems)
        return errors

    def _load_heads(self, parsed) -> None:
        """The 户口簿 of the registered dwellings a relative of this chunk lives in, read
        once per dwelling: a relative joins the one of a 户主 registered before."""
        households = self.housing.households
        wanted = {}
        for _n, values, _p in parsed:
            if values.get("relation") not in services.FAMILY_RELATIONS:
                continue
            building = self.housing.buildings.get((values.get("unit"), values.get("building")))
            key = (building.id, values.get("household")) if building is not None else None
            home = households.get(key) if key is not None else None
            if home is not None and key not in self.heads_loaded:
                wanted[home.id] = key
        if not wanted:
            return
        self.heads_loaded.update(wanted.values())
        for dwelling, heads in services.dwelling_heads(wanted).items():
            self.heads.setdefault(wanted[dwelling], [])[:0] = heads

    def _existing(self, numbers: set[str], ahead) -> dict[str, Person]:
        registered: set[str] = set()
        if ahead is not None:  # read while the chunk before was validated
            asked, future = ahead
            registered, numbers = future.result() & numbers, numbers - asked
        registered |= _registered_numbers(numbers)
        if not registered:  # a file of new people: no record to read
            return {}
        queryset = Person.objects.order_by()
        if self.ctx.update:
            queryset = queryset.select_related("household__building").annotate(
                current_relation=current_relation()
            )
        else:
            queryset = queryset.only("id", "id_number", "unit", "name", "status")
        found = {p.id_number: p for p in queryset.filter(id_number__any_of=registered)}
        if not self.ctx.update:
            return found
        # Children in one query for the chunk (a prefetch would build a queryset per person).
        children = Child.objects.filter(parent_id__any_of=[p.pk for p in found.values()])
        for parent_id, *child in children.order_by("parent_id", "order").values_list(
            "parent_id", "order", "birth_date", "sex", "name"
        ):
            self.children_of.setdefault(parent_id, []).append(tuple(child))
        return found

    def _check_row(self, number, values, problems, existing) -> list[tuple[str, str]]:
        # A field whose cell is already reported is not reported again by the rules.
        reported = {self.key_of[header] for header, _m in problems}
        problems += too_long(values, _LENGTHS, self.table)
        person = self._registered(number, values, existing, problems, reported)

        # The person's facts: for an update the file's columns over the record's; checked by
        # the registry's one validation, as in the form and the API.
        facts = values  # validate_person reads the facts among them
        children = values.get("children")
        if person is not None:
            record = person_row(person, [])
            facts = {**{k: record[k] for k in PERSON_FIELDS}, **facts}
            if "children" not in values:
                children = None
        cleaned, field_errors = validate_person(
            facts,
            today=self.ctx.today,
            children=children or [],
            # The cells were parsed into codes; a record's own values are checked again.
            choices_checked=person is None,
        )
        if cleaned.get("ethnicity", "") is None:
            del cleaned["ethnicity"]  # empty: 汉族 for a new record, unchanged otherwise
        for field, messages in field_errors.items():
            if field not in reported:
                header = self.table.header_for(field) or "公民身份号码"
                problems.extend((header, message) for message in messages)
        hukou = cleaned.get("hukou_division")
        if hukou and "hukou_division" not in field_errors and hukou not in self.divisions:
            problems.append(("户籍地代码", _("区划代码 %(code)s 不存在。") % {"code": hukou}))
        outflow = self._check_outflow(values, problems)
        housed = self._housing(values, problems)
        moving = housed and (housed.household is None or housed.household.id != _home(person))
        if moving and person is not None and person.status != PersonStatus.ACTIVE:
            problems.append(("门牌/室号", _("不在册人员的住址不能通过导入更改。")))
        self._check_status(values, person, problems)
        if problems or housed is None:
            return problems or [("楼栋名称", _("必填。"))]

        population_type = self._population_type(values, person, hukou, housed.unit_code, outflow)
        if isinstance(population_type, tuple):
            return [population_type]
        relation = values.get("relation") or ""
        if relation == Relation.TENANT:
            relation = ""  # on no 户口簿
        if person is not None and relation and person.current_relation:
            if relation != person.current_relation:
                return [
                    ("与户主关系", _("此人已在户籍户中，关系不同；入户、离户请在户籍户页面办理。"))
                ]
            relation = ""  # as the 户口簿 says already
        if relation in services.FAMILY_RELATIONS and not self.heads.get(housed.key):
            return [("与户主关系", services.no_head_message())]
        marriage_problems, marriage = self.marriages.check(number, values, cleaned, person)
        if marriage_problems:
            return marriage_problems
        reason = self.ctx.reason(number)  # the history's, the 户口簿's: made once
        if person is None:
            instance = None
            if relation:  # made now, filled when prepared: the 户口簿 point at it
                instance = _make_person(
                    unit_id=housed.unit_code,
                    hukou_division_id=hukou,
                    hukou_address=cleaned.get("hukou_address") or "",
                    status=PersonStatus.ACTIVE,
                )
            self._plan_new(
                number, reason, cleaned, children or [], outflow, population_type, housed, instance
            )
        else:
            instance = person
            planned = self._plan_update(
                number, reason, person, cleaned, values, children, population_type, housed
            )
            if (relation or marriage) and not planned:  # only the 户口簿 or a marriage
                self.unchanged -= 1
                self.updated += 1
        if relation:
            services.family_place(
                self.plans.families,
                self.heads,
                instance,
                relation,
                reason,
                dwelling=housed.key,
            )
        if marriage is not None:
            marriage()
        return []

    def _registered(self, number, values, existing, problems, reported) -> Person | None:
        """The registered person this row updates (None: a new one, or a problem)."""
        id_number = values.get("id_number")
        if not id_number:
            return None
        first = self.seen.setdefault(id_number, number)
        if first != number:
            problems.append(("公民身份号码", duplicate(first)))
            reported.add("id_number")
        person = existing.get(id_number)
        if person is None:
            return None
        if not self.ctx.scope.contains(person.unit_id):
            problems.append(
                (
                    "公民身份号码",
                    _("该身份证号码已在其他社区登记，请办理迁入（市内迁入），不要重复建档。"),
                )
            )
            reported.add("id_number")
            return None
        if not self.ctx.update:
            problems.append(
                (
                    "公民身份号码",
                    _(
                        "该身份证号码已登记：%(name)s（%(status)s）。如要更新，请勾选“更新已有记录”。"
                    )
                    % {"name": person.name, "status": person.get_status_display()},
                )
            )
            reported.add("id_number")
            return None
        return person

    def _housing(self, values, problems) -> _Housed | None:
        """The unit (in the jurisdiction), its existing building, and the household."""
        unit_code, name, number = (
            values.get("unit"),
            values.get("building"),
            values.get("household"),
        )
        if not unit_code:
            return None
        if problem := self.housing.unit_problem(unit_code):
            problems.append(("单位代码", problem))
            return None
        if not (name and number):
            return None
        building, problem = self.housing.building_problem(unit_code, name)
        if problem:
            problems.append(("楼栋名称", problem))
            return None
        household = self.housing.households.get((building.id, number))
        if household is not None and not household.is_active:
            problems.append(("门牌/室号", _("该户已停用。")))
            return None
        return _Housed(unit_code, building, household, (building.id, number))

    def _check_outflow(self, values, problems) -> dict[str, Any]:
        outflow = {k: values[k] for k in _OUTFLOW_KEYS if values.get(k)}
        code = outflow.get("flow_out_division")
        if code:
            try:
                validate_division_code(code)
            except ValidationError as exc:
                problems.append(("流出去向代码", " ".join(exc.messages)))
            else:
                if code not in self.divisions:
                    problems.append(
                        ("流出去向代码", _("区划代码 %(code)s 不存在。") % {"code": code})
                    )
                else:
                    # The same rule as 外出登记 on the person's page (services).
                    problem = destination_problem(code, city_prefix=self.city_prefix, outflow=True)
                    if problem:
                        problems.append(("流出去向代码", problem))
        day = outflow.get("flow_out_date")
        if day and day > self.ctx.today:
            problems.append(("流出日期", _("流出日期不能晚于今天。")))
        return outflow

    def _check_status(self, values, person, problems) -> None:
        status = values.get("status")
        current = person.status if person is not None else PersonStatus.ACTIVE
        if status and status != current:
            if person is None:
                message = _("导入只能登记在册人员；迁出、死亡、注销请在人员页面办理。")
            else:
                message = _("导入不能更改状态：迁出、死亡、注销请在人员页面办理。")
            problems.append(("状态", message))

    def _population_type(self, values, person, hukou, unit_code, outflow):
        """The type the record gets, or (header, problem) when the file contradicts it.

        The type follows from 户籍地 and residence; only 流出 is a fact of its own, kept for a
        record that has it while its 户籍地 lies in the city (as on the person's page: a 户籍地
        corrected to a place outside gives the type the facts give) and accepted for a new
        local resident with a destination.
        """
        was_outflow = person is not None and person.population_type == PopulationType.OUTFLOW
        derived = derive_population_type(
            hukou_code=hukou,
            residence_code=unit_code,
            city_prefix=self.city_prefix,
            outflow=was_outflow,
            typing=self.typing,
        )
        given = values.get("population_type")
        if derived == PopulationType.OUTFLOW and given in (None, "", PopulationType.OUTFLOW):
            return PopulationType.OUTFLOW  # a 流出 record that stays so
        if given == PopulationType.OUTFLOW and not was_outflow:
            if person is not None:
                return ("人口类型", _("登记流出请在人员页面办理“外出登记”。"))
            outflow_type = derive_population_type(
                hukou_code=hukou,
                residence_code=unit_code,
                city_prefix=self.city_prefix,
                outflow=True,
                typing=self.typing,
            )
            if outflow_type != PopulationType.OUTFLOW:
                return ("人口类型", _("流入人员不能登记为流出；离开本市请办理迁出。"))
            if not outflow.get("flow_out_division"):
                return ("流出去向代码", _("流出人员须填写流出去向代码。"))
            return PopulationType.OUTFLOW
        if derived == PopulationType.OUTFLOW:
            return ("人口类型", _("流出人员返回请在人员页面办理“返回登记”。"))
        if given and given != derived:
            labels = dict(PopulationType.choices)
            return (
                "人口类型",
                _("人口类型应为“%(expected)s”（由户籍地和现居住地推得），文件中为“%(given)s”。")
                % {"expected": labels[derived], "given": labels[given]},
            )
        if outflow:
            return ("流出日期", _("只有流出人员填写流出日期和去向。"))
        return derived

    def _plan_new(
        self, number, reason, cleaned, children, outflow, population_type, housed, instance=None
    ) -> None:
        home = housed.household
        if home is None:
            home = self._new_household(number, housed)
        self.plan_create(
            PersonRow(
                cleaned,
                home,
                reason,
                children,
                outflow if population_type == PopulationType.OUTFLOW else None,
                instance=instance,
            )
        )

    def _new_household(self, number: int, housed: _Housed) -> Household:
        """The home of this key the file creates: planned once, by its first row."""
        household = self.new_households.get(housed.key)
        if household is None:
            household = _make_household(
                building_id=housed.building.id,
                unit_id=housed.building.unit_id,
                number=housed.key[1],
            )
            self.new_households[housed.key] = household
            self.plans.households.append((number, household))
        return household

    def _plan_update(
        self, number, reason, person, cleaned, values, children, population_type, housed
    ) -> bool:
        """Plan the row's changes to a registered person; False: nothing changes."""
        outflow = {k: values[k] for k in _OUTFLOW_KEYS if k in values}
        fields = services.person_change_apply(
            person,
            cleaned,
            residence_code=housed.unit_code,
            outflow=outflow,
            city=self.city_prefix,
            typing=self.typing,
        )

        new_children = None
        if children is not None:
            current = self.children_of.get(person.pk, [])
            wanted = sorted(
                (c["order"], c["birth_date"], c["sex"], c.get("name") or "") for c in children
            )
            if current != wanted:
                new_children = children

        moved_from, new_household = person.household, None
        moved = housed.household is None or housed.household.pk != person.household_id
        if moved:
            if housed.household is not None:
                person.household = housed.household
            else:
                new_household = self._new_household(number, housed)
            person.unit_id = housed.unit_code
        if fields or new_children is not None or moved:
            self.plan_update(
                PersonChange(
                    person,
                    reason,
                    fields,
                    new_children,
                    moved_from=moved_from,
                    moved=moved,
                    new_household=new_household,
                )
            )
            return True
        self.unchanged += 1
        return False

    def validate_end(self) -> list[RowError]:
        return self.marriages.end()

    def take_plans(self) -> Plans:
        plans = super().take_plans()
        plans.marriages = self.marriages.take()
        return plans

    # --- writing ---

    def prepare(self, plans: Plans) -> Plans:
        homes = [h for _n, h in plans.households]
        plans.prepared["homes"] = services.households_prepare(
            homes, now=self.ctx.now, keys=self._keys()
        )
        # Here, not on the writing thread, whose Python the server waits for.
        plans.prepared["home_reasons"] = [self.ctx.reason(n) for n, _h in plans.households]
        if connection.vendor == "postgresql":  # the new homes have their keys already
            plans.prepared["persons"] = self._prepare_persons(plans.creates)
            # The persons have their keys now: the 户口簿 rows are made here too.
            services.memberships_prepare(
                plans.families, today=self.ctx.today, now=self.ctx.now, keys=self._keys()
            )
        return plans

    def write(self, plans: Plans) -> None:
        ctx = self.ctx
        homes = plans.prepared.get("homes") or services.households_prepare(
            [h for _n, h in plans.households], now=ctx.now
        )
        reasons = plans.prepared.get("home_reasons")
        if reasons is None:
            reasons = [ctx.reason(n) for n, _h in plans.households]
        services.households_write(homes, actor=ctx.actor, reasons=reasons)
        services.persons_register_write(
            plans.prepared.get("persons") or self._prepare_persons(plans.creates)
        )
        services.persons_update_many(plans.updates, actor=ctx.actor, today=ctx.today, now=ctx.now)
        # The 户口簿 last: their 户主 and members are written now, with their keys.
        services.memberships_write(plans.families, actor=ctx.actor, today=ctx.today, now=ctx.now)
        marriages_write(plans.marriages, ctx)

    def _prepare_persons(self, creates: list[PersonRow]) -> NewPersons:
        return services.persons_register_prepare(
            creates,
            actor=self.ctx.actor,
            today=self.ctx.today,
            now=self.ctx.now,
            # An import records an arrival flow for each inflow migrant (人来登记); for anyone
            # else the history row "导入：文件 第N行" already records when and how the record
            # was made; a registration flow would add a row, its indexes and its foreign-key
            # checks to every row of a city-sized load.
            registration_flows=False,
            keys=self._keys(),
            city=self.city_prefix,
        )

    def _keys(self) -> KeyPool | None:
        if self.keys is None and connection.vendor == "postgresql":
            self.keys = KeyPool(KEY_BLOCK, read_ahead=self.ctx.read_ahead)
        return self.keys


# Identity numbers looked up per query while validating (see _registered_numbers).
LOOKUP_GROUP = 250


def _registered_numbers(numbers: set[str]) -> set[str]:
    """Which of these identity numbers are registered (committed), a group per query.

    For a thousand at once PostgreSQL's planner read the whole person table of a city of
    100,000-300,000 people (10-30 ms a chunk) rather than probe the unique index a thousand
    times; a quarter of that is an index scan at every size (1.4 ms for 250 at 50,000).
    """
    ordered = sorted(numbers)
    return {
        number
        for start in range(0, len(ordered), LOOKUP_GROUP)
        for number in present_values(Person, "id_number", ordered[start : start + LOOKUP_GROUP])
    }


def _home(person: Person | None) -> int | None:
    return person.household_id if person is not None else None
