from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from tinhso.accounts.auth import API_AUTH
from tinhso.accounts.selectors import grants_of

router = Router()


class GrantOut(Schema):
    role: str
    agency_code: str | None
    agency_name: str | None
    province_code: str


class MeOut(Schema):
    username: str
    full_name: str
    kind: str
    grants: list[GrantOut]


@router.get("/me", response=MeOut, auth=API_AUTH, summary="Người dùng hiện tại và vai trò")
def me(request: Any) -> dict[str, Any]:
    user = request.auth
    return {
        "username": user.username,
        "full_name": user.full_name,
        "kind": user.kind,
        "grants": [
            {"role": g.role, "agency_code": g.agency.code if g.agency else None,
             "agency_name": g.agency.name if g.agency else None,
             "province_code": g.province_code}
            for g in grants_of(user)
        ],
    }
