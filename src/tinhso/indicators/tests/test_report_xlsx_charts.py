"""The xlsx report carries the pdf's two charts as native spreadsheet charts, on its first
sheet after the sentences: the trend (a line over the periods) and the ranking of communes (a
bar per commune, the first ranked on top, at most 15, those with a figure). Each is drawn from
the cells of the report's own sheets, with no copy of the figures, so a number corrected in a
sheet is corrected in its chart. Checked by reopening the file with openpyxl."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tinhso.indicators.registry import Value
from tinhso.indicators.report.data import Report, UnitFigure
from tinhso.indicators.report.render import ROW_CM, render

# The golden test's dataset: 2022 figures for the tax office and two communes (merged in
# 2025), 2021 for the former district; the trend runs 2018 to 2022.
from tinhso.indicators.tests.test_report_golden import dataset, report  # noqa: F401

RANKING_SHEET = "Xếp hạng xã, phường theo tỷ "  # the table's title cut to 28 characters
RATE = "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn"


def _workbook(r: Report) -> Any:
    return load_workbook(io.BytesIO(render(r, "xlsx")))


def _title(chart: Any) -> str:
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def _cells(wb: Any, ref: str) -> list[Any]:
    """The values of a one-column range such as 'Sheet'!$B$3:$B$4."""
    sheet, cells = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'").replace("''", "'")]
    rows = ws[cells.replace("$", "")]
    rows = rows if isinstance(rows, tuple) else ((rows,),)
    return [row[0].value if isinstance(row, tuple) else row.value for row in rows]


def _charts(wb: Any) -> dict[str, Any]:
    return {c.tagname: c for c in wb["Báo cáo"]._charts}


def test_the_first_sheet_has_the_trend_and_the_ranking_titled_as_in_the_pdf(report):  # noqa: F811
    wb = _workbook(report)
    charts = wb["Báo cáo"]._charts
    assert [c.tagname for c in charts] == ["lineChart", "barChart"]  # the pdf's order
    assert [_title(c) for c in charts] == [
        "Số hồ sơ tiếp nhận qua các kỳ",
        f"{RATE} theo xã, phường"]
    # No chart on the tables' sheets: one place to look.
    assert all(not ws._charts for ws in wb.worksheets if ws.title != "Báo cáo")


def test_the_trend_reads_the_periods_and_values_of_its_sheet(report):  # noqa: F811
    wb = _workbook(report)
    (series,) = _charts(wb)["lineChart"].series
    assert series.tx.strRef.f == "'Xu hướng'!$B$1"
    assert series.cat.strRef.f == "'Xu hướng'!$A$2:$A$6"
    assert series.val.numRef.f == "'Xu hướng'!$B$2:$B$6"
    assert _cells(wb, series.cat.strRef.f) == ["2018", "2019", "2020", "2021", "2022"]
    assert _cells(wb, series.val.numRef.f) == [0, 0, 0, 800_000, 986_337]
    assert _cells(wb, series.tx.strRef.f) == ["Số hồ sơ tiếp nhận"]


def test_the_ranking_reads_the_ranked_communes_of_its_sheet(report):  # noqa: F811
    wb = _workbook(report)
    chart = _charts(wb)["barChart"]
    assert chart.type == "bar"  # horizontal bars, as in the pdf
    assert chart.x_axis.scaling.orientation == "maxMin"  # rank 1 on top
    (series,) = chart.series
    assert series.tx.strRef.f == f"'{RANKING_SHEET}'!$D$2"
    assert series.cat.strRef.f == f"'{RANKING_SHEET}'!$B$3:$B$4"
    assert series.val.numRef.f == f"'{RANKING_SHEET}'!$D$3:$D$4"
    assert _cells(wb, series.cat.strRef.f) == ["UBND Xã Cũ B", "UBND Xã Cũ A"]
    assert _cells(wb, series.val.numRef.f) == [98.7, 97.78]
    assert series.dLbls.showVal  # the figure written at each bar, as in the pdf


def test_the_charts_hold_no_copy_of_the_figures_and_show_their_axes(report):  # noqa: F811
    """Excel draws the series from the cells when the file opens: a number corrected in a
    sheet moves its chart. openpyxl 3.1 writes hidden axes unless told otherwise."""
    for chart in _workbook(report)["Báo cáo"]._charts:
        for series in chart.series:
            assert series.val.numRef.numCache is None
            assert series.cat.strRef.strCache is None
        assert chart.x_axis.delete is False and chart.y_axis.delete is False
        assert chart.y_axis.scaling.min == 0  # from zero, as the pdf's charts


def test_the_charts_sit_below_the_sentences_without_overlapping(report):  # noqa: F811
    wb = _workbook(report)
    ws = wb["Báo cáo"]
    footer_row = max(c.row for c in ws["A"] if c.value)
    assert str(ws.cell(footer_row, 1).value).startswith("Số liệu tổng hợp tự động")
    trend, ranking = ws._charts
    first = trend.anchor._from.row + 1  # 0-based in the drawing
    second = ranking.anchor._from.row + 1
    assert first > footer_row
    assert second >= first + trend.height / ROW_CM


def _figure(i: int, value: float | None) -> UnitFigure:
    return UnitFigure(code=f"000.00.{i:02d}.H38", name=f"UBND Xã Số {i}", commune=True,
                      value=Value(0, 100, value))


def test_the_ranking_shows_the_first_fifteen_with_a_figure(report):  # noqa: F811
    """As the pdf's chart: at most 15 bars, never a commune without a figure (the sheet
    lists them all, those without a figure last)."""
    communes = [_figure(i, 100 - i) for i in range(1, 21)]
    wb = _workbook(dataclasses.replace(report, communes=communes))
    (series,) = _charts(wb)["barChart"].series
    assert series.val.numRef.f == f"'{RANKING_SHEET}'!$D$3:$D$17"
    assert _cells(wb, series.cat.strRef.f) == [f"UBND Xã Số {i}" for i in range(1, 16)]
    assert wb[RANKING_SHEET].max_row == 22  # title, headers, 20 communes

    few = [_figure(1, 90), _figure(2, 80), _figure(3, None)]
    wb = _workbook(dataclasses.replace(report, communes=few))
    (series,) = _charts(wb)["barChart"].series
    assert _cells(wb, series.cat.strRef.f) == ["UBND Xã Số 1", "UBND Xã Số 2"]


@pytest.mark.parametrize(("change", "left"), [
    ({"communes": [_figure(1, None)]}, ["lineChart"]),  # no commune has a figure
    ({"trend": None}, ["barChart"]),
    ({"trend": None, "rank_indicator": None, "communes": []}, []),
])
def test_a_chart_without_data_is_left_out(report, change, left):  # noqa: F811
    wb = _workbook(dataclasses.replace(report, **change))
    assert [c.tagname for c in wb["Báo cáo"]._charts] == left
