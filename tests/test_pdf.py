"""Printed documents (core/pdf.py): an embedded Chinese font, text that extracts, a QR code."""

import io
import time

import pytest
import segno
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from shequ.core import pdf

pytestmark = pytest.mark.skipif(
    not pdf._fontconfig_font(), reason="no Chinese font installed (fonts-wqy-microhei)"
)


def _document() -> pdf.PdfDocument:
    return pdf.PdfDocument(
        title="婚育情况证明",
        number="示范街道〔2026〕第000001号",
        fields=[("姓名", "张*"), ("婚姻状况", "已婚")],
        paragraphs=["兹证明以上情况属实，本证明自开具之日起三个月内有效。"],
        issuer="示范街道办事处",
        issued_on="2026年12月6日",
        qr_text="https://shequ.example/verify/abc/",
        qr_caption="扫码核验真伪",
    )


def test_text_extracts_as_chinese_and_the_font_is_embedded():
    data = pdf.render_pdf(_document())
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    for words in (
        "婚育情况证明",
        "示范街道〔2026〕第000001号",
        "已婚",
        "三个月内有效",
        "扫码核验真伪",
    ):
        assert words in text
    fonts = [ref.get_object() for ref in reader.pages[0]["/Resources"]["/Font"].values()]
    # reportlab names Helvetica on every page (its initial font, unused here); every other
    # font is TrueType with its program in the file (FontFile2), none a bare CID font name.
    ours = [font for font in fonts if font["/BaseFont"] != "/Helvetica"]
    assert ours
    for font in ours:
        assert font["/Subtype"] == "/TrueType", font
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_the_qr_code_carries_the_address():
    matrix = pdf.qr_matrix("https://shequ.example/verify/abc/")
    expected = segno.make("https://shequ.example/verify/abc/", error="m", micro=False)
    assert len(matrix) == len(expected.matrix)


def test_a_document_takes_under_300_ms():
    pdf.render_pdf(_document())  # the font is read once per process
    started = time.perf_counter()
    pdf.render_pdf(_document())
    assert time.perf_counter() - started < 0.3


def test_the_font_setting_wins(settings, tmp_path):
    settings.PDF_FONT = str(tmp_path / "missing.ttf")
    assert pdf.font_path() == str(tmp_path / "missing.ttf")


def test_no_font_is_a_clear_error(settings, monkeypatch):
    settings.PDF_FONT = ""
    monkeypatch.setattr(pdf, "_fontconfig_font", lambda: "")
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
        pdf.font_path()
