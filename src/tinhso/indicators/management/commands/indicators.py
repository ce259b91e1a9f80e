"""`tinhso indicators verify --period 2026-Q3 [--unit 38]`: recompute every indicator that can
be recomputed from the raw records and compare it with the value read from the rollups; exit
status 1 on any difference."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.core.errors import DomainError
from tinhso.indicators.registry import all_indicators
from tinhso.indicators.values import period_parse, scope_resolve


class Command(BaseCommand):
    help = "Chỉ số. `verify` tính lại các chỉ số từ dữ liệu gốc và so sánh."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--period", required=True, help="2026, 2026-Q3 hoặc 2026-07")
        parser.add_argument("--unit", default="38", help="mã tỉnh hoặc mã cơ quan")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = period_parse(options["period"])
            scope = scope_resolve(options["unit"])
        except DomainError as e:
            raise CommandError(e.message) from None
        differences = 0
        checked = 0
        for indicator in all_indicators():
            if indicator.recompute is None:
                continue
            stored, fresh = indicator.compute(scope, period), indicator.recompute(scope, period)
            checked += 1
            if stored != fresh:
                differences += 1
                self.stderr.write(f"{indicator.code} {period} {scope.code}: "
                                  f"rollups {stored}, recomputed {fresh}")
        if differences:
            raise CommandError(f"{differences} chỉ số lệch.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{checked} chỉ số khớp ({period}, {scope.code})."))
