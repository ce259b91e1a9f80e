"""`tinhso demo`: load the demo province (Thanh Hóa) — its real administrative units, its
agencies, an account for each role, citizens and businesses, the procedure catalog, the open
data portal's datasets (the public indicators' published as `tinhso indicators publish` does,
`web.demo`), certificates, dossiers and documents. Idempotent: a second run finds everything
in place and returns in a moment."""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tinhso.accounts.demo import load_people
from tinhso.accounts.models import User
from tinhso.catalog.demo import load_catalog
from tinhso.directory.demo import demo_agency_roles, load_agencies
from tinhso.directory.services import units_import
from tinhso.documents.demo import expected_documents, load_documents
from tinhso.onestop.demo import expected_dossiers, load_dossiers
from tinhso.opendata.demo import load_snapshots
from tinhso.signing.demo import load_certificates
from tinhso.web.demo import open_data_load


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu tỉnh Thanh Hóa (đơn vị hành chính, cơ quan, tài khoản, thủ tục)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default=settings.TINHSO_PROVINCE_CODE)
        parser.add_argument("--quiet-progress", action="store_true",
                            help="không hiện thanh tiến trình")
        parser.add_argument("--scale", type=float, default=0.01,
                            help="hồ sơ mẫu: 1.0 = một năm như báo cáo (~986.000 hồ sơ); "
                                 "0 = không nạp (mặc định 0,01)")
        parser.add_argument("--year", type=int, default=None,
                            help="một năm dương lịch (mặc định: 365 ngày gần nhất)")
        parser.add_argument("--document-scale", type=float, default=None,
                            help="văn bản mẫu: 1.0 = một năm như báo cáo (~3.436.164 văn bản); "
                                 "0 = không nạp (mặc định: --scale / 10)")
        parser.add_argument("--replace", action="store_true",
                            help="xóa hồ sơ và văn bản mẫu cũ trong khoảng thời gian rồi nạp lại")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        province = options["province"]
        show = not options["quiet_progress"]
        first_run = not User.objects.filter(username="admin").exists()
        admin_password = os.environ.get("TINHSO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        demo_password = os.environ.get("TINHSO_DEMO_PASSWORD") or secrets.token_urlsafe(9)

        steps = ["đơn vị hành chính", "cơ quan", "tài khoản", "thủ tục hành chính",
                 "dữ liệu mở", "chữ ký số"]
        with tqdm(total=len(steps), desc="Dữ liệu mẫu", unit="bước", disable=not show) as bar:
            bar.set_postfix_str(steps[0])
            units_import(province_codes=None)  # the whole country: 34 provinces and the old map
            bar.update()
            bar.set_postfix_str(steps[1])
            load_agencies(province_code=province)
            agencies = demo_agency_roles(province_code=province)
            bar.update()
            bar.set_postfix_str(steps[2])
            created = load_people(agencies=agencies, province_code=province,
                                  admin_password=admin_password, demo_password=demo_password)
            bar.update()
            bar.set_postfix_str(steps[3])
            load_catalog(agencies=agencies)
            bar.update()
            bar.set_postfix_str(steps[4])
            # The departments' datasets, then the indicators' as `tinhso indicators publish`
            # makes it; the snapshots are taken below, once the dossiers and documents exist.
            open_data = open_data_load(actor=User.objects.get(username="admin"),
                                       province_code=province)
            bar.update()
            bar.set_postfix_str(steps[5])
            load_certificates(actor=User.objects.get(username="admin"), province_code=province)
            bar.update()
        if open_data.problem:
            self.stderr.write(self.style.WARNING(
                f"Chưa công bố bộ dữ liệu chỉ số: {open_data.problem}"))
        if options["scale"] > 0:
            with tqdm(total=expected_dossiers(options["scale"]), desc="Hồ sơ mẫu",
                      unit=" hồ sơ", disable=not show) as dossier_bar:
                try:
                    load_dossiers(province_code=province, year=options["year"],
                                  scale=options["scale"], replace=options["replace"],
                                  progress=dossier_bar.update)
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc

        document_scale = options["document_scale"]
        if document_scale is None:
            document_scale = options["scale"] / 10
        if document_scale > 0:
            with tqdm(total=expected_documents(document_scale), desc="Văn bản mẫu",
                      unit=" văn bản", disable=not show) as document_bar:
                try:
                    load_documents(province_code=province, year=options["year"],
                                   scale=document_scale, replace=options["replace"],
                                   progress=document_bar.update)
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc

        # The open data portal's CSV snapshots of the platform's own figures (units, procedures,
        # dossiers by month, indicators), loaded into the datastore for their previews.
        load_snapshots(actor=User.objects.get(username="admin"))
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Dữ liệu mẫu sẵn sàng ({elapsed:.1f} giây)."))

        if first_run and "admin" in created:
            self._announce(admin_password, demo_password)

    def _announce(self, admin_password: str, demo_password: str) -> None:
        """Print the generated passwords once, and keep a copy only the owner can read."""
        lines = [
            "Tài khoản quản trị: admin",
            f"  mật khẩu: {admin_password}",
            "Các tài khoản mẫu khác (xem README):",
            f"  mật khẩu chung: {demo_password}",
        ]
        path = settings.VAR_DIR / "demo-credentials.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o600)
        self.stdout.write("\n".join(lines))
        self.stdout.write(f"(Đã lưu một bản tại {path}, chỉ chủ sở hữu đọc được.)")
