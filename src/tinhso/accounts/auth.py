"""How API callers prove who they are: `Authorization: Bearer <token>`, or the browser's
session (with CSRF on writes)."""

from __future__ import annotations

from typing import Any

from ninja.security import HttpBearer, SessionAuth

from tinhso.accounts.tokens import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: Any, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


# Operations that need a signed-in caller use `auth=API_AUTH`.
API_AUTH = [BearerToken(), SessionAuth()]
