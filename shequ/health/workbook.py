"""The work book 一册一账一单 of a unit and a month: the activity log (the month's services),
the ledger of migrant women and key groups (the month's target list), the monthly form
(the report's figures) — as an Excel workbook (three sheets) and a PDF with an embedded
Chinese font (``core.pdf``'s font; pages as long as the lists are)."""

import datetime
import io
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _
from openpyxl import Workbook

from shequ.core.tabular import neutralise
from shequ.health import rules, selectors
from shequ.health.models import MonthlyReport, ServiceKind
from shequ.org.audit import audit_export
from shequ.org.models import OrgUnit, User
from shequ.org.scoping import code_in_scope
from shequ.registry.rules import age_on


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]


def sections(user: User, unit: OrgUnit, month: datetime.date) -> list[Section]:
    """The three parts, read through the scoped selectors (the caller logs the read)."""
    start, end = rules.month_start(month), rules.month_end(month)
    records = (
        selectors.service_records_visible(user)
        .filter(unit_code__startswith=unit.prefix, date__gte=start, date__lte=end)
        .order_by("date", "id")
    )
    log = Section(
        _("一册：服务活动记录"),
        [_("日期"), _("服务类型"), _("服务对象"), _("服务机构"), _("状态"), _("下次服务")],
        [
            [
                f"{r.date:%Y-%m-%d}",
                str(r.get_kind_display()),
                r.person.name,
                r.facility.name if r.facility else "",
                str(r.get_status_display()),
                f"{r.next_due_date:%Y-%m-%d}" if r.next_due_date else "",
            ]
            for r in records
        ],
    )
    targets = selectors.target_list(unit.prefix, month, user).order_by("unit_id", "name", "id")
    ledger = Section(
        _("一账：流动育龄妇女和重点人群台账"),
        [_("姓名"), _("年龄"), _("人口类型"), _("流入日期"), _("网格/社区"), _("纳入原因")],
        [
            [
                p.name,
                str(age_on(p.birth_date, end)),
                str(p.get_population_type_display()),
                f"{p.flow_in_date:%Y-%m-%d}" if p.flow_in_date else "",
                p.unit_id,
                "、".join(selectors.target_reasons(p, month)) or _("孕产期/本年生育"),
            ]
            for p in targets
        ],
    )
    report = MonthlyReport.objects.filter(unit_code=unit.code, month=start).first()
    figures = (
        report.figures
        if report and report.figures
        else selectors.report_figures(unit.prefix, month)
    )
    form_rows = [
        [str(label), str(figures.get(key, ""))]
        for key, label in rules.FIGURE_LABELS.items()
        if key != "services"
    ]
    form_rows += [
        [f"{_('服务')}：{ServiceKind(kind).label}", str(n)]
        for kind, n in (figures.get("services") or {}).items()
    ]
    state = report.get_state_display() if report else _("未生成")
    form = Section(
        _("一单：信息核对、补充报告单（%(state)s）") % {"state": state},
        [_("项目"), _("数")],
        form_rows,
    )
    return [log, ledger, form]


def persons_shown(user: User, unit: OrgUnit, month: datetime.date) -> list:
    """The persons whose health facts the book shows (for the sensitive-read log)."""
    start, end = rules.month_start(month), rules.month_end(month)
    people = {
        r.person.pk: r.person
        for r in selectors.service_records_visible(user).filter(
            unit_code__startswith=unit.prefix, date__gte=start, date__lte=end
        )
    }
    for person in selectors.target_list(unit.prefix, month, user):
        people[person.pk] = person
    return list(people.values())


def unit_for(user: User, code: str) -> OrgUnit:
    """The unit whose book is asked for: active and in the user's jurisdiction, or 404."""
    unit = OrgUnit.objects.filter(code=code, is_active=True).first() if code.isdigit() else None
    if unit is None or not code_in_scope(user, unit.code):
        raise Http404
    return unit


def title_for(unit: OrgUnit, month: datetime.date) -> str:
    return _("%(unit)s %(month)s 一册一账一单") % {"unit": unit.name, "month": f"{month:%Y-%m}"}


def log_read(
    user: User, unit: OrgUnit, month: datetime.date, parts: list[Section], *, fmt: str, channel: str
) -> None:
    """The book shows health facts: the sensitive read of every person in it is logged,
    and a file taken out is an export in the change log (who, how many rows, which unit)."""
    selectors.log_health_read(
        user, persons_shown(user, unit, month), ["health_workbook"], channel=channel
    )
    if fmt in FORMATS:
        audit_export(
            actor=user,
            kind="health_workbook",
            target_type="org.orgunit",
            label=title_for(unit, month),
            changes={
                "rows": sum(len(p.rows) for p in parts),
                "unit": unit.code,
                "month": f"{month:%Y-%m}",
                "format": fmt,
            },
        )


FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def file_response(unit: OrgUnit, month: datetime.date, parts: list[Section], fmt: str):
    """The book as a download (``fmt``: xlsx or pdf)."""
    from django.http import HttpResponse

    content = to_pdf(title_for(unit, month), parts) if fmt == "pdf" else to_xlsx(parts)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="workbook-{unit.code}-{month:%Y-%m}.{fmt}"'
    )
    return response


def to_xlsx(parts: list[Section]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for part in parts:
        sheet = book.create_sheet(part.title[:28].replace("：", " "))
        sheet.append([neutralise(h) for h in part.headers])
        for row in part.rows:
            sheet.append([neutralise(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(title: str, parts: list[Section]) -> bytes:
    """A4 pages, the embedded Chinese font of ``core.pdf``; a table continues on the next
    page with its header repeated."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    from shequ.core.pdf import FONT_NAME, font_path

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, font_path()))
    buffer = io.BytesIO()
    size = landscape(A4)
    canvas = Canvas(buffer, pagesize=size, pageCompression=1)
    canvas.setTitle(title)
    width, height = size
    left, top, bottom = 15 * mm, height - 15 * mm, 15 * mm
    line = 6.5 * mm
    y = top

    def new_page() -> float:
        canvas.showPage()
        return top

    canvas.setFont(FONT_NAME, 16)
    canvas.drawString(left, y, title)
    y -= 2 * line
    for part in parts:
        columns = max(len(part.headers), 1)
        step = (width - 2 * left) / columns
        if y < bottom + 4 * line:
            y = new_page()
        canvas.setFont(FONT_NAME, 12)
        canvas.drawString(left, y, part.title)
        y -= line

        def header(y: float, part: Section = part, step: float = step) -> float:
            canvas.setFont(FONT_NAME, 9)
            for i, text in enumerate(part.headers):
                canvas.drawString(left + i * step, y, text)
            canvas.line(left, y - 1.5 * mm, width - left, y - 1.5 * mm)
            return y - line

        y = header(y)
        for row in part.rows:
            if y < bottom:
                y = header(new_page())
            canvas.setFont(FONT_NAME, 9)
            for i, text in enumerate(row):
                shown = (
                    text
                    if pdfmetrics.stringWidth(text, FONT_NAME, 9) < step - 2 * mm
                    else text[:14] + "…"
                )
                canvas.drawString(left + i * step, y, shown)
            y -= line
        if not part.rows:
            canvas.drawString(left, y, _("（无）"))
            y -= line
        y -= line
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
