from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tinhso.core.errors import DomainError
from tinhso.directory.models import Agency
from tinhso.harvest import selectors, services
from tinhso.harvest.models import Frequency, Job, Kind, Source


class Command(BaseCommand):
    help = (
        "Thu thập dữ liệu mở từ cổng CKAN hoặc danh mục DCAT khác: chạy (run), "
        "thêm nguồn (add), liệt kê (list)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        r = sub.add_parser("run", help="chạy một nguồn, hoặc mọi nguồn đến hạn")
        which = r.add_mutually_exclusive_group(required=True)
        which.add_argument("--source", metavar="NAME", help="tên định danh của nguồn")
        which.add_argument("--all-due", action="store_true", help="mọi nguồn đã đến hạn")
        r.add_argument(
            "--full", action="store_true", help="đọc lại toàn bộ, không chỉ những gì đã đổi"
        )
        r.add_argument("--quiet-progress", action="store_true", help="không hiện tiến độ")
        a = sub.add_parser("add", help="thêm một nguồn")
        a.add_argument("name", help="tên định danh, ví dụ data-gov-vn")
        a.add_argument(
            "url", help="CKAN: địa chỉ gốc; DCAT: địa chỉ danh mục (.ttl, .rdf, .jsonld)"
        )
        a.add_argument("--kind", choices=Kind.values, default=Kind.CKAN)
        a.add_argument("--agency", required=True, help="mã định danh cơ quan công bố")
        a.add_argument("--frequency", choices=Frequency.values, default=Frequency.DAILY)
        a.add_argument("--title", default="")
        a.add_argument(
            "--filter",
            default="",
            dest="remote_filter",
            help='CKAN: chỉ thu những gì khớp fq, ví dụ "organization:so-y-te"',
        )
        sub.add_parser("list", help="liệt kê các nguồn và lượt chạy gần nhất")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action'].replace('-', '_')}")(options)

    def _report(self, source: Source, job: Job | None) -> None:
        if job is None:
            self.stdout.write(f"{source.name}: đang có lượt khác chạy, bỏ qua.")
            return
        self.stdout.write(
            f"{source.name}: {job.get_status_display()} — đọc {job.fetched}, tạo {job.created}, "
            f"cập nhật {job.updated}, xóa {job.deleted}, không đổi {job.unchanged}, "
            f"lỗi {job.errors}." + (f" {job.message}" if job.message else "")
        )
        for e in job.error_list[:10]:
            self.stdout.write(f"  - {e['remote_id']} {e['name']}: {e['message']}")

    def _run(self, options: dict[str, Any]) -> None:
        if options["all_due"]:
            todo = services.sources_due()
        else:
            found = Source.objects.filter(name=options["source"]).first()
            if found is None:
                raise CommandError(f"Không có nguồn “{options['source']}”.")
            todo = [found]
        show = not options["quiet_progress"]
        for source in todo:
            with tqdm(desc=source.name, unit="bộ", disable=not show, file=sys.stderr) as bar:

                def total(n: int, bar: Any = bar) -> None:
                    bar.total = n
                    bar.refresh()

                job = services.source_harvest(
                    source=source, full=options["full"], progress=bar.update, on_total=total
                )
            self._report(source, job)

    def _add(self, options: dict[str, Any]) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan mã “{options['agency']}”.")
        try:
            source = services.source_add(
                actor=None,
                name=options["name"],
                url=options["url"],
                kind=options["kind"],
                agency=agency,
                frequency=options["frequency"],
                title=options["title"],
                remote_filter=options["remote_filter"],
            )
        except DomainError as exc:
            detail = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.message
            raise CommandError(detail) from exc
        self.stdout.write(f"Đã thêm nguồn {source.name} ({source.kind}, {source.url}).")

    def _list(self, options: dict[str, Any]) -> None:
        for source in selectors.sources():
            job = selectors.last_job(source)
            last = f"{job.started_at:%Y-%m-%d %H:%M} {job.status}" if job else "chưa chạy"
            mark = "" if source.active else " (tạm dừng)"
            self.stdout.write(
                f"{source.name}\t{source.kind}\t{source.frequency}{mark}\t"
                f"{source.agency.code}\t{last}\t{source.url}"
            )
