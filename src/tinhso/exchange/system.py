"""The account the exchange acts as when no person does: receiving a package from another
installation, recording a status it reports. It cannot log in (inactive, no usable password)."""

from __future__ import annotations

from tinhso.accounts.models import User
from tinhso.accounts.services import system_account

USERNAME = "he-thong-lien-thong"


def exchange_user() -> User:
    return system_account(USERNAME, "Hệ thống liên thông văn bản")
