"""The history of one person, and its timeline: every change and event of the record, newest first.

Three sources merge into one list: the simple-history rows of the person and of their
children (who, when, the reason, which fields changed), the flows (arrival, move, departure
…) and the checks (每月一查, 季度核对). A flow and the history row the same service call wrote
become one entry. Identity numbers stay masked, birth dates are shown whole only to roles
that may reveal numbers; health facts appear only for roles that may see them. A fixed
number of queries, however long the history.

The API's history of a person (``history_page_changes``) compares the rows the same way.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import (
    Field,
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _

from shequ.core.fields import DerivedField
from shequ.core.identifiers import mask_id_number
from shequ.org.models import Division, OrgUnit, User
from shequ.org.roles import Level
from shequ.registry.disclosure import birth_date_text
from shequ.registry.models import (
    Check,
    Child,
    Flow,
    Household,
    Person,
    PersonStatus,
)
from shequ.registry.selectors.checks import person_checks
from shequ.registry.selectors.flows import person_flows


def person_history(person: Person) -> QuerySet:
    """The person's history rows (simple-history), newest first, with who made each."""
    return person.history.select_related("history_user").order_by("-history_date", "-history_id")


def person_history_changes(person: Person, rows: list) -> list[dict[str, tuple]]:
    """For each row of one page of ``person_history`` the fields it changed, {name: (old, new)}."""
    return history_page_changes(person, rows)


# A flow and the history row of the same service call are written within one transaction.
_SAME_CALL = datetime.timedelta(seconds=5)
# The version counts saves; it is no fact of the person (each row of the history is one).
_NOT_SHOWN = {"id", "uid", "registered_at", "updated_at", "version", "parent", "person"}
_HEALTH = {"contraception", "contraception_since"}
_FLOW_ICONS: dict[str, tuple[str, str]] = {
    Flow.Kind.ARRIVAL: ("box-arrow-in-right", "primary"),
    Flow.Kind.REGISTRATION: ("person-plus", "primary"),
    Flow.Kind.MOVE: ("arrow-left-right", "info"),
    Flow.Kind.REACTIVATION: ("arrow-counterclockwise", "success"),
    Flow.Kind.DEPARTURE: ("box-arrow-right", "warning"),
    Flow.Kind.OUTFLOW: ("signpost", "warning"),
    Flow.Kind.RETURN: ("house-check", "success"),
    Flow.Kind.DEATH: ("flower1", "secondary"),
    Flow.Kind.CANCELLATION: ("x-octagon", "danger"),
}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    at: datetime.datetime  # when it was recorded
    title: str
    icon: str
    tone: str
    actor: str
    reason: str = ""
    day: datetime.date | None = None  # the date of the event itself (flows, checks)
    detail: str = ""
    changes: list[Change] = field(default_factory=list)


def person_timeline(
    user: User,
    person: Person,
    *,
    show_health: bool,
    full_birth: bool = False,
    checks: list[Check] | None = None,
) -> list[Entry]:
    """All entries of the person's record for this user, newest first; birth dates (the
    person's and their children's) as the year alone unless ``full_birth``. ``checks``: the
    person's checks (``person_checks``) when the caller has read them already."""
    person_rows = list(
        person.history.select_related("history_user").order_by("history_date", "history_id")
    )
    child_rows = list(
        Child.history.filter(parent_id=person.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    flows = list(person_flows(user, person))
    if checks is None:
        checks = list(person_checks(person))

    hidden = set() if show_health else _HEALTH
    person_diffs = _diffs(person_rows, Person, hidden)
    child_diffs = _diffs(child_rows, Child, hidden, key="id")
    names = _Names(person_diffs + child_diffs, full_birth=full_birth)

    entries: list[Entry] = []
    unmatched = dict.fromkeys(range(len(person_rows)))
    # A check's history row carries the check's own time (services.checks_record); matched
    # first, so that a flow recorded just before cannot take it.
    check_rows = {
        (person_rows[i].history_date, person_rows[i].history_user_id): i for i in unmatched
    }
    for check in checks:
        match = check_rows.pop((check.created_at, check.actor_id), None)
        changes = []
        if match is not None:
            del unmatched[match]
            changes = names.render(person_diffs[match][1], Person)
        entries.append(
            Entry(
                at=check.created_at,
                title=check.get_kind_display(),
                icon="clipboard-check",
                tone="success" if check.result == Check.Result.CONFIRMED else "warning",
                actor=_actor(check.actor),
                day=check.date,
                detail=" · ".join(filter(None, [check.get_result_display(), check.note])),
                changes=changes,
            )
        )

    for flow in flows:
        match = _matching_row(flow, person_rows, unmatched)
        entry = Entry(
            at=flow.created_at,
            title=flow.get_kind_display(),
            icon=_FLOW_ICONS.get(flow.kind, ("record-circle", "secondary"))[0],
            tone=_FLOW_ICONS.get(flow.kind, ("record-circle", "secondary"))[1],
            actor=_actor(flow.actor),
            reason=flow.reason,
            day=flow.date,
            detail=_flow_detail(flow),
        )
        if match is not None:
            row = person_rows[match]
            entry.changes = names.render(person_diffs[match][1], Person)
            if row.history_change_reason and row.history_change_reason != flow.reason:
                entry.reason = (
                    f"{flow.reason}；{row.history_change_reason}"
                    if flow.reason
                    else row.history_change_reason
                )
        entries.append(entry)

    for index in unmatched:
        row, diff = person_diffs[index]
        if row.history_type == "~" and not diff:
            continue  # a save that changed nothing this user may see
        entries.append(
            Entry(
                at=row.history_date,
                title=_("建档") if row.history_type == "+" else _("信息变更"),
                icon="pencil-square" if row.history_type == "~" else "person-plus",
                tone="secondary",
                actor=_actor(row.history_user),
                reason=row.history_change_reason or "",
                changes=names.render(diff, Person) if row.history_type == "~" else [],
            )
        )

    for row, diff in child_diffs:
        label = _("第 %(n)s 孩") % {"n": row.order}
        born = birth_date_text(row.birth_date, full=full_birth)
        facts = f"{label} · {row.get_sex_display()} · {born}"
        if row.name:
            facts += f" · {row.name}"
        if row.history_type == "~" and not diff:
            continue
        entries.append(
            Entry(
                at=row.history_date,
                title={"+": _("登记子女"), "~": _("子女信息变更"), "-": _("删除子女记录")}[
                    row.history_type
                ],
                icon="person-hearts",
                tone="secondary",
                actor=_actor(row.history_user),
                reason=row.history_change_reason or "",
                detail=facts if row.history_type != "~" else label,
                changes=names.render(diff, Child) if row.history_type == "~" else [],
            )
        )

    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _actor(user: User | None) -> str:
    return user.get_full_name() if user is not None else _("系统")


def history_fields(
    model: type[Person | Child], hidden: frozenset[str] | set[str] = frozenset()
) -> list[tuple[str, str]]:
    """(name, attname) of the fields a model's history rows keep and a timeline shows."""
    kept = {f.name for f in model.history.model.tracked_fields}
    return [
        (f.name, f.attname)
        for f in model._meta.concrete_fields
        if f.name in kept
        and f.name not in _NOT_SHOWN
        and f.name not in hidden
        # The blind index and the area code follow the identity number: no change of their own.
        and not isinstance(f, DerivedField)
    ]


def row_changes(before: Any, row: Any, fields: list[tuple[str, str]]) -> dict[str, tuple[Any, ...]]:
    """{name: (old, new)} of what a history row changed since ``before``, the same object's
    previous row; a first row (``before`` None) lists the fields it filled."""
    changes = {}
    for name, attname in fields:
        new = getattr(row, attname)
        if before is None:
            if new not in (None, ""):
                changes[name] = (None, new)
        elif getattr(before, attname) != new:
            changes[name] = (getattr(before, attname), new)
    return changes


def _diffs(
    rows: list, model: type[Person | Child], hidden: set[str], key: str = "id"
) -> list[tuple[Any, dict]]:
    """Each history row with {field name: (old, new)} against the row before it (same object)."""
    fields = history_fields(model, hidden)
    previous: dict[Any, Any] = {}
    result = []
    for row in rows:
        before = previous.get(getattr(row, key))
        diff = {}
        if before is not None and row.history_type == "~":
            diff = row_changes(before, row, fields)
        previous[getattr(row, key)] = row
        result.append((row, diff))
    return result


def history_page_changes(person: Person, rows: list) -> list[dict[str, tuple]]:
    """For each row of one page of the person's history, newest first, the fields it changed,
    {name: (old, new)}, with households as their public uids (the API's history).

    Each row is compared with the one before it; one query fetches the row before the page's
    oldest, one more turns household ids into their public uids, whatever the page size.
    A creation row lists the fields it filled.
    """
    if not rows:
        return []
    oldest = rows[-1]
    before = (
        person.history.filter(
            Q(history_date__lt=oldest.history_date)
            | Q(history_date=oldest.history_date, history_id__lt=oldest.history_id)
        )
        .order_by("-history_date", "-history_id")
        .first()
    )
    fields = history_fields(Person)
    result = [
        row_changes(previous, row, fields)
        for row, previous in zip(rows, [*rows[1:], before], strict=True)
    ]
    household_ids = {
        value for changes in result for value in changes.get("household", ()) if value is not None
    }
    if household_ids:
        uids = dict(
            Household.objects.filter(pk__in=household_ids).values_list("pk", "uid").order_by()
        )
        for changes in result:
            if "household" in changes:
                changes["household"] = tuple(
                    str(uids[v]) if v in uids else None for v in changes["household"]
                )
    return result


def _matching_row(flow: Flow, rows: list, unmatched: dict) -> int | None:
    """The person's history row written by the same service call as the flow, if any."""
    best, best_gap = None, _SAME_CALL
    for index in unmatched:
        row = rows[index]
        if row.history_user_id != flow.actor_id:
            continue
        gap = abs(row.history_date - flow.created_at)
        if gap <= best_gap:
            best, best_gap = index, gap
    if best is not None:
        del unmatched[best]
    return best


def _flow_detail(flow: Flow) -> str:
    if flow.kind in (Flow.Kind.MOVE, Flow.Kind.REACTIVATION):
        parts = []
        if flow.from_household is not None:
            parts.append(_("从 %(h)s") % {"h": _household_text(flow.from_household)})
        if flow.to_household is not None:
            parts.append(_("迁到 %(h)s") % {"h": _household_text(flow.to_household)})
        return " ".join(parts)
    if flow.kind in (Flow.Kind.ARRIVAL, Flow.Kind.REGISTRATION) and flow.to_household is not None:
        text = _("住址：%(h)s") % {"h": _household_text(flow.to_household)}
        if flow.division is not None:
            text += " · " + _("来自 %(d)s") % {"d": flow.division.full_name}
        return text
    if flow.kind in (Flow.Kind.DEPARTURE, Flow.Kind.OUTFLOW):
        place = " ".join(filter(None, [flow_destination_name(flow), flow.address]))
        return _("去向：%(p)s") % {"p": place} if place else ""
    return ""


def flow_destination_name(flow: Flow) -> str:
    """The place a flow came from or went to: the division's name, or 去向不明 for a departure
    recorded without one on purpose ("" when none was recorded)."""
    if flow.division is not None:
        return flow.division.full_name
    if flow.destination_unknown:
        return _("去向不明")
    return ""


def _unit_text(unit: OrgUnit) -> str:
    """A grid with its community: every community has a 第1网格."""
    if unit.level == Level.GRID and unit.parent is not None:
        return f"{unit.parent.name} {unit.name}"
    return unit.name


def _household_text(household: Household) -> str:
    return f"{household.building.name} {household.number}"


class _Names:
    """Readable values of a diff; the names behind codes and ids come in one query per kind."""

    def __init__(self, diffs: list[tuple[Any, dict]], *, full_birth: bool = False):
        self.full_birth = full_birth
        wanted: dict[str, set] = {"division": set(), "unit": set(), "household": set()}
        for _row, diff in diffs:
            for name, pair in diff.items():
                kind = _REFERENCE_KIND.get(name)
                if kind:
                    wanted[kind].update(v for v in pair if v)
        self.division = (
            dict(
                Division.objects.filter(code__in=wanted["division"]).values_list(
                    "code", "full_name"
                )
            )
            if wanted["division"]
            else {}
        )
        self.unit = (
            {
                unit.code: _unit_text(unit)
                for unit in OrgUnit.objects.filter(code__in=wanted["unit"]).select_related("parent")
            }
            if wanted["unit"]
            else {}
        )
        self.household = (
            {
                h.pk: _household_text(h)
                for h in Household.objects.filter(pk__in=wanted["household"]).select_related(
                    "building"
                )
            }
            if wanted["household"]
            else {}
        )

    def render(self, diff: dict, model: type[Person | Child]) -> list[Change]:
        changes = []
        for name, (old, new) in sorted(diff.items(), key=lambda item: _order(model, item[0])):
            model_field = cast(Field, model._meta.get_field(name))  # a concrete field
            changes.append(
                Change(
                    label=str(model_field.verbose_name),
                    old=self._value(model_field, old),
                    new=self._value(model_field, new),
                )
            )
        return changes

    def _value(self, model_field: Any, value: Any) -> str:
        if value in (None, ""):
            return "—"
        name = model_field.name
        if name == "id_number":
            return mask_id_number(value)
        if name == "birth_date":
            return birth_date_text(value, full=self.full_birth)
        kind = _REFERENCE_KIND.get(name)
        if kind:
            return getattr(self, kind).get(value, str(value))
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)


_REFERENCE_KIND = {
    "hukou_division": "division",
    "flow_out_division": "division",
    "unit": "unit",
    "household": "household",
}


def _order(model: type[Person | Child], name: str) -> int:
    return [f.name for f in model._meta.concrete_fields].index(name)


def departure_destination(person: Person) -> str:
    """Where a departed person went (去向不明 when the departure said so), "" otherwise."""
    if person.status != PersonStatus.DEPARTED:
        return ""
    flow = (
        person.flows.filter(kind=Flow.Kind.DEPARTURE)
        .select_related("division")
        .order_by("-date", "-id")
        .first()
    )
    if flow is None:
        return ""
    return " ".join(filter(None, [flow_destination_name(flow), flow.address]))
