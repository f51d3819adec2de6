"""The tabular engine: one declaration of columns drives template, export and import.

A ``Table`` lists its columns once (Chinese header, the key in a row dict, how to turn a cell
into a value and a value back into a cell). Exports write exactly those headers, imports read
exactly those headers, so an exported file imports back unchanged. Files are .xlsx (openpyxl
in write-only / read-only mode, for speed) or UTF-8 CSV (a BOM is written so Excel opens it).
"""

import csv
import datetime
import functools
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        # Stored in UTC; a sheet shows the time of the deployment (Asia/Shanghai).
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    parse: Callable[[str], Any] | None = None  # cell text → value; raises ValidationError
    render: Callable[[Any], str] = _text  # value → cell text
    help: str = ""
    width: int = 14
    # Written on export for the reader (a unit's name beside its code), ignored on import.
    informative: bool = False
    # Identity numbers, codes, phones: stored as text cells so Excel never turns them into
    # numbers (which loses digits past the 15th).
    text: bool = False


@dataclass
class Table:
    kind: str
    title: str
    columns: list[Column]
    notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def cells(self, row: dict[str, Any], extra_headers: Iterable[str] = ()) -> list[str]:
        """The row's cell texts as written to a file, each one safe from formula injection."""
        texts = [c.render(row.get(c.key)) for c in self.columns]
        texts += [_text(row.get(header)) for header in extra_headers]
        return [neutralise(text) for text in texts]

    # --- writing ------------------------------------------------------------------------
    def write_xlsx(
        self,
        rows: Iterable[dict[str, Any]],
        out: IO[bytes],
        *,
        instructions: bool = False,
        extra_headers: list[str] | None = None,
    ) -> int:
        """Write rows as one sheet; identity numbers and codes stay text, never numbers."""
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(self.title[:31])
        for index, column in enumerate(self.columns):
            sheet.column_dimensions[_column_letter(index)].width = column.width
        header_cells = []
        for column in self.columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font = Font(bold=True, color="FFFFFF" if column.required else "000000")
            cell.fill = PatternFill("solid", fgColor="1F6FB2" if column.required else "DDE6EE")
            if column.help:
                cell.comment = Comment(column.help, "Shequ")
            header_cells.append(cell)
        for header in extra_headers or []:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = Font(bold=True, color="9C0006")
            cell.fill = PatternFill("solid", fgColor="FFC7CE")
            header_cells.append(cell)
        sheet.append(header_cells)
        if instructions:  # the template: no rows, openpyxl writes it all
            self._write_instructions(workbook)
            workbook.save(out)
            return 0
        # The rows are written by ``_RowWriter`` straight into the sheet's XML, not cell by
        # cell through openpyxl (50 µs a cell: 30 s for a street's 21,000 persons). openpyxl
        # writes the rest — styles, header, comments — around one marker row whose place
        # and text style the rows take.
        marker = WriteOnlyCell(sheet, value=0)
        marker.number_format = "@"
        sheet.append([marker])
        skeleton = io.BytesIO()
        workbook.save(skeleton)
        text_columns = {i for i, column in enumerate(self.columns) if column.text}
        extra = list(extra_headers or [])
        with zipfile.ZipFile(skeleton) as source:
            sheet_path = next(n for n in source.namelist() if n.startswith("xl/worksheets/"))
            head, text_style, tail = _split_at_marker(source.read(sheet_path))
            with tempfile.TemporaryFile() as xml:
                xml.write(head)
                count = _RowWriter(len(self.columns) + len(extra), text_columns, text_style).write(
                    (self.cells(row, extra) for row in rows), xml
                )
                xml.write(tail)
                size = xml.tell()
                xml.seek(0)
                with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
                    for item in source.infolist():
                        if item.filename != sheet_path:
                            target.writestr(item, source.read(item.filename))
                            continue
                        info = zipfile.ZipInfo(sheet_path, item.date_time)
                        info.compress_type = zipfile.ZIP_DEFLATED
                        info._compresslevel = 1  # type: ignore[attr-defined]  # the sheet is most of the file: favour speed
                        with target.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as dst:
                            shutil.copyfileobj(xml, dst, 1 << 20)
        return count

    def _write_instructions(self, workbook: Workbook) -> None:
        sheet = workbook.create_sheet(_("填写说明"))
        sheet.column_dimensions["A"].width = 18
        sheet.column_dimensions["B"].width = 8
        sheet.column_dimensions["C"].width = 90
        bold = Font(bold=True)
        sheet.append([WriteOnlyCell(sheet, value=self.title)])
        for note in self.notes:
            sheet.append([str(note)])
        sheet.append([])
        heads = []
        for text in (_("列"), _("必填"), _("格式与说明")):
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            heads.append(cell)
        sheet.append(heads)
        for column in self.columns:
            sheet.append(
                [
                    column.header,
                    _("是") if column.required else "",
                    (_("仅供阅读，导入时忽略。") if column.informative else "") + str(column.help),
                ]
            )

    def write_csv(
        self,
        rows: Iterable[dict[str, Any]],
        out: IO[bytes],
        *,
        extra_headers: list[str] | None = None,
    ) -> int:
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(self.headers + list(extra_headers or []))
        count = 0
        for row in rows:
            writer.writerow(self.cells(row, extra_headers or ()))
            count += 1
        text.flush()
        text.detach()
        return count

    def write(self, rows: Iterable[dict[str, Any]], out: IO[bytes], fmt: str = "xlsx") -> int:
        return self.write_csv(rows, out) if fmt == "csv" else self.write_xlsx(rows, out)

    def template_rows(self) -> list[dict[str, Any]]:
        return []

    def write_template(self, out: IO[bytes], fmt: str = "xlsx") -> None:
        """An empty sheet with the headers (required ones highlighted, each with a comment on
        its format) and, for Excel, a second sheet that explains every column."""
        if fmt == "csv":
            self.write_csv([], out)
            return
        self.write_xlsx([], out, instructions=True)

    def parse_row(self, cells: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Turn one row's cell texts into values: ({key: value}, [(header, message)]).

        Only the columns present in the file are in the result, so an update leaves the
        other fields alone. An empty cell becomes ``None``; a required column left empty is
        reported as such.
        """
        values: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for key, header, required, parse in self._readers:
            text = cells.get(key)
            if text is None:  # the column is not in the file
                continue
            if not text:
                if required:
                    errors.append((header, _("必填。")))
                values[key] = None
            elif parse is None:
                values[key] = text
            else:
                try:
                    values[key] = parse(text)
                except ValidationError as exc:
                    errors.append((header, " ".join(exc.messages)))
        return values, errors

    @functools.cached_property
    def _readers(self) -> list[tuple[str, str, bool, Callable[[str], Any] | None]]:
        return [(c.key, c.header, c.required, c.parse) for c in self.columns if not c.informative]

    def header_for(self, key: str) -> str:
        for column in self.columns:
            if column.key == key:
                return column.header
        return ""

    # --- reading ------------------------------------------------------------------------
    def read(self, handle: IO[bytes], filename: str) -> Iterator[tuple[int, dict[str, str]]]:
        """Yield (row number as the user sees it, {key: cell text}) for every non-empty row.
        Every cell text is stripped of surrounding white space (a column needs no parser
        for that).

        Raises ValidationError naming the missing or unknown headers before any row is read.
        """
        rows = _read_csv(handle) if filename.lower().endswith(".csv") else _read_xlsx(handle)
        try:
            header = next(rows)
        except StopIteration:
            raise ValidationError(_("文件是空的。")) from None
        header = [_normalize_header(_text(h)) for h in header]
        # The 问题 column of a downloaded error list is ignored, so a corrected list can be
        # imported again as it is.
        header = ["" if h == PROBLEM_HEADER else h for h in header]
        by_header = {c.header: c for c in self.columns}
        missing = [c.header for c in self.columns if c.required and c.header not in header]
        unknown = [h for h in header if h and h not in by_header]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(_("缺少必填列：%(cols)s") % {"cols": "、".join(missing)})
            if unknown:
                parts.append(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
            raise ValidationError("；".join(parts) + _("。请使用本系统导出的模板。"))
        duplicated = sorted({h for h in header if h and header.count(h) > 1})
        if duplicated:
            raise ValidationError(
                _("列名重复：%(cols)s。每列只能出现一次。") % {"cols": "、".join(duplicated)}
            )
        positions = [
            (i, by_header[h].key)
            for i, h in enumerate(header)
            if h in by_header and not by_header[h].informative
        ]
        if not positions:
            return
        keys = [key for _i, key in positions]
        pick = itemgetter(*(i for i, _key in positions))
        width = max(i for i, _key in positions) + 1
        for number, texts in enumerate(rows, start=2):
            if len(texts) < width:  # a short row: its last cells were left empty
                texts = texts + [""] * (width - len(texts))
            picked = pick(texts)
            if len(keys) == 1:
                picked = (picked,)
            if any(picked):
                yield number, dict(zip(keys, picked, strict=False))  # as many as keys


PROBLEM_HEADER = "问题"

# A spreadsheet takes a cell that begins with one of these as a formula (OWASP's CSV
# injection list); a leading quote makes it text. Plain numbers (-3, +86138…) stay as they
# are: they cannot call anything.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralise(text: str) -> str:
    """A cell text that no spreadsheet runs as a formula (``unquote`` gives it back)."""
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def unquote(text: str) -> str:
    """The cell text before ``neutralise``, so an exported file imports back unchanged."""
    if text[:1] == "'" and text[1:2] and text[1] in _FORMULA_STARTS:
        return text[1:]
    return text


_MARKER_ROW = re.compile(rb'<row r="2"[^>]*>.*?</row>', re.DOTALL)
_STYLE = re.compile(rb' s="(\d+)"')
# Characters XML 1.0 cannot carry (openpyxl refuses them too); tabs and newlines stay.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _split_at_marker(xml: bytes) -> tuple[bytes, str, bytes]:
    """The sheet XML before and after the marker row, and the marker's (text) style id."""
    match = _MARKER_ROW.search(xml)
    assert match is not None  # the caller had openpyxl write the marker row
    style = _STYLE.search(match.group(0))
    return xml[: match.start()], style.group(1).decode() if style else "0", xml[match.end() :]


class _RowWriter:
    """Rows of cell texts as sheet XML: inline strings (as openpyxl's write-only mode writes
    them), text-formatted where the column says so, empty cells left out."""

    def __init__(self, width: int, text_columns: set[int], text_style: str):
        styled = f' s="{text_style}"'
        self.openers = [  # each with a %d for the row number
            f'<c r="{_column_letter(i)}%d" t="inlineStr"{styled if i in text_columns else ""}><is>'
            for i in range(width)
        ]

    def write(self, rows: Iterable[list[str]], out: IO[bytes], first: int = 2) -> int:
        count = 0
        buffer: list[str] = []
        for cells in rows:
            number = first + count
            buffer.append(f'<row r="{number}">')
            for opener, text in zip(self.openers, cells, strict=False):
                if text:
                    buffer.append(opener % number)
                    buffer.append(_xml_text(text))
                    buffer.append("</t></is></c>")
            buffer.append("</row>")
            count += 1
            if len(buffer) > 50_000:
                out.write("".join(buffer).encode())
                buffer.clear()
        out.write("".join(buffer).encode())
        return count


def _xml_text(text: str) -> str:
    """A cell's text as the start of its ``<t>`` element, escaped."""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not text.isprintable():
        text = _ILLEGAL_XML.sub("", text)
    if text[:1].isspace() or text[-1:].isspace():
        return '<t xml:space="preserve">' + text  # else the reader drops the spaces
    return "<t>" + text


def _normalize_header(text: str) -> str:
    # Headers typed by hand carry stray spaces (also full-width ones) or a required mark.
    return text.replace("\u3000", " ").strip().rstrip("*＊").strip()


def estimate_rows(content: bytes, filename: str) -> int:
    """How many data rows a file holds, cheaply, for the progress bar (exact for simple
    files; the import corrects it as it reads)."""
    if filename.lower().endswith(".csv"):
        return max(content.count(b"\n") - 1 + (0 if content.endswith(b"\n") else 1), 0)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.max_row or 0
        workbook.close()
        if not rows:
            # Files written in streaming mode (ours among them) carry no dimension record:
            # count the row elements of the first sheet instead, without parsing it.
            rows = _count_xml_rows(content, sheet)
    except Exception:  # a broken file is reported by the import itself
        return 0
    return max(rows - 1, 0)


def _count_xml_rows(content: bytes, sheet: Any) -> int:
    path = getattr(sheet, "_worksheet_path", "") or "xl/worksheets/sheet1.xml"
    rows = 0
    tail = b""  # shorter than a tag, so a tag cut at a block boundary is counted once
    with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(path.lstrip("/")) as xml:
        while block := xml.read(1 << 20):
            chunk = tail + block
            rows += chunk.count(b"<row ") + chunk.count(b"<row>")
            tail = chunk[-4:]
    return rows


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turned a code into a number: give the digits back
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    return unquote(str(value).strip()).strip()


def _read_xlsx(handle: IO[bytes]) -> Iterator[list[Any]]:
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(
            _(
                "无法读取 Excel 文件：它不是 .xlsx 工作簿，或文件已损坏。旧版 .xls 请先另存为 .xlsx 或 CSV。"
            )
        ) from exc
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield [_cell_text(v) for v in row]
    workbook.close()


def _read_csv(handle: IO[bytes]) -> Iterator[list[Any]]:
    raw = handle.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("无法识别 CSV 文件的编码，请保存为 UTF-8。"))
    strip = str.strip
    for row in csv.reader(io.StringIO(text)):
        cells = list(map(strip, row))
        # A neutralised cell begins with a quote: rare, so looked for once a row (cell by
        # cell, the look was half the reading's time).
        if "'" in "".join(cells):
            cells = [unquote(v).strip() for v in cells]
        yield cells
