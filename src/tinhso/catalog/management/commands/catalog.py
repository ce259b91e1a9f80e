"""`tinhso catalog import FILE` / `tinhso catalog export --format csv|json [--output FILE]` /
`tinhso catalog demo`: the procedure catalog from the console.

Import runs as the operator (trusted) unless `--user NAME` names an account, whose permission
`catalog.import` is then checked like the API's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tinhso.accounts.models import User
from tinhso.catalog import selectors
from tinhso.catalog.demo import load_catalog
from tinhso.catalog.formats import write_csv, write_json
from tinhso.catalog.services import CatalogImportError, catalog_import
from tinhso.core.errors import DomainError


class Command(BaseCommand):
    help = "Danh mục thủ tục hành chính: nhập, xuất, nạp dữ liệu mẫu."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="nhập tệp CSV hoặc JSON")
        imp.add_argument("file", type=Path)
        imp.add_argument("--format", choices=["csv", "json"],
                         help="mặc định theo đuôi tệp")
        imp.add_argument("--user", help="tài khoản thực hiện (kiểm tra quyền catalog.import)")
        exp = sub.add_parser("export", help="xuất danh mục hiện hành")
        exp.add_argument("--format", choices=["csv", "json"], default="json")
        exp.add_argument("--output", "-o", type=Path, help="mặc định: ra màn hình")
        demo = sub.add_parser("demo", help="nạp danh mục mẫu")
        for p in (imp, exp, demo):
            p.add_argument("--quiet-progress", action="store_true",
                           help="không hiện thanh tiến trình")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        show = not options.get("quiet_progress")
        if action == "import":
            self._import(options, show)
        elif action == "export":
            self._export(options, show)
        else:
            with tqdm(desc="Thủ tục", unit="thủ tục", disable=not show, file=sys.stderr) as bar:
                created = load_catalog(progress=bar.update)
            self.stdout.write(self.style.SUCCESS(f"Đã tạo {created} thủ tục mẫu."))

    def _import(self, options: dict[str, Any], show: bool) -> None:
        path: Path = options["file"]
        fmt = options["format"] or path.suffix.lower().lstrip(".")
        if fmt not in ("csv", "json"):
            raise CommandError("Không đoán được định dạng; dùng --format csv|json.")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc.strerror}") from None
        actor = None
        if options.get("user"):
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"Không có tài khoản {options['user']}.")
        try:
            with tqdm(desc="Kiểm tra", unit="dòng", disable=not show, file=sys.stderr) as bar:
                result = catalog_import(actor=actor, data=data, fmt=fmt, progress=bar.update)
        except CatalogImportError as exc:
            for e in exc.row_errors:
                where = f"dòng {e.row}" if e.row is not None else "tệp"
                self.stderr.write(f"{where}, {e.field}: {e.message}")
            raise CommandError(f"{len(exc.row_errors)} lỗi; không thủ tục nào được ghi.") from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        r = result.as_dict()
        self.stdout.write(self.style.SUCCESS(
            f"Đã nhập {r['total']} dòng: {r['created']} thủ tục mới, "
            f"{r['versioned']} phiên bản mới, {r['unchanged']} không đổi."
        ))

    def _export(self, options: dict[str, Any], show: bool) -> None:
        fmt = options["format"]
        total = selectors.export_count()
        rows = tqdm(selectors.export_rows(), total=total, desc="Xuất", unit="thủ tục",
                    disable=not show, file=sys.stderr)
        writer = write_csv if fmt == "csv" else write_json
        output: Path | None = options.get("output")
        if output:
            with output.open("w", encoding="utf-8", newline="") as fh:
                n = writer(rows, fh)
            self.stderr.write(f"Đã xuất {n} thủ tục vào {output}.")
        else:
            self.stdout.ending = ""
            writer(rows, self.stdout)
