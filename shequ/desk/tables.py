"""The desk's sheets (core/tabular.py): the applications, documents and birth registrations
lists as the pages show them (no identity numbers, no health facts)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.tabular import Column, Table
from shequ.desk.models import Application, BirthRegistration, Document


def applications_table() -> Table:
    return Table(
        kind="desk_applications",
        title=str(_("办事申请")),
        columns=[
            Column(str(_("申请时间")), "applied_at", width=18),
            Column(str(_("事项")), "kind", width=24),
            Column(str(_("申请人")), "person"),
            Column(str(_("受理单位代码")), "unit", text=True),
            Column(str(_("渠道")), "channel"),
            Column(str(_("状态")), "state"),
            Column(str(_("承诺办结日期")), "due_on"),
            Column(str(_("办结时间")), "decided_at", width=18),
            Column(str(_("不予办理原因")), "refusal_reason", width=30),
            Column(str(_("出具文书")), "document", width=30),
        ],
    )


def application_row(a: Application) -> dict:
    return {
        "applied_at": a.applied_at,
        "kind": a.get_kind_display(),
        "person": a.person.name,
        "unit": a.unit_id,
        "channel": a.get_channel_display(),
        "state": a.get_state_display(),
        "due_on": a.due_on,
        "decided_at": a.decided_at,
        "refusal_reason": a.refusal_reason,
        "document": a.document.number if a.document else "",
    }


def documents_table() -> Table:
    return Table(
        kind="desk_documents",
        title=str(_("证明文书")),
        columns=[
            Column(str(_("文号")), "number", width=30),
            Column(str(_("文书种类")), "kind", width=24),
            Column(str(_("持证人")), "holder"),
            Column(str(_("开具日期")), "issued_on"),
            Column(str(_("有效期至")), "valid_until"),
            Column(str(_("状态")), "status"),
            Column(str(_("作废/换发原因")), "status_reason", width=30),
        ],
    )


def document_row(d: Document) -> dict:
    return {
        "number": d.number,
        "kind": d.get_kind_display(),
        "holder": d.holder_name,
        "issued_on": d.issued_on,
        "valid_until": d.valid_until,
        "status": d.get_status_display(),
        "status_reason": d.status_reason,
    }


def births_table() -> Table:
    return Table(
        kind="desk_births",
        title=str(_("生育登记")),
        columns=[
            Column(str(_("登记时间")), "registered_at", width=18),
            Column(str(_("登记人")), "person"),
            Column(str(_("登记地单位")), "unit", width=20),
            Column(str(_("渠道")), "channel"),
            Column(str(_("登记时点")), "stage", width=18),
            Column(str(_("孩次")), "order", width=6),
            Column(str(_("出生日期")), "born_on"),
            Column(str(_("已关联子女")), "linked", width=10),
        ],
    )


def birth_row(r: BirthRegistration) -> dict:
    return {
        "registered_at": timezone.localtime(r.registered_at),
        "person": r.person.name,
        "unit": r.unit.name,
        "channel": r.get_channel_display(),
        "stage": r.get_stage_display(),
        "order": r.order,
        "born_on": r.born_on,
        "linked": r.child_id is not None,
    }
