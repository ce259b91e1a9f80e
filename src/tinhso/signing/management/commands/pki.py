from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tinhso.accounts.models import User
from tinhso.core.errors import DomainError
from tinhso.directory.models import Agency
from tinhso.signing import services
from tinhso.signing.models import Certificate, RevocationReason


class Command(BaseCommand):
    help = (
        "Hạ tầng khóa công khai (PKI) phát triển. `tinhso pki init` tạo CA gốc, CA trung gian, "
        "OCSP và TSA trong TINHSO_SIGNING_PKI_DIR; `issue-personal`, `issue-agency`, `revoke`, "
        "`list`; `serve` phục vụ OCSP/CRL/TSA qua HTTP cho công cụ bên ngoài."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init")
        sub.add_parser("list")
        p = sub.add_parser("issue-personal")
        p.add_argument("--by", required=True, help="tên đăng nhập của quản trị tỉnh")
        p.add_argument("--user", required=True)
        p.add_argument("--agency", required=True, help="mã định danh cơ quan")
        p.add_argument("--title", default="")
        p.add_argument("--days", type=int, default=730)
        a = sub.add_parser("issue-agency")
        a.add_argument("--by", required=True)
        a.add_argument("--agency", required=True)
        a.add_argument("--days", type=int, default=1825)
        r = sub.add_parser("revoke")
        r.add_argument("--by", required=True)
        r.add_argument("--label", required=True)
        r.add_argument("--reason", choices=RevocationReason.values,
                       default=RevocationReason.CESSATION_OF_OPERATION)
        i = sub.add_parser("image", help="đặt ảnh chữ ký (chứng thư cá nhân) hoặc con dấu "
                                         "(chứng thư cơ quan), PNG/JPEG ≤ 1 MB, ≤ 2000×2000")
        i.add_argument("--by", required=True, help="người được cấp, hoặc quản trị cơ quan/tỉnh")
        i.add_argument("--label", required=True)
        g = i.add_mutually_exclusive_group(required=True)
        g.add_argument("--file")
        g.add_argument("--clear", action="store_true")
        s = sub.add_parser("serve")
        s.add_argument("--port", type=int, default=9087)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, "_" + opts["action"].replace("-", "_"))(opts)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except (User.DoesNotExist, Agency.DoesNotExist, Certificate.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc

    def _init(self, opts: dict) -> None:
        with tqdm(total=len(services.CA_SPECS) + 1, unit=" bước", desc="pki init") as bar:
            rows = services.pki_init(on_step=lambda _label: bar.update(1))
            bar.update(bar.total - bar.n)
        for row in rows:
            self.stdout.write(f"{row.label:8} serial={row.serial} {row.subject_dn}")
        self.stdout.write(self.style.SUCCESS("PKI sẵn sàng."))

    def _list(self, opts: dict) -> None:
        for row in Certificate.objects.all():
            state = f"thu hồi {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "hiệu lực"
            self.stdout.write(f"{row.label:20} {row.kind:12} {row.subject_dn} "
                              f"đến {row.not_after:%Y-%m-%d} ({state})")

    def _issue_personal(self, opts: dict) -> None:
        row = services.certificate_issue_personal(
            actor=User.objects.get(username=opts["by"]),
            user=User.objects.get(username=opts["user"]),
            agency=Agency.objects.get(code=opts["agency"]), title=opts["title"],
            valid_days=opts["days"])
        self.stdout.write(self.style.SUCCESS(f"Đã cấp {row.label}: {row.subject_dn}"))

    def _issue_agency(self, opts: dict) -> None:
        row = services.certificate_issue_organization(
            actor=User.objects.get(username=opts["by"]),
            agency=Agency.objects.get(code=opts["agency"]), valid_days=opts["days"])
        self.stdout.write(self.style.SUCCESS(f"Đã cấp {row.label}: {row.subject_dn}"))

    def _revoke(self, opts: dict) -> None:
        row = services.certificate_revoke(
            actor=User.objects.get(username=opts["by"]),
            certificate=Certificate.objects.get(label=opts["label"]), reason=opts["reason"])
        self.stdout.write(self.style.SUCCESS(f"Đã thu hồi {row.label}."))

    def _image(self, opts: dict) -> None:
        data = None
        if opts["file"]:
            try:
                with open(opts["file"], "rb") as f:
                    data = f.read(services.IMAGE_MAX_BYTES + 1)
            except OSError as exc:
                raise CommandError(str(exc)) from exc
        row = services.certificate_set_image(
            actor=User.objects.get(username=opts["by"]),
            certificate=Certificate.objects.get(label=opts["label"]), image=data)
        done = "Đã đặt ảnh" if data is not None else "Đã xóa ảnh"
        self.stdout.write(self.style.SUCCESS(f"{done} của {row.label}."))

    def _serve(self, opts: dict) -> None:
        from wsgiref.simple_server import make_server

        from tinhso.signing.devpki import wsgi_app

        self.stdout.write(f"OCSP/CRL/TSA trên http://127.0.0.1:{opts['port']}/ (Ctrl-C để dừng)")
        make_server("127.0.0.1", opts["port"], wsgi_app()).serve_forever()
