"""`tinhso report --period 2022 --format docx|pdf|xlsx --output FILE`: the Steering Committee
report of a period (a year, a quarter 2026-Q3 or a month 2026-07) as a file. The file is
written whole or not at all (a temporary file renamed into place)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.core.errors import DomainError
from tinhso.indicators.report.data import report_build
from tinhso.indicators.report.numbers import vn_number
from tinhso.indicators.report.render import FORMATS, render
from tinhso.indicators.values import period_parse


class Command(BaseCommand):
    help = ("Báo cáo Ban Chỉ đạo chuyển đổi số của một kỳ (năm, quý hoặc tháng) dưới dạng "
            "docx, pdf hoặc xlsx.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2022, 2026-Q3 hoặc 2026-07")
        parser.add_argument("--format", dest="fmt", required=True, choices=FORMATS)
        parser.add_argument("--output", required=True, help="đường dẫn tệp sẽ ghi")
        parser.add_argument("--province", default=None, help="mã tỉnh (mặc định: tỉnh này)")
        parser.add_argument("--all", dest="everything", action="store_true",
                            help="gồm cả các chỉ số không công khai")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = period_parse(options["period"])
        except DomainError as e:
            raise CommandError(e.message) from None
        output = Path(options["output"]).expanduser()
        folder = output.parent if str(output.parent) else Path(".")
        if output.is_dir():
            raise CommandError(f"{output} là một thư mục; cần đường dẫn tệp.")
        if not folder.is_dir():
            raise CommandError(f"Không có thư mục {folder}.")
        if not os.access(folder, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
            raise CommandError(f"Không ghi được vào {output}.")

        started = time.monotonic()
        self.stdout.write(f"Đang tổng hợp số liệu kỳ {period}…")
        report = report_build(period, public_only=not options["everything"],
                              province_code=options["province"])
        figures = sum(len(s.figures) for s in report.pillars)
        self.stdout.write(f"  {figures} chỉ số, {len(report.targets)} chỉ tiêu, "
                          f"{len(report.communes)} xã, phường, {len(report.agencies)} cơ quan.")
        self.stdout.write(f"Đang tạo tệp {options['fmt']}…")
        content = render(report, options["fmt"])
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".report-", suffix=f".{options['fmt']}")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, output)
        except OSError as e:
            Path(tmp).unlink(missing_ok=True)
            raise CommandError(f"Không ghi được vào {output}: {e.strerror}.") from None
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Đã ghi {output} ({vn_number(len(content))} byte, "
            f"{vn_number(seconds, 1)} giây)."))
