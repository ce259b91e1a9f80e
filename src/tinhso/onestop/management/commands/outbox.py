from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tinhso.onestop.outbox import outbox_deliver


class Command(BaseCommand):
    help = "Gửi các thay đổi trạng thái hồ sơ đang chờ lên Cổng Dịch vụ công quốc gia."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["deliver"])
        parser.add_argument("--url", default=None, help="địa chỉ nhận (mặc định: cấu hình)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = outbox_deliver(url=options["url"])
        self.stdout.write(f"Đã gửi {report.delivered}, lỗi {report.failed}, "
                          f"đang chờ {report.waiting}.")
