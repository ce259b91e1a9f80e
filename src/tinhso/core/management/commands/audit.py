from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tinhso.core.audit import audit_verify
from tinhso.core.models import AuditEvent


class Command(BaseCommand):
    help = "Nhật ký hệ thống. `tinhso audit verify` kiểm tra chuỗi băm của mọi sự kiện."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        total = AuditEvent.objects.count()
        with tqdm(total=total, unit=" sự kiện", disable=total < 1000) as bar:
            breaks = list(audit_verify(batch=1000, on_progress=bar.update))
        checked = total
        if breaks:
            for b in breaks[:50]:
                self.stderr.write(f"{b.object_type}:{b.object_id} #{b.seq}: {b.reason}")
            raise CommandError(f"Chuỗi nhật ký bị phá vỡ tại {len(breaks)} chỗ.")
        self.stdout.write(self.style.SUCCESS(f"Nhật ký toàn vẹn: đã kiểm tra {checked} sự kiện."))
