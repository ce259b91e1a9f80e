"""API shapes every app answers with."""

from __future__ import annotations

from typing import Any

import pydantic
from ninja import Schema


class Out(pydantic.BaseModel):
    """An answer the view builds as plain dicts and lists. Plain pydantic validates it in its
    compiled core; ninja's `Schema` would first wrap every dict in its attribute getter (for ORM
    objects), which was 7% of a dossier submission's CPU (docs/benchmarks.md)."""


class ProblemOut(Schema):
    """An RFC 9457 problem (config/api.py writes them): `errors` names the fields at fault."""

    type: str
    title: str
    status: int
    detail: str
    code: str | None = None
    errors: list[dict[str, Any]] | None = None
