"""The account the exchange acts as when no person does: receiving a package from another
installation, recording a status it reports. It cannot log in (inactive, no usable password)."""

from __future__ import annotations

from tinhso.accounts.models import User

USERNAME = "he-thong-lien-thong"


def exchange_user() -> User:
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User(username=USERNAME, full_name="Hệ thống liên thông văn bản",
                    kind=User.Kind.OFFICER, is_active=False)
        user.set_unusable_password()
        user.save()
    return user
