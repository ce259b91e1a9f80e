"""Typed shapes of the documents API (documented at /api/v1/docs)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from tinhso.core.schemas import ProblemOut
from tinhso.documents.kinds import Confidentiality, DocStatus, DocType, IncomingStatus, Urgency
from tinhso.documents.services import ACTIONS

TYPE_NAMES: tuple[str, ...] = tuple(DocType.values)
URGENCY_NAMES: tuple[str, ...] = tuple(Urgency.values)
CONFIDENTIALITY_NAMES: tuple[str, ...] = tuple(Confidentiality.values)
ACTION_NAMES: tuple[str, ...] = tuple(ACTIONS)
STATUS_NAMES: tuple[str, ...] = tuple(sorted({*DocStatus.values, *IncomingStatus.values}))
TypeName = Literal[TYPE_NAMES]  # type: ignore[valid-type]
UrgencyName = Literal[URGENCY_NAMES]  # type: ignore[valid-type]
ConfidentialityName = Literal[CONFIDENTIALITY_NAMES]  # type: ignore[valid-type]
ActionName = Literal[ACTION_NAMES]  # type: ignore[valid-type]
StatusName = Literal[STATUS_NAMES]  # type: ignore[valid-type]
IncomingActionName = Literal["register", "direct", "assign", "start", "done"]
MAX_RECIPIENTS = 200


class Choice(Schema):
    code: str
    label: str


class TypeOut(Choice):
    abbreviation: str = Field(description="Chữ viết tắt trong ký hiệu (rỗng với công văn)")


class AgencyRef(Schema):
    code: str
    name: str
    short_name: str


class IncomingOut(Schema):
    id: int
    agency: AgencyRef
    number: int = Field(description="Số đến trong sổ văn bản đến của cơ quan nhận")
    year: int
    arrived_at: dt.datetime
    status: Choice
    revision: int
    assigned_unit: str
    assignee: str
    deadline: dt.date | None
    overdue: bool
    done_at: dt.datetime | None


class DocumentSummary(Schema):
    id: int
    agency: AgencyRef
    type: TypeOut
    subject: str
    urgency: Choice
    confidentiality: Choice
    status: Choice
    revision: int
    version: int
    number: int | None
    notation: str = Field(description="Số, ký hiệu, ví dụ 05/QĐ-UBND (rỗng khi chưa cấp số)")
    year: int | None
    issued_on: dt.date | None
    drafter: str
    signer: str
    created_at: dt.datetime
    updated_at: dt.datetime
    incoming: IncomingOut | None = Field(
        description="Với direction=incoming: bản ghi văn bản đến của cơ quan người gọi")


class DocumentPage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[DocumentSummary]


class VersionOut(Schema):
    number: int
    subject: str
    body: str
    author: str
    at: dt.datetime
    comment: str
    attachments: list[str] = Field(default_factory=list,
                                   description="Tên các phụ lục của phiên bản này")


class AttachmentOut(Schema):
    number: int = Field(description="Thứ tự phụ lục (1, 2, ...): phần {n} của đường dẫn tệp")
    title: str
    file_name: str
    signed: bool = Field(description="Đã ký số cơ quan (từ khi văn bản được ban hành)")
    size: int
    sha256: str = Field(description="SHA-256 của tệp tải về")
    signed_at: dt.datetime | None
    url: str


class AttachmentIn(Schema):
    """The form fields of an attachment's upload (multipart/form-data, with the PDF as `file`)."""

    title: str = Field(max_length=500, description="Tên phụ lục, ví dụ: Phụ lục I. Danh mục")
    comment: str = Field("", max_length=4000)
    expected_revision: int | None = Field(None, ge=1)


class EventOut(Schema):
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    actor_name: str
    agency: str | None
    comment: str


class DocumentDetail(DocumentSummary):
    body: str
    unit_abbr: str
    recipients: list[AgencyRef]
    recipient_lines: list[str]
    attachments: list[AttachmentOut] = Field(
        description="Phụ lục, tài liệu kèm theo (tệp PDF riêng), theo thứ tự")
    versions: list[VersionOut] = Field(description="Các phiên bản dự thảo (chỉ cơ quan ban hành)")
    history: list[EventOut]
    arrivals: list[IncomingOut] = Field(description="Tình trạng tại từng cơ quan nhận")


class DocumentFilters(Schema):
    agency: str = Field("", max_length=16, description="Mã định danh cơ quan")
    direction: Literal["outgoing", "incoming"] = "outgoing"
    year: int | None = Field(None, ge=1900, le=2999)
    type: TypeName | None = None
    status: StatusName | None = None
    q: str = Field("", max_length=200, description="Tìm không dấu trong số ký hiệu, trích yếu, nội dung")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class DocumentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    agency: str = Field("", max_length=16,
                        description="Mã định danh cơ quan ban hành (bỏ trống nếu chỉ có một)")
    type: TypeName
    subject: str = Field(max_length=500)
    body: str = Field("", max_length=200_000)
    urgency: UrgencyName = "normal"
    confidentiality: ConfidentialityName = "normal"
    recipients: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENTS,
                                  description="Mã định danh các cơ quan nhận")
    recipient_lines: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENTS,
                                       description="Các dòng nơi nhận khác")
    unit_abbr: str = Field("", max_length=16,
                           description="Chữ viết tắt đơn vị soạn thảo (bắt buộc với công văn)")
    signer: str = Field("", max_length=150, description="Tên đăng nhập của lãnh đạo ký")
    comment: str = Field("", max_length=4000)


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    action: ActionName
    expected_revision: int | None = Field(None, ge=1)
    comment: str = Field("", max_length=4000)
    subject: str | None = Field(None, max_length=500)
    body: str | None = Field(None, max_length=200_000)
    type: TypeName | None = None
    urgency: UrgencyName | None = None
    confidentiality: ConfidentialityName | None = None
    recipients: list[str] | None = Field(None, max_length=MAX_RECIPIENTS)
    recipient_lines: list[str] | None = Field(None, max_length=MAX_RECIPIENTS)
    unit_abbr: str | None = Field(None, max_length=16)
    signer: str | None = Field(None, max_length=150)


class IncomingActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    action: IncomingActionName
    expected_revision: int | None = Field(None, ge=1)
    direction: str = Field("", max_length=4000)
    assignee: str = Field("", max_length=150, description="Tên đăng nhập người xử lý")
    assigned_unit: str = Field("", max_length=150)
    deadline: dt.date | None = None
    comment: str = Field("", max_length=4000)
    result: str = Field("", max_length=4000)


class ConflictOut(ProblemOut):
    revision: int | None = None
    current_status: str | None = None
