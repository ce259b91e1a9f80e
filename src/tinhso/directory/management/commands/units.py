"""`tinhso units import [--province 38 ...]`: load the administrative map and its successions.
`tinhso units check`: list units that ended with no successor (there should be none)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tinhso.core.errors import DomainError
from tinhso.directory.selectors import units_without_heir
from tinhso.directory.services import units_import


class Command(BaseCommand):
    help = "Administrative units: import the current and pre-2025 maps, or check them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import units (all provinces by default)")
        imp.add_argument(
            "--province", action="append", dest="provinces", metavar="CODE",
            help="current province code, e.g. 38 for Thanh Hóa; may be repeated",
        )
        imp.add_argument("--quiet-progress", action="store_true", help="no progress bar")
        sub.add_parser("check", help="list units that ended without a successor")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "check":
            orphans = list(units_without_heir())
            for u in orphans:
                self.stdout.write(f"{u.code} {u.name} (to {u.valid_to})")
            if orphans:
                raise CommandError(f"{len(orphans)} units ended with no successor")
            self.stdout.write(self.style.SUCCESS("every unit is valid today or has a successor"))
            return
        bars: dict[str, tqdm] = {}
        quiet = opts["quiet_progress"] or opts["verbosity"] == 0

        def progress(stage: str, done: int, total: int) -> None:
            if quiet:
                return
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(total=total, desc=stage, unit="unit", leave=True)
            bar.total = total
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        try:
            stats = units_import(province_codes=opts["provinces"], progress=progress)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{stats.provinces} provinces in {stats.seconds}s: units +{stats.units_created} "
            f"~{stats.units_updated}; successions +{stats.successions_created} "
            f"~{stats.successions_updated} -{stats.successions_deleted}"
        ))
