"""API tokens: `ts_<prefix>_<secret>`. The prefix finds the row; the secret is compared by
its SHA-256 in constant time. High-entropy secrets need no slow hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import ApiToken, User
from tinhso.core.audit import audit_record


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str = "", expires_at: datetime | None = None,
                 actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the plain token, which is never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(secret),
                                    expires_at=expires_at)
    audit_record(actor=actor or user, action="token.create", obj=user,
                 data={"prefix": prefix, "name": name})
    return token, f"ts_{prefix}_{secret}"


def token_authenticate(raw: str) -> User | None:
    try:
        scheme, prefix, secret = raw.split("_", 2)
    except ValueError:
        return None
    if scheme != "ts":
        return None
    # The prefix is unique: no ordering needed (this runs on every API request).
    token = next(iter(ApiToken.objects.select_related("user").filter(prefix=prefix)[:1]), None)
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    now = timezone.now()
    if token.revoked_at or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> None:
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    audit_record(actor=actor, action="token.revoke", obj=token.user, data={"prefix": token.prefix})
