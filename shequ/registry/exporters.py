"""What the registry exports: the list pages' rows, by the list pages' own filters.

The export page, the background export job and the API select through these, so a file
holds exactly what the user's list shows — the jurisdiction and the role applied when the
file is written, never a stored queryset.
"""

from types import SimpleNamespace
from typing import IO

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict

from shequ.jobs.exports import Exporter
from shequ.org.roles import Action, can
from shequ.registry import selectors
from shequ.registry.flow_rows import flows_for_export, write_flows
from shequ.registry.tables import KIND_TITLES, Progress, export_write


def _filter_request(user) -> SimpleNamespace:
    # The filters read the user from a request (the health filter is for some roles only).
    return SimpleNamespace(user=user)


def persons_for_export(user, data: QueryDict) -> QuerySet:
    filterset = selectors.PersonFilter(
        data, queryset=selectors.persons_visible(user), request=_filter_request(user)
    )
    if problems := filterset.problems():
        raise ValidationError(problems)
    order = selectors.person_order(data.get("sort"))
    # In the list's order when it was sorted; otherwise by unit and home (person_rows).
    return filterset.qs.order_by(*order) if order else filterset.qs


def buildings_for_export(user, data: QueryDict) -> QuerySet:
    data = data.copy()
    if not data.get("is_active"):
        data["is_active"] = "true"  # as the building list: those in use unless asked
    return selectors.BuildingFilter(
        data, queryset=selectors.buildings_visible(user), request=_filter_request(user)
    ).qs


def households_for_export(user, data: QueryDict) -> QuerySet:
    return selectors.HouseholdFilter(
        data, queryset=selectors.households_visible(user), request=_filter_request(user)
    ).qs


def _writer(kind: str):
    def write(
        queryset: QuerySet,
        out: IO[bytes],
        *,
        actor,
        fmt: str,
        progress: Progress | None = None,
        ip: str | None = None,
    ) -> int:
        system = actor is None  # the ``export`` command: nothing masked
        return export_write(
            kind,
            queryset,
            out,
            actor=actor,
            fmt=fmt,
            reveal=system or can(actor, Action.REVEAL_ID_NUMBER),
            health=system or can(actor, Action.VIEW_HEALTH),
            progress=progress,
            ip=ip,
        )

    return write


EXPORTERS = [  # registered in apps.py
    *(
        Exporter(
            kind=kind,
            title=KIND_TITLES[kind],
            action=Action.EXPORT_REGISTRY,
            select=select,
            write=_writer(kind),
        )
        for kind, select in (
            ("persons", persons_for_export),
            ("households", households_for_export),
            ("buildings", buildings_for_export),
        )
    ),
    Exporter(
        kind="flows",
        title=KIND_TITLES["flows"],
        action=Action.EXPORT_REGISTRY,
        select=flows_for_export,
        write=write_flows,
    ),
]
