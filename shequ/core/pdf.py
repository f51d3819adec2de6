"""Printed documents: one-page PDFs with an embedded Chinese font and a QR code.

A document's text must survive copy, search and text extraction, so the font is a TrueType
font embedded (as a subset) in the file — never the PDF library's built-in CID fonts, which
name a font the reader must already have. The font file is found at run time: the setting
``SHEQU_PDF_FONT`` (a .ttf/.ttc path), else fontconfig (``fc-match``) asked for a CJK font;
Debian's ``fonts-wqy-microhei`` is what ``make install-test`` installs (README, "Fonts").

The QR code is drawn as vector squares (segno's matrix), so it stays sharp when printed and
costs no image encoding. No app's data or role lives here: an app hands over a ``PdfDocument``.
"""

import io
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from functools import cache

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_NAME = "ShequCJK"
# Asked of fontconfig in this order; the first family it really has wins (fc-match always
# answers something, so the answer's family is compared with the one asked for).
_FONT_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "AR PL UMing CN")


@dataclass(frozen=True)
class PdfDocument:
    """What one printed page says. ``fields`` are (label, value) rows; ``qr_text`` is the
    verification address the QR code carries, printed below it too."""

    title: str
    number: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    issuer: str = ""
    issued_on: str = ""
    qr_text: str = ""
    qr_caption: str = ""
    footer: str = ""


def font_path() -> str:
    """The TrueType file embedded in every document (see the module's note)."""
    configured = getattr(settings, "PDF_FONT", "")
    if configured:
        return str(configured)
    found = _fontconfig_font()
    if not found:
        raise ImproperlyConfigured(
            "No Chinese TrueType font found for PDF documents: install fonts-wqy-microhei "
            "(apt) or set SHEQU_PDF_FONT to a .ttf/.ttc file."
        )
    return found


@cache
def _fontconfig_font() -> str:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return ""
    for family in _FONT_FAMILIES:
        result = subprocess.run(  # noqa: S603 — fixed arguments
            [fc_match, "-f", "%{family}\n%{file}", f"{family}:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        lines = result.stdout.splitlines()
        if result.returncode == 0 and len(lines) >= 2 and family in lines[0]:
            return lines[1]
    return ""


_FONT_LOCK = threading.Lock()


def _register_font(path: str) -> str:
    # One reading per process: a document asked for while the start-up thread reads the
    # font waits for it rather than reading it a second time.
    with _FONT_LOCK:
        return _read_font(path)


@cache
def _read_font(path: str) -> str:
    # A .ttc holds several faces; the first is the regular one in the fonts we look for.
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def preload_font() -> bool:
    """Read and register the font now (a serving process calls it once at start, in a
    thread); a missing font is reported by the first document, not here."""
    try:
        _register_font(font_path())
    except (ImproperlyConfigured, OSError):
        return False
    return True


def qr_matrix(text: str) -> tuple[tuple[int, ...], ...]:
    """The QR code's modules (1 = dark), error correction M, without the quiet zone."""
    qr = segno.make(text, error="m", micro=False)
    return tuple(tuple(row) for row in qr.matrix)


def _draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(text)
    module = size / len(matrix)
    canvas.setFillGray(0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):  # one rectangle per run of dark modules: a smaller file
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                canvas.rect(
                    x + start * module,
                    y + size - (r + 1) * module,
                    (c - start) * module,
                    module,
                    stroke=0,
                    fill=1,
                )
            else:
                c += 1


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break Chinese text by character (no spaces to break at) to fit ``width``."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, font, size) > width and line:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


def render_pdf(document: PdfDocument) -> bytes:
    """One A4 page: title, number, the fields, the paragraphs, issuer and date, the QR code."""
    font = _register_font(font_path())
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(document.title)
    canvas.setAuthor(document.issuer or "Shequ")
    width, height = A4
    left, right = 25 * mm, width - 25 * mm

    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, height - 35 * mm, document.title)
    canvas.setFont(font, 10)
    canvas.drawRightString(right, height - 45 * mm, document.number)

    y = height - 62 * mm
    canvas.setFont(font, 12)
    for label, value in document.fields:
        canvas.drawString(left, y, f"{label}：")
        for line in _wrap(value, font, 12, right - left - 40 * mm):
            canvas.drawString(left + 40 * mm, y, line)
            y -= 8 * mm
    y -= 4 * mm
    for paragraph in document.paragraphs:
        for line in _wrap(paragraph, font, 12, right - left):
            canvas.drawString(left, y, line)
            y -= 7 * mm
        y -= 3 * mm

    signature_y = 95 * mm
    canvas.setFont(font, 12)
    if document.issuer:
        canvas.drawRightString(right, signature_y, document.issuer)
        # The place of the seal: a printed circle, stamped by hand on the paper copy.
        canvas.setStrokeColorRGB(0.8, 0.1, 0.1)
        canvas.circle(right - 20 * mm, signature_y + 2 * mm, 18 * mm, stroke=1, fill=0)
        canvas.setStrokeGray(0)
    if document.issued_on:
        canvas.drawRightString(right, signature_y - 8 * mm, document.issued_on)

    if document.qr_text:
        size = 30 * mm
        _draw_qr(canvas, document.qr_text, left, 40 * mm, size)
        canvas.setFont(font, 8)
        text_x = left + size + 5 * mm
        caption_lines = (
            _wrap(document.qr_caption, font, 9, right - text_x) if document.qr_caption else []
        )
        line_y = 40 * mm + size - 4 * mm
        for line in caption_lines:
            canvas.drawString(text_x, line_y, line)
            line_y -= 5 * mm
        canvas.drawString(text_x, line_y, document.qr_text)
    if document.footer:
        canvas.setFont(font, 8)
        canvas.drawCentredString(width / 2, 20 * mm, document.footer)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
