"""The Steering Committee report: the figures it gathers equal the one-stop rollup sums, its
sentences are worded and numbered the Vietnamese way, and the docx, xlsx and pdf files say
them (read back with python-docx, openpyxl and poppler's pdftotext)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from hypothesis import given
from hypothesis import strategies as st

from tinhso.indicators import services
from tinhso.indicators.periods import Period
from tinhso.indicators.report.data import report_build
from tinhso.indicators.report.numbers import vn_number, vn_rate
from tinhso.indicators.report.render import render
from tinhso.indicators.tests.province import AT, make_province

SOURCE_SENTENCE = ("đã tiếp nhận 986.337 hồ sơ; đã xử lý 947.069 hồ sơ; tỷ lệ hồ sơ được "
                   "giải quyết đúng và trước hạn đạt 98,26%")


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (986337, 0, "986.337"), (947069, 0, "947.069"), (98.2625, 2, "98,26"), (0, 0, "0"),
    (100, 2, "100,00"), (1234567.891, 2, "1.234.567,89"), (-1500, 0, "-1.500"),
    (Decimal("0.005"), 2, "0,01"), (-0.001, 2, "0,00"), (999.995, 2, "1.000,00"),
    (None, 2, "–"), (float("nan"), 2, "–"), (float("inf"), 0, "–"),
])
def test_numbers_are_written_the_vietnamese_way(value, decimals, text):
    assert vn_number(value, decimals) == text


def test_a_rate_has_two_decimals_and_the_percent_sign():
    assert vn_rate(98.2625) == "98,26%"
    assert vn_rate(None) == "–"


def _read_back(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**15,
                   max_value=10**15, places=6), st.integers(min_value=0, max_value=4))
def test_a_formatted_number_reads_back_as_the_number_rounded(value, decimals):
    text = vn_number(value, decimals)
    whole, _, frac = text.lstrip("-").partition(",")
    assert len(frac) == decimals
    groups = whole.split(".")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
    assert abs(_read_back(text) - value) <= Decimal(1).scaleb(-decimals) / 2


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e18, max_value=1e18))
def test_any_float_is_formatted_without_error(value):
    text = vn_number(value, 2)
    assert "," in text and " " not in text and "e" not in text.lower()


# --- figures --------------------------------------------------------------------------------


def _month(agency, day, channel=1, **counts):
    from tinhso.onestop.models import DossierStatMonth

    return DossierStatMonth.objects.create(month=day, province_code="38", agency=agency,
                                           channel=channel, online_level="full", **counts)


@pytest.fixture
def big(db, media):
    """A province whose 2022 rollup holds the source report's figures, spread over two
    agencies and two channels; and 2021 for the comparison."""
    from tinhso.onestop.status import Channel

    p = make_province()
    _month(p.tax, dt.date(2022, 3, 1), Channel.ONLINE, received=600_000, resolved_early=500_000,
           resolved_on_time=100_000, resolved_late=10_000, paid_online=90, paid_total=100)
    _month(p.commune_committee, dt.date(2022, 11, 1), Channel.IN_PERSON, received=386_337,
           resolved_early=300_000, resolved_on_time=30_614, resolved_late=6_455)
    _month(p.tax, dt.date(2021, 5, 1), Channel.ONLINE, received=800_000, resolved_early=1,
           resolved_on_time=1)
    return p


def test_the_reports_one_stop_figures_equal_the_rollup_sums(world):
    from tinhso.onestop.models import DossierStatMonth

    for period in (Period.parse("2025"), Period.parse("2025-Q1"), Period.parse("2025-03")):
        report = report_build(period)
        sums = DossierStatMonth.objects.filter(
            province_code="38", month__gte=period.first_day, month__lt=period.end).aggregate(
            received=Sum("received"), early=Sum("resolved_early"),
            on_time=Sum("resolved_on_time"), late=Sum("resolved_late"))
        f = report.figures
        assert f["onestop.received"].value.value == sums["received"] > 0
        assert f["onestop.resolved"].value.value == sums["early"] + sums["on_time"] + sums["late"]
        assert f["onestop.resolved_in_time"].value.value == sums["early"] + sums["on_time"]


def test_the_report_says_the_source_reports_sentence(big):
    report = report_build(Period.parse("2022"))
    from tinhso.indicators.report.text import pillar_sentences

    sentences = " ".join(pillar_sentences(report.pillars[0], report))
    assert SOURCE_SENTENCE in sentences
    assert "So với kỳ trước, số hồ sơ tiếp nhận tăng 186.337; tỷ lệ đúng hạn giảm 1,74 điểm phần trăm." in sentences
    assert "Tỷ lệ hồ sơ nộp trực tuyến đạt 60,83%" in sentences


def test_lagging_agencies_have_the_lowest_on_time_rate(big):
    report = report_build(Period.parse("2022"))
    assert [f.code for f in report.lagging_communes] == [big.commune_committee.code]
    assert [f.code for f in report.lagging_agencies] == [big.tax.code]
    assert [f.code for f in report.communes] == [big.commune_committee.code]


def test_targets_and_attainment_are_in_the_report(big):
    services.target_decision_create(
        actor=big.reviewer, agency=big.science, number="969/QĐ-UBND", date=dt.date(2022, 1, 10),
        title="Giao chỉ tiêu", at=AT, targets=[
            {"indicator": "onestop.on_time_rate", "unit": "38", "year": 2022,
             "comparator": "gte", "value": 99},
            {"indicator": "onestop.online_rate", "unit": "38", "year": 2022,
             "comparator": "gte", "value": 50}])
    report = report_build(Period.parse("2022"))
    on_time = report.figures["onestop.on_time_rate"]
    assert on_time.status.value == "amber"  # 98,26 within 5 % of 99
    assert report.figures["onestop.online_rate"].status.value == "green"
    assert report.summary["total"]["total"] == 2
    text = _docx_text(render(report, "docx"))
    assert "≥ 99,00%" in text and "969/QĐ-UBND ngày 10/01/2022" in text
    assert "2 chỉ tiêu được giao: 1 chỉ tiêu đạt, 1 chỉ tiêu gần đạt" in text


def _docx_text(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_the_docx_report_has_the_sentences_and_tables(big):
    text = _docx_text(render(report_build(Period.parse("2022")), "docx"))
    assert "BÁO CÁO KẾT QUẢ CHUYỂN ĐỔI SỐ NĂM 2022" in text
    assert SOURCE_SENTENCE in text
    assert "Số hồ sơ tiếp nhận | 986.337 | 800.000" in text
    assert "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn | 98,26% |" in text
    assert "Chính quyền số" in text and "Kinh tế số" in text and "Hạ tầng số" in text


def test_the_xlsx_report_has_the_sentences_and_numbers_as_numbers(big):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render(report_build(Period.parse("2022")), "xlsx")))
    first = "\n".join(str(c.value) for row in wb["Báo cáo"].iter_rows() for c in row if c.value)
    assert SOURCE_SENTENCE in first
    sheet = wb["Chính quyền số"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["Số hồ sơ tiếp nhận"][1] == 986_337
    assert rows["Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn"][1] == pytest.approx(98.26)
    assert "Xu hướng" in wb.sheetnames


def _pdftotext(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("PDFTOTEXT NOT FOUND: install poppler-utils to check the PDF's text")
    path = tmp_path / "r.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"],  # noqa: S603, S607
                          capture_output=True,
                          check=True, text=True).stdout


def test_the_pdf_report_has_the_sentences_and_charts(big, tmp_path):
    content = render(report_build(Period.parse("2022")), "pdf")
    assert content.startswith(b"%PDF")
    text = " ".join(_pdftotext(content, tmp_path).split())
    assert "BÁO CÁO KẾT QUẢ CHUYỂN ĐỔI SỐ NĂM 2022" in text
    assert SOURCE_SENTENCE in text
    assert "986.337" in text and "98,26%" in text
    assert "2018" in text and "2022" in text  # the trend chart's axis


# --- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_the_command_writes_the_report(big, tmp_path, fmt):
    out, target = io.StringIO(), tmp_path / f"bao-cao.{fmt}"
    call_command("report", "--period", "2022", "--format", fmt, "--output", str(target),
                 stdout=out)
    assert target.stat().st_size > 1000
    assert "Đang tổng hợp số liệu kỳ 2022" in out.getvalue()
    assert f"Đã ghi {target}" in out.getvalue()
    if fmt == "docx":
        assert SOURCE_SENTENCE in _docx_text(target.read_bytes())


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2022-13", "--format", "pdf"], "Kỳ không hợp lệ"),
    (["--period", "hôm qua", "--format", "pdf"], "Kỳ không hợp lệ"),
    (["--period", "2022", "--format", "odt"], "invalid choice"),
])
def test_the_command_refuses_bad_input(db, tmp_path, args, message):
    target = tmp_path / "x"
    with pytest.raises(CommandError, match=message):
        call_command("report", *args, "--output", str(target))
    assert not target.exists()


def test_the_command_refuses_a_path_it_cannot_write(db, tmp_path):
    with pytest.raises(CommandError, match="Không có thư mục"):
        call_command("report", "--period", "2022", "--format", "docx",
                     "--output", str(tmp_path / "khong-co" / "r.docx"))
    with pytest.raises(CommandError, match="là một thư mục"):
        call_command("report", "--period", "2022", "--format", "docx", "--output",
                     str(tmp_path))
    locked = tmp_path / "khoa"
    locked.mkdir(mode=0o500)
    try:
        import os

        if os.access(locked, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(CommandError, match="Không ghi được"):
            call_command("report", "--period", "2022", "--format", "docx",
                         "--output", str(locked / "r.docx"))
    finally:
        locked.chmod(0o700)


def test_the_command_exits_non_zero_on_bad_input(db, tmp_path):
    result = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [str(Path(sys.executable).parent / "tinhso"), "report", "--period", "2022-Q5", "--format", "pdf",
         "--output", str(tmp_path / "r.pdf")], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "Kỳ không hợp lệ" in result.stderr
