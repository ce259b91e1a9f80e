"""API shapes every app answers with."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ProblemOut(Schema):
    """An RFC 9457 problem (config/api.py writes them): `errors` names the fields at fault."""

    type: str
    title: str
    status: int
    detail: str
    code: str | None = None
    errors: list[dict[str, Any]] | None = None
