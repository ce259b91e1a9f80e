"""The docx report carries the pdf's charts: one picture per chart after the sections, each a
PNG drawn with the project's font (Vietnamese letters with their marks) and the SVG beside it
for Word, with the pdf's caption and alternative text; the numbers stay in the tables."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import unicodedata

import pytest
from PIL import Image

from tinhso.indicators.periods import Period
from tinhso.indicators.report import pictures
from tinhso.indicators.report.data import report_build
from tinhso.indicators.report.render import (
    paragraphs,
    ranking_svg,
    render,
    report_charts,
    trend_svg,
    unit_label,
)
from tinhso.indicators.tests.province import make_province

WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


@pytest.fixture
def province(db, media):
    """2022 and 2021 one-stop figures for the tax office and a commune's People's Committee,
    so the report has a trend and a ranking of communes."""
    from tinhso.onestop.models import DossierStatMonth
    from tinhso.onestop.status import Channel

    p = make_province()
    for agency, day, received, early in ((p.tax, dt.date(2022, 3, 1), 600_000, 500_000),
                                         (p.commune_committee, dt.date(2022, 11, 1), 386_337,
                                          300_000),
                                         (p.tax, dt.date(2021, 5, 1), 800_000, 700_000)):
        DossierStatMonth.objects.create(
            month=day, province_code="38", agency=agency, channel=Channel.ONLINE,
            online_level="full", received=received, resolved_early=early,
            resolved_on_time=10_000, resolved_late=5_000)
    return p


def _docx(content: bytes):
    from docx import Document

    return Document(io.BytesIO(content))


def _ink(png: bytes) -> tuple[int, tuple[int, int, int, int] | None]:
    """Pixels that are not white, and their bounding box."""
    image = Image.open(io.BytesIO(png)).convert("L")
    mask = image.point(lambda v: 255 if v < 240 else 0)
    return sum(image.histogram()[:240]), mask.getbbox()


def test_the_docx_has_one_picture_per_chart_of_the_pdf_with_its_caption(province):
    report = report_build(Period.parse("2022"))
    charts = report_charts(report)
    assert [c.svg for c in charts] == [trend_svg(report), ranking_svg(report)]
    doc = _docx(render(report, "docx"))

    assert len(doc.inline_shapes) == len(charts) == 2
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions == [
        f"Biểu đồ: {report.trend.indicator.name_vi} qua các kỳ.",
        f"Biểu đồ: {report.rank_indicator.name_vi} theo xã, phường."]
    # As in the pdf: after the sections' sentences, before the appendix of tables.
    texts = [p.text for p in doc.paragraphs]
    first_chart = next(i for i, p in enumerate(doc.paragraphs)
                       if p._p.findall(f".//{{{WP}}}inline"))
    assert texts.index(paragraphs(report)[-1][0]) < first_chart < texts.index(captions[0])
    assert texts.index(captions[1]) < texts.index("Phụ lục: bảng số liệu")
    # The numbers are still in the tables.
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "986.337" in cells and "800.000" in cells


def test_each_picture_is_a_drawn_png_with_the_svg_beside_it_and_alt_text(province):
    report = report_build(Period.parse("2022"))
    doc = _docx(render(report, "docx"))
    section = doc.sections[-1]
    for shape, chart in zip(doc.inline_shapes, report_charts(report), strict=True):
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        png = doc.part.related_parts[blip.embed].blob
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        assert image.width == 1280 and 100 <= image.height <= 1400  # 640 px SVG, drawn at 2×
        ink, _ = _ink(png)
        assert 0.01 * image.width * image.height < ink < 0.6 * image.width * image.height
        assert shape.width <= section.page_width - section.left_margin - section.right_margin

        svg_blips = blip.findall(f".//{{{pictures.ASVG}}}svgBlip")
        assert len(svg_blips) == 1
        svg_part = doc.part.related_parts[svg_blips[0].get(f"{{{pictures.R}}}embed")]
        assert svg_part.content_type == "image/svg+xml"
        assert svg_part.blob.decode() == chart.svg

        descr = shape._inline.docPr.get("descr")  # the title, then the series in words
        assert descr == pictures.alt_text(chart.svg)
        assert descr.startswith(chart.caption.removeprefix("Biểu đồ: ").rstrip(". "))
        assert "2022: " in descr if chart.svg == trend_svg(report) else "2022" not in descr


def test_the_png_sets_vietnamese_letters_with_their_marks_in_the_projects_font():
    def draw(text: str) -> bytes:
        return pictures.svg_png(
            '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80">'
            f'<text x="10" y="60" font-size="40" font-family="Some Missing Font">{text}</text>'
            "</svg>", zoom=1)

    plain_ink, plain_box = _ink(draw("a"))
    composed = draw(unicodedata.normalize("NFC", "ẩ"))
    decomposed = draw(unicodedata.normalize("NFD", "ẩ"))
    ink, box = _ink(composed)
    assert plain_ink > 50  # the font was found although the SVG names one nobody has
    assert box[1] < plain_box[1] - 8 and ink > plain_ink  # the marks stand above the letter
    # The precomposed letter and the letter with combining marks look the same: no missing
    # glyph boxes.
    assert abs(_ink(decomposed)[0] - ink) < 0.15 * ink


def test_the_pdf_shows_the_same_charts_with_the_same_captions(province, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("PDFTOTEXT NOT FOUND: install poppler-utils to read the pdf's captions")
    report = report_build(Period.parse("2022"))
    path = tmp_path / "r.pdf"
    path.write_bytes(render(report, "pdf"))
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"],  # noqa: S603, S607
                                   capture_output=True, check=True, text=True).stdout.split())
    captions = [c.caption for c in report_charts(report)]
    assert len(captions) == 2
    assert all(c in text for c in captions)


def test_libreoffice_converts_the_docx_with_its_pictures(province, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LIBREOFFICE NOT FOUND: install it to check the docx converts to pdf")
    if shutil.which("pdfimages") is None:
        pytest.skip("PDFIMAGES NOT FOUND: install poppler-utils to count the pdf's pictures")
    source = tmp_path / "r.docx"
    source.write_bytes(render(report_build(Period.parse("2022")), "docx"))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",  # noqa: S603
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "r.pdf")],  # noqa: S603, S607
                             check=True, capture_output=True, text=True).stdout
    assert len(listing.splitlines()) - 2 >= 2  # two header lines, then one line per picture


def test_the_ranking_names_communes_not_their_committees_so_labels_fit() -> None:
    assert unit_label("Ủy ban nhân dân phường Đông Thành") == "Phường Đông Thành"
    assert unit_label("ỦY BAN NHÂN DÂN xã Hạc Thành") == "Xã Hạc Thành"
    assert unit_label("Xã Quảng Phú") == "Xã Quảng Phú"
