from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tinhso.core.errors import DomainError
from tinhso.exchange.delivery import due, outbox_deliver
from tinhso.exchange.models import Peer
from tinhso.exchange.services import peer_save


class Command(BaseCommand):
    help = ("Liên thông văn bản giữa các hệ thống: gửi các gói tin đang chờ (deliver), "
            "khai báo hệ thống liên thông (peer), liệt kê (peers).")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        d = sub.add_parser("deliver", help="gửi các gói tin đến hạn")
        d.add_argument("--quiet-progress", action="store_true", help="không hiện tiến độ")
        p = sub.add_parser("peer", help="thêm hoặc sửa một hệ thống liên thông")
        p.add_argument("organ_prefix", help="tiền tố mã định danh cơ quan, ví dụ 000.00.")
        p.add_argument("base_url", help="địa chỉ của hệ thống, ví dụ https://vanban.example.vn")
        p.add_argument("--name", default="")
        p.add_argument("--untrusted", action="store_true", help="không nhận gói tin từ hệ thống này")
        sub.add_parser("peers", help="liệt kê các hệ thống liên thông")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "deliver":
            show = not options["quiet_progress"]
            with tqdm(total=len(due()), desc="Gói tin", unit="gói", disable=not show,
                      file=sys.stderr) as bar:
                report = outbox_deliver(progress=bar.update)
            self.stdout.write(f"Đã gửi {report.delivered}, thử lại sau {report.retrying}, "
                              f"bị từ chối {report.refused}.")
        elif action == "peer":
            try:
                peer = peer_save(actor=None, organ_prefix=options["organ_prefix"],
                                 name=options["name"], base_url=options["base_url"],
                                 trusted=not options["untrusted"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"Đã lưu: {peer}")
        else:
            for peer in Peer.objects.all():
                mark = "tin cậy" if peer.trusted else "KHÔNG tin cậy"
                self.stdout.write(f"{peer.organ_prefix}\t{peer.base_url}\t{mark}\t{peer.name}")
