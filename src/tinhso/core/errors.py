"""Errors that services raise and that the API and forms turn into answers a user can act on.

The API answers with RFC 9457 problem details; `errors` lists the offending fields."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    message: str
    code: str = "invalid"


@dataclass
class DomainError(Exception):
    """A request that the rules refuse. status is the HTTP status the API answers with."""

    message: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    code: str = "invalid"

    def __str__(self) -> str:
        return self.message

    @classmethod
    def for_field(cls, name: str, message: str, *, code: str = "invalid") -> DomainError:
        return cls(message=message, errors=[FieldError(name, message, code)], status=422, code=code)


class NotAllowed(DomainError):
    """The acting user may not do this (HTTP 403)."""

    def __init__(self, message: str = "Bạn không có quyền thực hiện thao tác này.") -> None:
        super().__init__(message=message, status=403, code="forbidden")


class NotFound(DomainError):
    def __init__(self, message: str = "Không tìm thấy.") -> None:
        super().__init__(message=message, status=404, code="not_found")
