"""What the supplies export: the stock lists by the list pages' own filters.

Each kind is a ``core.tabular.Table`` (the columns, once) and a ``jobs.exports.Exporter``
(how to select the user's rows, how to write them), registered as "exporters": the list
pages' 导出 button (``views.export``), ``POST /api/v1/exports/`` and ``shequ export`` all go
through them, and a large file is built by the task worker like the registry's.

Stock is not personal data: a level, the ledger, requisitions, what expires and what runs
low are exported by whoever sees the list. Named dispensings are health data about a person:
their export needs the export right and the health right, shows the identity number masked
unless the account may reveal it, and logs every person written as a sensitive read.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.identifiers import mask_id_number
from shequ.core.tabular import Column, Table
from shequ.jobs.exports import Exporter
from shequ.org.audit import SensitiveTarget, audit_export, audit_sensitive_read
from shequ.org.models import SensitiveAccess
from shequ.org.roles import Action, can
from shequ.supplies import selectors
from shequ.supplies.models import Location, MovementKind, Requisition

BATCH = 2_000  # rows read, logged and reported at a time

Progress = Callable[[int], None]


def _filtered(filterset_class, data: QueryDict, queryset: QuerySet) -> QuerySet:
    """The list page's filter applied to the user's rows; a filter that cannot apply is a
    ValidationError naming it (a file must never hold more than the list would)."""
    filterset = filterset_class(data, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError([str(e) for errors in filterset.errors.values() for e in errors])
    return filterset.qs


# --- The tables -------------------------------------------------------------------------


def _col(header: Any, key: str, width: int = 14, text: bool = False) -> Column:
    return Column(str(header), key, width=width, text=text)


def _tables() -> dict[str, Table]:
    """Built per call: the headers in the language of the request or job that writes them."""
    return {
        "stock-levels": Table(
            "stock-levels",
            _("药具库存"),
            [
                _col(_("地点"), "location", 24),
                _col(_("单位代码"), "unit", 14, text=True),
                _col(_("品种编码"), "item_code", 14),
                _col(_("品种"), "item", 24),
                _col(_("批号"), "lot", 14, text=True),
                _col(_("有效期至"), "expiry", 12),
                _col(_("已召回"), "recalled", 8),
                _col(_("结存"), "quantity", 10),
                _col(_("计量单位"), "unit_name", 8),
            ],
        ),
        "stock-movements": Table(
            "stock-movements",
            _("药具出入库明细帐"),
            [
                _col(_("日期"), "day", 12),
                _col(_("记帐时间"), "at", 17),
                _col(_("地点"), "location", 24),
                _col(_("单位代码"), "unit", 14, text=True),
                _col(_("品种"), "item", 24),
                _col(_("批号"), "lot", 14, text=True),
                _col(_("类型"), "kind", 14),
                _col(_("数量"), "quantity", 8),
                _col(_("结存"), "balance", 8),
                _col(_("对方地点"), "counterpart", 24),
                _col(_("说明"), "reason", 30),
            ],
        ),
        "stock-dispensings": Table(
            "stock-dispensings",
            _("实名发放记录"),
            [
                _col(_("发放日期"), "day", 12),
                _col(_("姓名"), "name", 10),
                _col(_("公民身份号码"), "id_number", 20, text=True),
                _col(_("居住单位代码"), "person_unit", 16, text=True),
                _col(_("发放点"), "location", 24),
                _col(_("品种"), "item", 24),
                _col(_("数量"), "quantity", 8),
                _col(_("计量单位"), "unit_name", 8),
                _col(_("经本人同意更新节育措施"), "fact_updated", 12),
                _col(_("说明"), "note", 30),
            ],
        ),
        "requisitions": Table(
            "requisitions",
            _("药具申领单"),
            [
                _col(_("申领时间"), "created_at", 17),
                _col(_("申领点"), "location", 24),
                _col(_("单位代码"), "unit", 14, text=True),
                _col(_("供货点"), "supplier", 24),
                _col(_("状态"), "status", 10),
                _col(_("品种与数量（申领/批准）"), "lines", 40),
                _col(_("说明"), "note", 24),
                _col(_("审批意见"), "decision_reason", 24),
                _col(_("审批时间"), "decided_at", 17),
                _col(_("发出时间"), "sent_at", 17),
                _col(_("签收时间"), "received_at", 17),
            ],
        ),
        "stock-expiring": Table(
            "stock-expiring",
            _("近效期与过期药具"),
            [
                _col(_("地点"), "location", 24),
                _col(_("单位代码"), "unit", 14, text=True),
                _col(_("品种"), "item", 24),
                _col(_("批号"), "lot", 14, text=True),
                _col(_("有效期至"), "expiry", 12),
                _col(_("已过期"), "expired", 8),
                _col(_("已召回"), "recalled", 8),
                _col(_("结存"), "quantity", 10),
                _col(_("计量单位"), "unit_name", 8),
            ],
        ),
        "stock-low": Table(
            "stock-low",
            _("低库存"),
            [
                _col(_("地点"), "location", 24),
                _col(_("地点类型"), "location_kind", 14),
                _col(_("单位代码"), "unit", 14, text=True),
                _col(_("品种"), "item", 24),
                _col(_("可发放库存"), "usable", 10),
                _col(_("低库存线"), "low_stock", 10),
                _col(_("计量单位"), "unit_name", 8),
            ],
        ),
    }


TITLES = {
    "stock-levels": gettext_lazy("药具库存"),
    "stock-movements": gettext_lazy("药具出入库明细帐"),
    "stock-dispensings": gettext_lazy("实名发放记录"),
    "requisitions": gettext_lazy("药具申领单"),
    "stock-expiring": gettext_lazy("近效期与过期药具"),
    "stock-low": gettext_lazy("低库存"),
}
KINDS = tuple(TITLES)


# --- Selecting the rows: the lists' filters, the user's jurisdiction ---------------------


def levels_for_export(user, data: QueryDict) -> QuerySet:
    rows = _filtered(selectors.LevelFilter, data, selectors.levels_visible(user))
    return rows.order_by("unit_code", "location__name", "item__code", "lot__expiry", "id")


def movements_for_export(user, data: QueryDict) -> QuerySet:
    rows = _filtered(selectors.MovementFilter, data, selectors.movements_visible(user))
    return rows.order_by("-id")


def dispensings_for_export(user, data: QueryDict) -> QuerySet:
    if not can(user, Action.VIEW_HEALTH):
        raise PermissionDenied(_("导出实名发放记录须有查看健康信息的权限。"))
    rows = _filtered(selectors.DispensingFilter, data, selectors.dispensings_visible(user))
    return rows.order_by("-day", "-id")


def requisitions_for_export(user, data: QueryDict) -> QuerySet:
    if data.get("status") in ("active", "all"):  # ``shequ export``'s default: every state
        data = data.copy()
        data.pop("status")
    rows = _filtered(selectors.RequisitionFilter, data, selectors.requisitions_visible(user))
    return rows.order_by("-id")


def expiring_for_export(user, data: QueryDict) -> QuerySet:
    return selectors.expiring_soon(user)


def low_for_export(user, data: QueryDict) -> QuerySet:
    return selectors.low_stock(user)


# --- Writing the rows ------------------------------------------------------------------


def _batches(queryset: QuerySet, progress: Progress | None) -> Iterator[list]:
    """The rows in batches of ``BATCH`` (keyset-free: the lists are ordered and bounded by
    the jurisdiction), the progress reported after each."""
    done = 0
    batch: list = []
    for row in queryset.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            done += len(batch)
            batch = []
            if progress:
                progress(done)
    if batch:
        yield batch
        if progress:
            progress(done + len(batch))


def _level_rows(queryset: QuerySet, progress: Progress | None, today) -> Iterator[dict]:
    for batch in _batches(queryset, progress):
        for b in batch:
            yield {
                "location": b.location.name,
                "unit": b.unit_code,
                "item_code": b.item.code,
                "item": b.item.name,
                "lot": b.lot.number,
                "expiry": b.lot.expiry,
                "expired": b.lot.expiry < today,
                "recalled": b.lot.recalled,
                "quantity": b.quantity,
                "unit_name": b.item.unit,
            }


def _movement_rows(queryset: QuerySet, progress: Progress | None) -> Iterator[dict]:
    kinds = dict(MovementKind.choices)
    for batch in _batches(queryset, progress):
        for m in batch:
            yield {
                "day": m.day,
                "at": m.at,
                "location": m.location.name,
                "unit": m.unit_code,
                "item": m.item.name,
                "lot": m.lot.number,
                "kind": str(kinds.get(m.kind, m.kind)),
                "quantity": m.quantity,
                "balance": m.balance,
                "counterpart": m.counterpart.name if m.counterpart else "",
                "reason": m.reason,
            }


def _requisition_rows(queryset: QuerySet, progress: Progress | None) -> Iterator[dict]:
    statuses = dict(Requisition.Status.choices)
    for batch in _batches(queryset, progress):
        for r in batch:
            lines = "；".join(
                f"{line.item.name} {line.requested}/"
                + ("—" if line.approved is None else str(line.approved))
                for line in r.lines.all()
            )
            yield {
                "created_at": r.created_at,
                "location": r.location.name,
                "unit": r.unit_code,
                "supplier": r.supplier.name,
                "status": str(statuses.get(r.status, r.status)),
                "lines": lines,
                "note": r.note,
                "decision_reason": r.decision_reason,
                "decided_at": r.decided_at,
                "sent_at": r.sent_at,
                "received_at": r.received_at,
            }


def _low_rows(queryset: QuerySet, progress: Progress | None) -> Iterator[dict]:
    kinds = dict(Location.Kind.choices)
    for batch in _batches(queryset, progress):
        for r in batch:
            yield {
                "location": r["location__name"],
                "location_kind": str(kinds.get(r["location__kind"], r["location__kind"])),
                "unit": r["unit_code"],
                "item": r["item__name"],
                "usable": r["usable"],
                "low_stock": r["item__low_stock"],
                "unit_name": r["item__unit"],
            }


def _dispensing_rows(
    queryset: QuerySet, progress: Progress | None, *, actor, reveal: bool
) -> Iterator[dict]:
    """The rows, the identity number masked unless ``reveal``; each batch's persons logged
    as read (health data; the number too when shown) once they are written."""
    for batch in _batches(queryset, progress):
        shown = []
        for d in batch:
            person = d.person
            number = person.id_number or ""
            yield {
                "day": d.day,
                "name": person.name,
                "id_number": number if reveal else mask_id_number(number),
                "person_unit": person.unit_id,
                "location": d.location.name,
                "item": d.item.name,
                "quantity": d.quantity,
                "unit_name": d.item.unit,
                "fact_updated": d.fact_updated,
                "note": d.note,
            }
            shown.append(
                SensitiveTarget(
                    "registry.person",
                    str(person.uid),
                    f"{person.name}（{mask_id_number(number)}）",
                    person.unit_id,
                )
            )
        if actor is not None and shown:
            audit_sensitive_read(
                actor=actor,
                targets=shown,
                fields=["supplies_dispensings", *(["id_number"] if reveal else [])],
                purpose=SensitiveAccess.Purpose.SERVICE,
                channel=SensitiveAccess.Channel.EXPORT,
            )


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
        from django.utils import timezone

        table = _tables()[kind]
        extra: dict[str, Any] = {}
        rows: Iterable[dict]
        if kind in ("stock-levels", "stock-expiring"):
            rows = _level_rows(queryset, progress, timezone.localdate())
        elif kind == "stock-movements":
            rows = _movement_rows(queryset, progress)
        elif kind == "requisitions":
            rows = _requisition_rows(queryset, progress)
        elif kind == "stock-low":
            rows = _low_rows(queryset, progress)
        else:  # stock-dispensings
            reveal = actor is None or can(actor, Action.REVEAL_ID_NUMBER)
            extra["id_numbers"] = "shown" if reveal else "masked"
            rows = _dispensing_rows(queryset, progress, actor=actor, reveal=reveal)
        count = table.write(rows, out, fmt)
        audit_export(
            actor=actor,
            kind=kind,
            target_type=f"supplies.{kind}",
            label=_("导出%(title)s %(n)d 条") % {"title": TITLES[kind], "n": count},
            changes={"rows": count, "format": fmt, **extra},
            ip=ip,
        )
        return count

    return write


_SELECT = {
    "stock-levels": (levels_for_export, Action.READ_REGISTRY),
    "stock-movements": (movements_for_export, Action.READ_REGISTRY),
    "stock-dispensings": (dispensings_for_export, Action.EXPORT_REGISTRY),
    "requisitions": (requisitions_for_export, Action.READ_REGISTRY),
    "stock-expiring": (expiring_for_export, Action.READ_REGISTRY),
    "stock-low": (low_for_export, Action.READ_REGISTRY),
}

EXPORTERS = [  # registered in apps.py
    Exporter(kind=kind, title=TITLES[kind], action=action, select=select, write=_writer(kind))
    for kind, (select, action) in _SELECT.items()
]
