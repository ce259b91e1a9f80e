"""`tinhso indicators verify --period 2026-Q3 [--unit 38]`: recompute every indicator that can
be recomputed from the raw records and compare it with the value read from the rollups; exit
status 1 on any difference. `--unit`: the province, an agency, or an administrative unit (a
commune, ward or former district, read through its merged predecessors as the values API does).

`tinhso indicators publish [--province 38] [--agency CODE] [--site-url URL]`: create or update
the open dataset of the public indicators (`indicators.publish`); running it again changes
nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tinhso.core.errors import DomainError
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Scope, all_indicators
from tinhso.indicators.values import UnitScope, _members, period_parse, unit_resolve


def _verify_scopes(unit: str, period: Period) -> tuple[list[Scope], str]:
    """The scopes whose rollup reads make up the unit's figure for the period, as the values
    API reads it (`values.unit_resolve`): the province, an agency, or an administrative unit's
    People's Committee and those of the units merged into it in force then (a commune, ward or
    former district; an unknown or ended one is refused with the API's message). And how to
    name it: "16100: 16001, 16002"."""
    where = unit_resolve(unit)
    if not isinstance(where, UnitScope):
        return [where], where.code
    own, merged = _members(where, period)
    members = ([own] if own is not None else []) + merged
    scopes = [sc for u in members if (sc := where.scopes.get(u.pk)) is not None]
    label = where.code + (": " + ", ".join(u.code for u in members) if merged else "")
    return scopes, label


class Command(BaseCommand):
    help = ("Chỉ số. `verify` tính lại các chỉ số từ dữ liệu gốc và so sánh; `publish` công bố "
            "các chỉ số công khai thành bộ dữ liệu mở.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "publish"])
        parser.add_argument("--period", help="verify: 2026, 2026-Q3 hoặc 2026-07")
        parser.add_argument("--unit", default="38",
                            help="verify: mã tỉnh, mã cơ quan, hoặc mã xã, phường, huyện cũ")
        parser.add_argument("--province", default="",
                            help="publish: mã tỉnh (mặc định TINHSO_PROVINCE_CODE)")
        parser.add_argument("--agency", default="",
                            help="publish: mã cơ quan công bố (mặc định: cơ quan đang sở hữu "
                                 "bộ dữ liệu, hoặc Sở Khoa học và Công nghệ)")
        parser.add_argument("--site-url", default="",
                            help="publish: địa chỉ trang (mặc định TINHSO_PUBLIC_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "publish":
            self._publish(options)
            return
        if not options["period"]:
            raise CommandError("Cần --period (2026, 2026-Q3 hoặc 2026-07).")
        try:
            period = period_parse(options["period"])
            scopes, label = _verify_scopes(options["unit"], period)
        except DomainError as e:
            raise CommandError(e.message) from None
        differences = 0
        checked = 0
        for indicator in all_indicators():
            if indicator.recompute is None:
                continue
            checked += 1
            for scope in scopes:
                stored = indicator.compute(scope, period)
                fresh = indicator.recompute(scope, period)
                if stored != fresh:
                    differences += 1
                    self.stderr.write(f"{indicator.code} {period} {scope.code}: "
                                      f"rollups {stored}, recomputed {fresh}")
        if differences:
            raise CommandError(f"{differences} chỉ số lệch.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{checked} chỉ số khớp ({period}, {label})."))

    def _publish(self, options: dict[str, Any]) -> None:
        from tinhso.indicators.publish import indicators_publish

        try:
            done = indicators_publish(province_code=options["province"],
                                      agency_code=options["agency"],
                                      site_url=options["site_url"])
        except DomainError as e:
            raise CommandError(e.message) from None
        said = {"created": "Đã tạo", "updated": "Đã cập nhật", "unchanged": "Không thay đổi"}
        self.stdout.write(self.style.SUCCESS(
            f"{said[done.action]} bộ dữ liệu {done.dataset.name} "
            f"(cơ quan công bố: {done.owner.name}, phiên bản {done.dataset.revision})."))
