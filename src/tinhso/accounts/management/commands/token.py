from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.accounts.tokens import token_create


class Command(BaseCommand):
    help = "Tạo mã truy cập API mới cho một người dùng và in ra một lần duy nhất."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="tên đăng nhập")
        parser.add_argument("--name", default="", help="ghi chú: hệ thống nào dùng mã này")
        parser.add_argument("--expires-days", type=int, default=None,
                            help="hết hạn sau số ngày (mặc định: không hết hạn)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"Không có người dùng '{options['user']}'.")
        if not user.is_active:
            raise CommandError(f"Tài khoản '{user.username}' đã bị khóa.")
        days = options["expires_days"]
        if days is not None and days <= 0:
            raise CommandError("--expires-days phải là số dương.")
        expires = timezone.now() + timedelta(days=days) if days else None
        _, raw = token_create(user=user, name=options["name"], expires_at=expires)
        self.stdout.write(raw)
