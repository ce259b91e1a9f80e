"""Typed shapes of the one-stop API (documented at /api/v1/docs)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from tinhso.core.schemas import Out, ProblemOut
from tinhso.onestop.selectors import QUEUES
from tinhso.onestop.services import ACTIONS

# The actions the endpoint accepts: the status moves of services.ACTIONS plus the apology slip
# (no status change) and the applicant's rating.
EXTRA_ACTIONS = ("apology_draft", "apology_approve", "rate")
ACTION_NAMES: tuple[str, ...] = (*ACTIONS, *EXTRA_ACTIONS)
ActionName = Literal[ACTION_NAMES]  # type: ignore[valid-type]
QueueName = Literal[QUEUES]  # type: ignore[valid-type]


class StatusOut(Out):
    code: int = Field(description="Mã trạng thái 1..10 (theo Cổng DVCQG)")
    label: str
    dvcqg: str = Field(description="Chuỗi trạng thái trao đổi với Cổng DVCQG")


class ChannelOut(Out):
    code: int = Field(description="1 trực tiếp, 2 trực tuyến, 3 bưu chính")
    label: str


class AgencyRef(Out):
    code: str
    name: str


class ProcedureRef(Out):
    code: str
    name: str
    version: int


class DossierSummary(Out):
    code: str
    status: StatusOut
    revision: int
    channel: ChannelOut
    procedure: ProcedureRef
    agency: AgencyRef = Field(description="Cơ quan giải quyết (chịu trách nhiệm)")
    receiving_agency: AgencyRef
    current_agency: AgencyRef
    current_role: str
    submitted_at: dt.datetime
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    promised_at: dt.datetime | None
    resolved_at: dt.datetime | None
    returned_at: dt.datetime | None
    timeliness: str = Field(description="early | on_time | late, hoặc rỗng khi chưa có kết quả")


class DossierPage(Out):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[DossierSummary]


class ApplicantOut(Out):
    name: str
    id_number: str
    address: str
    phone: str
    email: str


class FileOut(Out):
    id: int
    name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    is_digitized: bool
    document_id: int | None
    uploaded_at: dt.datetime
    download_url: str


class EventOut(Out):
    at: dt.datetime
    action: str
    from_status: int | None
    to_status: int
    actor_name: str
    agency: str | None
    comment: str


class HandoverOut(Out):
    step: int
    step_name: str
    from_agency: AgencyRef
    from_user: str
    to_agency: AgencyRef
    to_role: str
    to_user: str
    at: dt.datetime
    step_due_at: dt.datetime | None
    done_at: dt.datetime | None
    timeliness: str


class AllowedAction(Out):
    name: str
    requires: list[str] = Field(description="Trường bắt buộc khi gửi thao tác này")
    accepts: list[str] = Field(description="Trường có thể gửi thêm")
    multipart: bool = Field(description="Có thể gửi tệp (multipart/form-data)")


class DossierDetail(DossierSummary):
    current_step: int
    current_step_name: str
    ended_at: dt.datetime | None
    end_reason: str
    fee_total: int
    applicant: ApplicantOut | None = Field(
        description="Thông tin cá nhân: chỉ cho người nộp và cán bộ xử lý (mỗi lần đọc được "
                    "ghi nhật ký)")
    files: list[FileOut]
    history: list[EventOut]
    handovers: list[HandoverOut]
    allowed_actions: list[AllowedAction]


class DossierCreateForm(Schema):
    """The plain fields of the multipart submission; files come as parts named
    `doc_<required document id>` (or `files` for extra ones)."""

    procedure_code: str = Field(..., min_length=1, max_length=64)
    channel: int = Field(2, ge=1, le=3, description="1 trực tiếp (chỉ cán bộ một cửa), "
                                                     "2 trực tuyến, 3 bưu chính")
    applicant_name: str = Field("", max_length=150)
    applicant_id_number: str = Field("", max_length=20)
    applicant_address: str = Field("", max_length=255)
    applicant_phone: str = Field("", max_length=20)
    applicant_email: str = Field("", max_length=254)
    form_data: str = Field("", description="Nội dung tờ khai: một đối tượng JSON")
    receiving_agency: str = Field("", max_length=32, description="Mã cơ quan tiếp nhận")
    unit: str = Field("", max_length=16, description="Mã đơn vị hành chính (địa bàn)")


class ActionIn(Schema):
    action: ActionName
    comment: str = Field("", max_length=5000)
    reason: str = Field("", max_length=5000)
    expected_revision: int | None = Field(None, ge=1)
    to_user: str | None = Field(None, max_length=150, description="Tên đăng nhập người nhận")
    amount: int | None = Field(None, ge=1)
    reference: str = Field("", max_length=64, description="Mã khoản thanh toán (confirm_payment)")
    new_due_at: dt.datetime | None = None
    apology: int | None = Field(None, description="Phiếu xin lỗi cần duyệt (apology_approve)")
    scores: dict[str, int] | None = None


class DossierFilters(Schema):
    status: int | None = Field(None, ge=1, le=10, description="Mã trạng thái 1..10")
    queue: QueueName | None = Field(None, description="Hàng đợi của cán bộ")
    q: str = Field("", max_length=40, description="Tiền tố mã hồ sơ")
    agency: str = Field("", max_length=32, description="Mã cơ quan giải quyết")
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


class StatsQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    date_from: dt.date = Field(..., alias="from", description="Ngày bắt đầu (YYYY-MM-DD)")
    date_to: dt.date = Field(..., alias="to", description="Ngày kết thúc (YYYY-MM-DD)")
    agency: str = Field("", max_length=32, description="Mã cơ quan giải quyết")


class ConflictOut(ProblemOut):
    revision: int = Field(description="Phiên bản hiện tại của hồ sơ")
    current_status: StatusOut


class TrackingStepOut(Schema):
    at: dt.datetime
    status: int
    status_label: str


class TrackingOut(Schema):
    code: str
    procedure_name: str
    agency_name: str
    receiving_agency_name: str
    status: int
    status_label: str
    submitted_at: dt.datetime
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    promised_at: dt.datetime | None
    resolved_at: dt.datetime | None
    returned_at: dt.datetime | None
    timeline: list[TrackingStepOut]


class FiguresOut(Schema):
    submitted: int
    received: int
    resolved: int
    early: int
    on_time: int
    late: int
    in_progress: int
    overdue: int
    withdrawn: int
    stopped: int
    refused: int
    returned: int
    on_time_rate: float | None = Field(
        description="(sớm + đúng hạn) / đã giải quyết × 100, hai chữ số thập phân")


class StatsOut(FiguresOut):
    model_config = ConfigDict(populate_by_name=True)

    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")
    agency: str | None
    by_channel: dict[str, FiguresOut] = Field(description="Theo kênh: 1, 2, 3")
    by_online_level: dict[str, FiguresOut] = Field(description="Theo mức độ dịch vụ trực tuyến")
