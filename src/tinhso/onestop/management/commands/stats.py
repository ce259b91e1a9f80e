"""`tinhso stats verify`: recompute the dossier rollup from dossiers, events and payments and
compare it with the stored rows, and the summaries (by month; by day without the procedure) with
the daily rows summed; `tinhso stats rebuild` replaces the stored rows and their summaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.onestop.rollups import (
    rollups_agency_days_diff,
    rollups_diff,
    rollups_months_diff,
    rollups_rebuild,
)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ngày không hợp lệ: {value!r} (cần YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = ("Số liệu hồ sơ. `verify` tính lại bảng tổng hợp từ hồ sơ và so sánh; "
            "`rebuild` ghi lại bảng tổng hợp.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "rebuild"])
        parser.add_argument("--province", default=None, help="mã tỉnh, ví dụ 38")
        parser.add_argument("--from", dest="day_from", type=_day, default=None)
        parser.add_argument("--to", dest="day_to", type=_day, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        scope = {"province_code": options["province"], "day_from": options["day_from"],
                 "day_to": options["day_to"]}
        if options["action"] == "rebuild":
            n = rollups_rebuild(**scope)
            self.stdout.write(self.style.SUCCESS(f"Đã ghi lại {n} dòng tổng hợp."))
            return
        diffs = rollups_diff(**scope)
        if diffs:
            for (day, agency, procedure, channel, level), counter, stored, fresh in diffs[:200]:
                self.stderr.write(
                    f"{day} agency={agency} procedure={procedure} channel={channel} "
                    f"level={level} {counter}: stored {stored}, recomputed {fresh}"
                )
            raise CommandError(f"Bảng tổng hợp lệch ở {len(diffs)} chỉ số.", returncode=1)
        summaries = ((rollups_months_diff, "%Y-%m", "theo tháng"),
                     (rollups_agency_days_diff, "%Y-%m-%d", "theo ngày và cơ quan"))
        for diff, period_format, name in summaries:
            summary_diffs = diff(**scope)
            for (period, agency, channel, level), counter, stored, summed in summary_diffs[:200]:
                self.stderr.write(
                    f"{period:{period_format}} agency={agency} channel={channel} level={level} "
                    f"{counter}: summary {stored}, daily sum {summed}"
                )
            if summary_diffs:
                raise CommandError(f"Bảng tổng hợp {name} lệch ở {len(summary_diffs)} chỉ số.",
                                   returncode=1)
        self.stdout.write(self.style.SUCCESS("Bảng tổng hợp khớp với dữ liệu hồ sơ."))
