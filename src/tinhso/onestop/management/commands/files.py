"""`tinhso files cleanup`: remove stored dossier files that no row references and that are
older than an hour (a process killed in the middle of a submission leaves the files it wrote
before its transaction)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tinhso.onestop.files import files_cleanup


class Command(BaseCommand):
    help = "Tệp hồ sơ. `cleanup` xóa tệp không thuộc hồ sơ nào, cũ hơn một giờ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["cleanup"])
        parser.add_argument("--older-than-minutes", type=int, default=60)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        removed = files_cleanup(older_than=dt.timedelta(minutes=options["older_than_minutes"]),
                                dry_run=options["dry_run"])
        verb = "Sẽ xóa" if options["dry_run"] else "Đã xóa"
        for path in removed[:100]:
            self.stdout.write(str(path))
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(removed)} tệp mồ côi."))
