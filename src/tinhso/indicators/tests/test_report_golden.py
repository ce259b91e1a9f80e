"""A golden test of the Steering Committee report: the docx's paragraphs and table cells (as
text) and the xlsx's cells (as JSON), built from a fixed hand-built dataset with a fixed build
time, must equal the files in `golden/`. Any change of a number, a sentence, a row or its order
fails the test, with a diff.

The dataset: the source report's 2022 figures (986.337 received, 947.069 resolved, 98,26% on
time) spread over the tax office (province level) and the committees of two communes merged on
1 July 2025 (so the 2022 ranking lists the communes of that time), the former district's 2021
figures as the previous period, and two targets for 2022.

After an intended change of the report, regenerate the files and read the diff before
committing them:

    UPDATE_GOLDEN=1 .venv/bin/pytest src/tinhso/indicators/tests/test_report_golden.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.directory.models import Agency
from tinhso.indicators import services
from tinhso.indicators.periods import Period
from tinhso.indicators.report.data import Report, report_build
from tinhso.indicators.report.render import render
from tinhso.indicators.tests.province import AT, make_province

GOLDEN = Path(__file__).parent / "golden"
BUILT_AT = dt.datetime(2023, 1, 16, 1, 30, tzinfo=dt.UTC)  # 08:30 in Vietnam
TODAY = dt.date(2023, 1, 16)


def _month(agency: Any, day: dt.date, channel: int, **counts: int) -> None:
    from tinhso.onestop.models import DossierStatMonth

    DossierStatMonth.objects.create(month=day, province_code="38", agency=agency,
                                    channel=channel, online_level="full", **counts)


@pytest.fixture
def dataset(db, media) -> None:
    from tinhso.onestop.status import Channel

    p = make_province()
    kind = Agency.Kind
    district = AgencyFactory(name="UBND Huyện Cũ", unit=p.district, is_active=False,
                             kind=kind.PEOPLES_COMMITTEE)
    a = AgencyFactory(name="UBND Xã Cũ A", unit=p.old_a, kind=kind.COMMUNE, is_active=False)
    b = AgencyFactory(name="UBND Xã Cũ B", unit=p.old_b, kind=kind.COMMUNE, is_active=False)
    # Fixed codes: the factory's depend on the tests run before.
    agencies: tuple[Any, ...] = (p.tax, p.science, p.commune_committee, district, a, b)
    for i, agency in enumerate(agencies, 1):
        Agency.objects.filter(pk=agency.pk).update(code=f"000.00.{i:02d}.H38")
        agency.refresh_from_db()
    _month(p.tax, dt.date(2022, 3, 1), Channel.ONLINE, received=600_000,
           resolved_early=500_000, resolved_on_time=100_000, resolved_late=10_000,
           paid_online=90, paid_total=100)
    _month(a, dt.date(2022, 11, 1), Channel.IN_PERSON, received=250_000,
           resolved_early=200_000, resolved_on_time=20_000, resolved_late=5_000)
    _month(b, dt.date(2022, 6, 1), Channel.IN_PERSON, received=136_337,
           resolved_early=100_000, resolved_on_time=10_614, resolved_late=1_455)
    _month(district, dt.date(2021, 5, 1), Channel.ONLINE, received=800_000, resolved_early=1,
           resolved_on_time=1)
    services.target_decision_create(
        actor=p.reviewer, agency=p.science, number="969/QĐ-UBND", date=dt.date(2022, 1, 10),
        title="Giao chỉ tiêu chuyển đổi số năm 2022", at=AT, targets=[
            {"indicator": "onestop.on_time_rate", "unit": "38", "year": 2022,
             "comparator": "gte", "value": 99},
            {"indicator": "onestop.online_rate", "unit": "38", "year": 2022,
             "comparator": "gte", "value": 50}])


@pytest.fixture
def report(dataset) -> Report:
    built = report_build(Period.parse("2022"), today=TODAY)
    return dataclasses.replace(built, built_at=BUILT_AT)


def docx_lines(content: bytes) -> list[str]:
    """The docx's paragraphs, then each table's rows (cells joined by " | ")."""
    from docx import Document

    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for n, table in enumerate(doc.tables, 1):
        lines.append(f"--- bảng {n} ---")
        lines.extend(" | ".join(c.text for c in row.cells) for row in table.rows)
    return lines


def xlsx_cells(content: bytes) -> dict[str, list[list[Any]]]:
    """Each sheet's rows of cell values."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
            for ws in wb.worksheets}


def _compare(name: str, got: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: UPDATE_GOLDEN=1 pytest {__file__}"
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(),
                                              f"golden/{name}", "built", lineterm=""))
        pytest.fail(f"The report differs from golden/{name}:\n{diff}", pytrace=False)


def test_the_docx_report_equals_the_golden_text(report):
    _compare("report-2022-docx.txt", "\n".join(docx_lines(render(report, "docx"))) + "\n")


def test_the_xlsx_report_equals_the_golden_cells(report):
    cells = xlsx_cells(render(report, "xlsx"))
    # JSON with a row per line, so that a diff names the row
    sheets = [json.dumps(title, ensure_ascii=False) + ": [\n" + ",\n".join(
        "  " + json.dumps(row, ensure_ascii=False, default=str) for row in rows) + "\n]"
        for title, rows in cells.items()]
    text = "{\n" + ",\n".join(sheets) + "\n}\n"
    assert json.loads(text) == json.loads(json.dumps(cells, default=str))
    _compare("report-2022-xlsx.json", text)


def test_the_golden_text_says_the_source_reports_figures():
    """The golden file itself holds the source report's sentence (so a regeneration that lost
    it would be seen here too)."""
    text = (GOLDEN / "report-2022-docx.txt").read_text(encoding="utf-8")
    assert ("đã tiếp nhận 986.337 hồ sơ; đã xử lý 947.069 hồ sơ; tỷ lệ hồ sơ được giải quyết "
            "đúng và trước hạn đạt 98,26%") in text
    assert "UBND Xã Cũ A" in text  # the communes of 2022 are ranked


def test_a_previous_period_without_data_is_said_so(dataset):
    """2021 against 2020, which has no rollup rows: no "tăng 800.000"; the rates with nothing
    to divide say so in words fitting a computed figure, the entered ones "not verified"."""
    from tinhso.indicators.report.text import pillar_sentences

    report = report_build(Period.parse("2021"), today=TODAY)
    sentences = pillar_sentences(report.pillars[0], report)
    assert "Kỳ trước (năm 2020) chưa có số liệu để so sánh." in sentences
    text = " ".join(sentences)
    assert "So với kỳ trước" not in text and "tăng" not in text
    assert "tỷ lệ thanh toán trực tuyến: chưa phát sinh khoản thanh toán trong kỳ" in text
    assert "được xác nhận" not in text  # computed figures are not "verified"
    economy = " ".join(pillar_sentences(report.pillars[1], report))
    assert "Tỷ lệ doanh nghiệp sử dụng hóa đơn điện tử: chưa có số liệu được xác nhận." in economy


def test_the_sentences_come_in_the_source_reports_order(report):
    """Received, resolved, on time; then the one-stop figures, the catalogue, documents, open
    data, the commune assessment (`report.data.REPORT_ORDER`)."""
    codes = [f.indicator.code for f in report.pillars[0].figures]
    assert codes[:4] == ["onestop.received", "onestop.resolved", "onestop.resolved_in_time",
                         "onestop.on_time_rate"]
    sources = [c.split(".")[0] for c in codes]
    assert sources == sorted(sources, key=["onestop", "catalog", "documents", "opendata",
                                           "dx"].index)
