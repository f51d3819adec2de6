"""Flows as the flow list shows them, and as they are exported (at once or by a job).

A flow names the person only while they are in the user's jurisdiction (otherwise by
surname) and a home only when it lies in the jurisdiction: the list, its file and the
background export all go through ``flow_row``.
"""

from itertools import islice
from types import SimpleNamespace
from typing import IO

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from shequ.core.tabular import Column, Table
from shequ.jobs.exports import SYSTEM_READER
from shequ.org.audit import audit_export
from shequ.org.models import OrgUnit
from shequ.org.roles import Level
from shequ.org.scoping import code_in_scope
from shequ.registry import selectors
from shequ.registry.models import Flow
from shequ.registry.selectors.history import flow_destination_name
from shequ.registry.tables import Progress

FLOW_BATCH = 2000


def unit_label(unit: OrgUnit, user) -> str:
    """A grid named with its community (every community has a 第1网格), unless it is the
    user's own community."""
    parent = unit.parent
    if unit.level == Level.GRID and parent is not None and parent.code != user.unit_id:
        return f"{parent.name} · {unit.name}"
    return unit.name


def mask_name(name: str) -> str:
    """张三 → 张*: the surname only, for someone no longer in the user's jurisdiction."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def flow_row(flow: Flow, user, unit_names: dict[str, str]) -> dict:
    visible = code_in_scope(user, flow.person.unit_id)

    def place(unit_code: str, household) -> str:
        if not unit_code:
            return ""
        name = unit_names.get(unit_code, unit_code)
        if household is not None and code_in_scope(user, household.unit_id):
            return f"{name} {household.building.name} {household.number}"
        return name

    elsewhere = " ".join(filter(None, [flow_destination_name(flow), flow.address]))
    kind = flow.kind
    if kind == Flow.Kind.ARRIVAL:
        origin, destination = elsewhere, place(flow.unit_code, flow.to_household)
    elif kind in (Flow.Kind.DEPARTURE, Flow.Kind.OUTFLOW):
        origin, destination = place(flow.from_unit_code, flow.from_household), elsewhere
    elif kind in (Flow.Kind.DEATH, Flow.Kind.CANCELLATION):
        origin, destination = place(flow.from_unit_code, flow.from_household), ""
    else:
        origin = place(flow.from_unit_code, flow.from_household)
        destination = place(flow.unit_code, flow.to_household)
    return {
        "flow": flow,
        "person_visible": visible,
        "person_name": flow.person.name if visible else mask_name(flow.person.name),
        "origin": origin,
        "destination": destination,
    }


def flow_unit_names(flows: list[Flow], user) -> dict[str, str]:
    # Unit names are not personal data: a move to another community names it.
    codes = {c for f in flows for c in (f.unit_code, f.from_unit_code) if c}
    return {
        unit.code: unit_label(unit, user)
        for unit in OrgUnit.objects.filter(code__in=codes).select_related("parent")
    }


def flows_table() -> Table:
    """The columns of the flow export: what the list shows, named in the current language."""
    return Table(
        kind="flows",
        title=_("流动记录"),
        columns=[
            Column(_("日期"), "date", width=12),
            Column(_("类型"), "kind", width=10),
            Column(_("人员"), "person", width=10),
            Column(_("从"), "origin", width=30),
            Column(_("到"), "destination", width=30),
            Column(_("原因"), "reason", width=20),
            Column(_("登记人"), "actor", width=12),
        ],
    )


def flows_for_export(user, data: QueryDict) -> QuerySet[Flow]:
    """The user's flows that the flow list's filters in ``data`` select, newest first;
    ValidationError for filters that cannot be applied."""
    filterset = selectors.FlowFilter(
        data, queryset=selectors.flows_visible(user), request=SimpleNamespace(user=user)
    )
    if problems := filterset.problems():
        raise ValidationError(problems)
    return filterset.qs.order_by("-date", "-id")


def write_flows(
    queryset: QuerySet[Flow],
    out: IO[bytes],
    *,
    actor,
    fmt: str,
    progress: Progress | None = None,
    ip: str | None = None,
    filters: str = "",
) -> int:
    """Write the flows as the list shows them to ``actor``; one audit event. Returns the rows.
    Actor None is the system itself (the ``export`` command): every name in full."""
    written = 0
    viewer = SYSTEM_READER if actor is None else actor

    def rows():
        nonlocal written
        flows = queryset.iterator(chunk_size=FLOW_BATCH)
        while batch := list(islice(flows, FLOW_BATCH)):
            unit_names = flow_unit_names(batch, viewer)
            for flow in batch:
                row = flow_row(flow, viewer, unit_names)
                yield {
                    "date": flow.date,
                    "kind": flow.get_kind_display(),
                    "person": row["person_name"],
                    "origin": row["origin"],
                    "destination": row["destination"],
                    "reason": flow.reason,
                    "actor": flow.actor.get_full_name() if flow.actor else "",
                }
            written += len(batch)
            if progress:
                progress(written)

    flows_table().write(rows(), out, fmt)
    changes = {"rows": written, "format": fmt}
    if filters:
        changes["filters"] = filters
    audit_export(
        actor=actor,
        kind="flows",
        target_type="registry.flow",
        label=_("导出流动记录 %(n)d 条") % {"n": written},
        changes=changes,
        ip=ip,
    )
    return written
