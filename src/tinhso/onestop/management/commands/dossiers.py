from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tinhso.onestop.warnings import dossiers_warn_due_soon


class Command(BaseCommand):
    help = ("Hồ sơ. `warn`: cảnh báo cán bộ đang giữ các hồ sơ còn không quá một ngày làm việc "
            "đến hạn; `--schedule` đặt việc cảnh báo chạy nền mỗi 15 phút.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["warn"])
        parser.add_argument("--schedule", action="store_true",
                            help="đặt việc cảnh báo định kỳ cho tiến trình chạy nền")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            from tinhso.onestop.tasks import schedule_due_warnings

            started = schedule_due_warnings()
            self.stdout.write("Đã đặt cảnh báo định kỳ." if started
                              else "Cảnh báo định kỳ đã được đặt từ trước.")
            return
        n = dossiers_warn_due_soon()
        self.stdout.write(f"Đã cảnh báo {n} hồ sơ sắp đến hạn.")
