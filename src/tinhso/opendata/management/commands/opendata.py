from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from tinhso.opendata.quality_store import quality_refresh, refresh_total
from tinhso.opendata.usage import flush


class Command(BaseCommand):
    help = (
        "Cổng dữ liệu mở: chấm lại điểm chất lượng mọi bộ dữ liệu (quality), "
        "tùy chọn bật việc chấm lại hằng ngày (--schedule)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        q = sub.add_parser("quality", help="chấm lại điểm chất lượng mọi bộ dữ liệu")
        q.add_argument("--quiet-progress", action="store_true", help="không hiện tiến độ")
        q.add_argument(
            "--schedule",
            action="store_true",
            help="đưa việc chấm lại hằng ngày vào hàng đợi (nếu chưa có)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        show = not options["quiet_progress"] and options["verbosity"] > 0
        with tqdm(
            total=refresh_total(), desc="Bộ dữ liệu", unit="bộ", disable=not show, file=sys.stderr
        ) as bar:
            done = quality_refresh(progress=bar.update)
        flush()
        self.stdout.write(f"Đã chấm điểm {done} bộ dữ liệu.")
        if options["schedule"]:
            from tinhso.opendata.tasks import schedule_quality_refresh

            started = schedule_quality_refresh()
            self.stdout.write(
                "Đã hẹn chấm lại hằng ngày."
                if started
                else "Việc chấm lại hằng ngày đã có trong hàng đợi."
            )
