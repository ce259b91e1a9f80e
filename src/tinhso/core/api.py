"""Public API of the core app: the deadline calculator (/api/v1/calendar)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from tinhso.core.calendar import MAX_WORKING_DAYS, TZ, calendar_for_province
from tinhso.core.errors import DomainError

router = Router()

# A '+' left unencoded in a query string arrives as a space: "2025-04-25T08:00:00 07:00".
_SPACE_FOR_PLUS = re.compile(
    r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?) (\d{2}:?\d{2})"
)
_PROVINCE = re.compile(r"[0-9A-Za-z]{1,8}")


class DueQuery(Schema):
    start: str = Field(
        ...,
        description="Thời điểm tiếp nhận, ISO 8601 có múi giờ (mã hoá '+' thành %2B).",
        json_schema_extra={"format": "date-time", "example": "2025-04-25T20:00:00+07:00"},
    )
    working_days: Decimal | None = Field(
        None, description="Thời hạn tính bằng ngày làm việc (1 ngày = 8 giờ làm việc)."
    )
    working_hours: Decimal | None = Field(None, description="Thời hạn tính bằng giờ làm việc.")
    province: str | None = Field(
        None, description="Mã tỉnh; mặc định là tỉnh của hệ thống.", max_length=8
    )


class DayNoteOut(Schema):
    date: date
    reason: str
    kind: str = Field(
        ..., description="weekend | holiday | province_off | weekend_workday | province_work"
    )


class ExplanationOut(Schema):
    skipped: list[DayNoteOut] = Field(..., description="Những ngày không tính và lý do.")
    extra_working_days: list[DayNoteOut] = Field(
        ..., description="Ngày cuối tuần/ngày lễ vẫn tính là ngày làm việc (làm bù)."
    )
    text: str


class DueOut(Schema):
    start: datetime
    counting_from: datetime = Field(..., description="Thời điểm bắt đầu tính thời hạn.")
    due: datetime = Field(..., description="Hạn trả kết quả, giờ Việt Nam (+07:00).")
    working_days: float | None
    working_hours: float | None
    province: str
    explanation: ExplanationOut


def _parse_start(text: str) -> datetime:
    raw = _SPACE_FOR_PLUS.sub(r"\1+\2", text.strip())
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise DomainError.for_field(
            "start", _("Thời điểm không đúng dạng ISO 8601, ví dụ 2025-04-25T08:00:00+07:00.")
        ) from exc
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError.for_field(
            "start", _("Thời điểm phải có múi giờ, ví dụ 2025-04-25T08:00:00+07:00.")
        )
    return value


def _check_amount(name: str, value: Decimal, limit: Decimal) -> None:
    if not value.is_finite():
        raise DomainError.for_field(name, _("Cần một số hữu hạn."))
    if value <= 0:
        raise DomainError.for_field(name, _("Thời hạn phải lớn hơn 0."))
    if value > limit:
        raise DomainError.for_field(
            name, _("Thời hạn quá lớn (tối đa %(limit)s).") % {"limit": limit}, code="too_large"
        )


@router.get(
    "/due",
    response=DueOut,
    auth=None,
    summary="Tính hạn trả kết quả",
    description=(
        "Hạn trả kết quả của một thời hạn tính bằng ngày làm việc (N ngày = 8N giờ làm việc) "
        "hoặc giờ làm việc, tính từ thời điểm làm việc kế tiếp sau khi tiếp nhận, bỏ qua ngày "
        "nghỉ cuối tuần, ngày lễ và ngày nghỉ riêng của tỉnh. Xem docs/calendar.md."
    ),
)
def due(request: Any, params: Query[DueQuery]) -> dict[str, Any]:
    start = _parse_start(params.start)
    province = params.province or settings.TINHSO_PROVINCE_CODE
    if not _PROVINCE.fullmatch(province):
        raise DomainError.for_field("province", _("Mã tỉnh không hợp lệ."))
    calendar = calendar_for_province(province)
    if params.working_days is not None and params.working_hours is None:
        _check_amount("working_days", params.working_days, Decimal(MAX_WORKING_DAYS))
    elif params.working_hours is not None and params.working_days is None:
        hours_per_day = Decimal(calendar.day_length.total_seconds()) / 3600
        _check_amount("working_hours", params.working_hours, MAX_WORKING_DAYS * hours_per_day)
    explanation = calendar.explain(
        start, working_days=params.working_days, working_hours=params.working_hours
    )
    return {
        "start": explanation.start.astimezone(TZ),
        "counting_from": explanation.counting_from,
        "due": explanation.due,
        "working_days": None if params.working_days is None else float(params.working_days),
        "working_hours": None if params.working_hours is None else float(params.working_hours),
        "province": province,
        "explanation": explanation.as_dict(),
    }
