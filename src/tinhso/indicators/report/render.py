"""The report in files: docx (python-docx), xlsx (openpyxl) and pdf (WeasyPrint from an HTML
template, Noto Serif as the one-stop slips use). All three show the same sentences and tables
(`tables`); the pdf and the docx also have the charts (`report_charts`: server-drawn SVG,
in the docx as a PNG drawn by resvg with the SVG beside it, see `pictures`), after the
sections and before the appendix of tables; the xlsx has a native spreadsheet chart."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from tinhso.core import fonts
from tinhso.indicators import charts
from tinhso.indicators.report import pictures, text
from tinhso.indicators.report.data import STATUS_VI, Report, target_text
from tinhso.indicators.report.numbers import vn_value

FORMATS = ("docx", "pdf", "xlsx")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Cell:
    text: str
    number: float | int | None = None  # the raw figure, for spreadsheets
    kind: str = ""  # "rate" (two decimals) or "count"


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    key: str = ""  # "ranking" for the ranking of communes, which the xlsx charts


def _num(value: Any, kind: str) -> Cell:
    number = None if value is None else (float(value) if isinstance(value, Decimal | float)
                                         else value)
    return Cell(vn_value(value, kind), number, kind)


def _plain(s: str) -> Cell:
    return Cell(s)


def pillar_table(section: Any, report: Report) -> Table:
    headers = ["Chỉ số", text.period_vi(report.period).capitalize(),
               text.period_vi(report.previous_period).capitalize()
               if report.previous_period else "Kỳ trước",
               f"Chỉ tiêu năm {report.period.year}", "Đánh giá"]
    rows = []
    for f in section.figures:
        kind = f.indicator.kind
        rows.append([
            _plain(f.indicator.name_vi), _num(f.value.value, kind),
            _num(f.previous.value if f.previous else None, kind),
            _plain(target_text(f.target, kind) if f.target else "–"),
            _plain(STATUS_VI[f.status] if f.target else "Chưa giao chỉ tiêu"),
        ])
    return Table(section.name_vi, headers, rows)


def targets_table(report: Report) -> Table:
    rows = []
    for r in report.targets:
        from tinhso.indicators import registry

        indicator = registry.get(r.target.indicator_code)
        kind = indicator.kind if indicator else "count"
        name = indicator.name_vi if indicator else r.target.indicator_code
        unit = r.target.unit.name + (f" (kế thừa {r.via.name})" if r.via is not None else "")
        rows.append([
            _plain(name), _plain(unit), _plain(target_text(r, kind)),
            _num(r.value.value if r.value is not None else None, kind),
            _num(r.attainment.gap, kind) if r.attainment.gap is not None else _plain("–"),
            _plain(STATUS_VI[r.attainment.status]),
            _plain(f"{r.target.decision.number} ngày {r.target.decision.date:%d/%m/%Y}"),
        ])
    return Table(f"Chỉ tiêu năm {report.period.year} và kết quả thực hiện",
                 ["Chỉ số", "Đơn vị", "Chỉ tiêu", "Thực hiện", "Còn thiếu", "Đánh giá",
                  "Quyết định giao"], rows)


def units_table(title: str, figures: list[Any], indicator: Any, key: str = "") -> Table:
    kind = indicator.kind if indicator else "count"
    rows = [[_plain(str(i)), _plain(f.name), _plain(f.code), _num(f.value.value, kind),
             _num(f.value.denominator, "count") if kind == "rate" else _plain("")]
            for i, f in enumerate(figures, 1)]
    return Table(title, ["Hạng", "Đơn vị", "Mã", indicator.name_vi if indicator else "",
                         "Số hồ sơ (mẫu số)" if kind == "rate" else ""], rows, key)


def tables(report: Report) -> list[Table]:
    from tinhso.indicators import registry

    out = [pillar_table(s, report) for s in report.pillars]
    out.append(targets_table(report))
    lag = registry.get("onestop.on_time_rate")
    out.append(units_table("Các xã, phường có tỷ lệ giải quyết đúng hạn thấp nhất",
                           report.lagging_communes, lag))
    out.append(units_table("Các cơ quan có tỷ lệ giải quyết đúng hạn thấp nhất",
                           report.lagging_agencies, lag))
    if report.rank_indicator is not None:
        out.append(units_table(f"Xếp hạng xã, phường theo {report.rank_indicator.name_vi.lower()}",
                               report.communes, report.rank_indicator, key="ranking"))
    return out


def paragraphs(report: Report) -> list[tuple[str, list[str]]]:
    """(heading, sentences) for each section, in order."""
    out = [("", [text.intro(report)])]
    for i, section in enumerate(report.pillars, 1):
        out.append((f"{i}. {section.name_vi}", text.pillar_sentences(section, report)))
    out.append((f"{len(report.pillars) + 1}. Thực hiện chỉ tiêu", [text.attainment_sentence(report)]))
    return out


def trend_svg(report: Report, chart_id: str = "trend") -> str:
    t = report.trend
    if t is None:
        return ""
    kind = t.indicator.kind
    return charts.line_chart(
        chart_id=chart_id, title=f"{t.indicator.name_vi} qua các kỳ",
        labels=[str(p) for p in t.periods], values=[v.value for v in t.values],
        fmt=lambda v: vn_value(v, kind))


PEOPLES_COMMITTEE = "Ủy ban nhân dân "


def unit_label(name: str) -> str:
    """A commune's name for a chart's narrow label column: "Ủy ban nhân dân phường Đông Thành"
    -> "Phường Đông Thành" (the committee stands for its commune)."""
    if name.casefold().startswith(PEOPLES_COMMITTEE.casefold()):
        rest = name[len(PEOPLES_COMMITTEE):]
        return rest[:1].upper() + rest[1:]
    return name


RANKING_SHOWN = 15  # bars in the ranking chart (pdf, docx, xlsx)


def ranking_svg(report: Report, chart_id: str = "ranking", limit: int = RANKING_SHOWN) -> str:
    i = report.rank_indicator
    if i is None:
        return ""
    shown = [f for f in report.communes if f.value.value is not None][:limit]
    return charts.bar_chart(
        chart_id=chart_id, title=f"{i.name_vi} theo xã, phường",
        labels=[unit_label(f.name) for f in shown], values=[f.value.value for f in shown],
        fmt=lambda v: vn_value(v, i.kind))


@dataclass(frozen=True)
class Chart:
    svg: str
    caption: str  # the pdf's figcaption


def report_charts(report: Report) -> list[Chart]:
    """The charts the docx shows, in order, with their captions: those of the pdf's template
    (`indicators/report.html`), which a test holds to the same captions."""
    out = []
    if report.trend is not None:
        out.append(Chart(trend_svg(report),
                         f"Biểu đồ: {report.trend.indicator.name_vi} qua các kỳ."))
    if report.rank_indicator is not None and report.communes:
        out.append(Chart(ranking_svg(report),
                         f"Biểu đồ: {report.rank_indicator.name_vi} theo xã, phường."))
    return out


# --- docx -----------------------------------------------------------------------------------


def to_docx(report: Report) -> bytes:
    from docx import Document
    from docx.shared import Inches, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    doc.add_paragraph(f"BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ {report.province_name.upper()}")
    doc.add_heading(text.title(report).upper(), level=0)
    for heading, sentences in paragraphs(report):
        if heading:
            doc.add_heading(heading, level=1)
        for s in sentences:
            doc.add_paragraph(s)
    section = doc.sections[-1]  # the charts span the text column (6 inches in the template)
    width = ((section.page_width or Inches(8.5)) - (section.left_margin or 0)
             - (section.right_margin or 0))
    for chart in report_charts(report):
        pictures.add_chart(doc, chart.svg, chart.caption, width=width)
    doc.add_heading("Phụ lục: bảng số liệu", level=1)
    for t in tables(report):
        doc.add_heading(t.title, level=2)
        if not t.rows:
            doc.add_paragraph("Không có số liệu.")
            continue
        table = doc.add_table(rows=1, cols=len(t.headers))
        table.style = "Table Grid"
        for cell, h in zip(table.rows[0].cells, t.headers, strict=True):
            cell.text = h
        for row in t.rows:
            cells = table.add_row().cells
            for cell, c in zip(cells, row, strict=True):
                cell.text = c.text
    doc.add_paragraph(_footer(report))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _footer(report: Report) -> str:
    at = timezone.localtime(report.built_at)
    scope = "các chỉ số công khai" if report.public_only else "toàn bộ các chỉ số"
    return (f"Số liệu tổng hợp tự động từ nền tảng Tỉnh số lúc {at:%H:%M} ngày "
            f"{at:%d/%m/%Y} ({scope}).")


# --- xlsx -----------------------------------------------------------------------------------

ROW_CM = 0.53  # a row of the default height (15 pt), to stack the charts without overlap


def _number_format(kind: str) -> str:
    return "#,##0.00" if kind == "rate" else "#,##0"


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append([text.title(report)])
    ws["A1"].font = Font(bold=True, size=14)
    for heading, sentences in paragraphs(report):
        if heading:
            ws.append([heading])
            ws.cell(ws.max_row, 1).font = Font(bold=True)
        for s in sentences:
            ws.append([s])
    ws.append([_footer(report)])
    ws.column_dimensions["A"].width = 120
    ranking = None
    for t in tables(report):
        sheet = wb.create_sheet(_sheet_name(t.title, wb.sheetnames))
        sheet.append([t.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(t.headers)
        for c in sheet[2]:
            c.font = Font(bold=True)
        for row in t.rows:
            sheet.append([c.number if c.number is not None else c.text for c in row])
            for cell, c in zip(sheet[sheet.max_row], row, strict=True):
                if c.number is not None:
                    cell.number_format = _number_format(c.kind)
        sheet.column_dimensions["A"].width = 50
        sheet.column_dimensions["B"].width = 30
        if t.key == "ranking":
            ranking = sheet
    trend = None
    if report.trend is not None:
        trend = wb.create_sheet("Xu hướng")
        trend.append(["Kỳ", report.trend.indicator.name_vi])
        for p, v in zip(report.trend.periods, report.trend.values, strict=True):
            trend.append([str(p), v.value])
            trend.cell(trend.max_row, 2).number_format = _number_format(
                report.trend.indicator.kind)
        trend.column_dimensions["B"].width = 30
    _xlsx_charts(report, ws, trend, ranking)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _xlsx_charts(report: Report, ws: Any, trend: Any, ranking: Any) -> None:
    """The pdf's two charts as native charts on the report's sheet, after its sentences (as
    the pdf has them after the sections), titled as the pdf's. Their series are the cells of
    the "Xu hướng" sheet and of the ranking's sheet, so a figure corrected there is corrected
    in the chart too."""
    row = ws.max_row + 2
    for chart in (_trend_chart(report, trend), _ranking_chart(report, ranking)):
        if chart is None:
            continue
        ws.add_chart(chart, f"A{row}")
        row += int(chart.height / ROW_CM) + 2


def _series(chart: Any, sheet: Any, *, value_col: int, label_col: int, header_row: int,
            last_row: int) -> None:
    """One series: its name the header cell, its values the cells below it, its categories
    the text cells of `label_col` (openpyxl's `set_categories` declares them numbers, and
    names the header by a relative reference)."""
    from openpyxl.chart import Reference, Series
    from openpyxl.chart.data_source import AxDataSource, StrRef
    from openpyxl.chart.series import SeriesLabel

    series = Series(Reference(sheet, min_col=value_col, min_row=header_row + 1,
                              max_row=last_row))
    series.tx = SeriesLabel(strRef=StrRef(f=str(Reference(sheet, min_col=value_col,
                                                          min_row=header_row))))
    series.cat = AxDataSource(strRef=StrRef(f=str(Reference(
        sheet, min_col=label_col, min_row=header_row + 1, max_row=last_row))))
    chart.series.append(series)


def _axes(chart: Any, value_format: str, *, horizontal: bool = False) -> None:
    """Both axes shown (openpyxl 3.1 leaves `delete` unset, which Excel reads as hidden) and
    the title above the plot, the value axis from zero as in the pdf's charts, its labels in
    the figures' format."""
    chart.title.overlay = False
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.axPos, chart.y_axis.axPos = ("l", "b") if horizontal else ("b", "l")
    chart.y_axis.scaling.min = 0
    chart.y_axis.number_format = value_format


def _trend_chart(report: Report, sheet: Any) -> Any:
    """The trend: a line over the periods, from the "Xu hướng" sheet (A: period, B: value)."""
    from openpyxl.chart import LineChart

    if report.trend is None or sheet is None:
        return None
    chart = LineChart()
    chart.title = f"{report.trend.indicator.name_vi} qua các kỳ"
    _series(chart, sheet, value_col=2, label_col=1, header_row=1, last_row=sheet.max_row)
    chart.legend = None
    chart.series[0].marker.symbol = "circle"
    _axes(chart, _number_format(report.trend.indicator.kind))
    chart.width, chart.height = 20, 9
    return chart


def _ranking_chart(report: Report, sheet: Any) -> Any:
    """The ranking: a horizontal bar per commune, the first ranked on top, as many as the
    pdf's chart shows (those with a figure, at most RANKING_SHOWN), from the ranking's sheet
    (B: the unit, D: its figure; row 2 the headers)."""
    from openpyxl.chart import BarChart
    from openpyxl.chart.label import DataLabelList

    indicator = report.rank_indicator
    if indicator is None or sheet is None:
        return None
    shown = len([f for f in report.communes if f.value.value is not None][:RANKING_SHOWN])
    if not shown:
        return None
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"{indicator.name_vi} theo xã, phường"
    _series(chart, sheet, value_col=4, label_col=2, header_row=2, last_row=2 + shown)
    chart.legend = None
    chart.series[0].dLbls = DataLabelList(showVal=True)
    chart.x_axis.scaling.orientation = "maxMin"  # rank 1 on top
    chart.y_axis.crosses = "max"  # and the value axis below the bars
    _axes(chart, _number_format(indicator.kind), horizontal=True)
    chart.width, chart.height = 20, max(6.0, 2.0 + 0.75 * shown)
    return chart


def _sheet_name(title: str, taken: list[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Bảng"
    name, n = base, 2
    while name in taken:
        name = f"{base[:26]} {n}"
        n += 1
    return name


# --- pdf ------------------------------------------------------------------------------------


def report_context(report: Report) -> dict[str, Any]:
    return {"r": report, "title": text.title(report), "paragraphs": paragraphs(report),
            "tables": tables(report), "trend_svg": trend_svg(report),
            "ranking_svg": ranking_svg(report), "footer": _footer(report),
            "province_upper": report.province_name.upper()}


@lru_cache(maxsize=1)
def _font_faces() -> str:
    """@font-face rules for static Noto Serif cuts (`core.fonts`, as the slips do); empty
    without the font package (the stylesheet then falls back to DejaVu/Liberation Serif)."""
    rules = []
    for style, italic, weight in (("normal", False, 400), ("normal", False, 700),
                                  ("italic", True, 400)):
        try:
            path = fonts.noto_serif(weight, italic=italic)
        except fonts.FontMissing:
            return ""
        rules.append("@font-face { font-family: 'Report Serif'; "
                     f"src: url('{path.as_uri()}') format('truetype'); "
                     f"font-weight: {weight}; font-style: {style}; }}")
    return "\n".join(rules)


def to_pdf(report: Report) -> bytes:
    import weasyprint

    html = render_to_string("indicators/report.html",
                            {**report_context(report), "font_faces": _font_faces()})
    return weasyprint.HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf() or b""


def render(report: Report, fmt: str) -> bytes:
    if fmt == "docx":
        return to_docx(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "pdf":
        return to_pdf(report)
    raise ValueError(fmt)


def filename(report: Report, fmt: str) -> str:
    return f"bao-cao-chuyen-doi-so-{report.period}.{fmt}"

