"""Public checking of an uploaded PDF's signatures: what the page and the API both show.

The upload is kept in memory only (never a temporary file) and dropped with the request;
nothing about it or its signers is logged or stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from tinhso.core.errors import DomainError
from tinhso.signing.models import Certificate, CertKind
from tinhso.signing.validation import Revocation, SignatureCheck, ValidationReport, pdf_validate

FIELD = "file"
MAX_PDF_BYTES = 20 * 1024 * 1024
VN = ZoneInfo("Asia/Ho_Chi_Minh")


class MemoryUpload(FileUploadHandler):
    """Holds the one `file` part in memory up to MAX_PDF_BYTES and skips it past that, so an
    upload never reaches a temporary file and `oversize` tells "too big" from "missing".
    Other file parts, and a second `file`, are skipped: memory stays bounded by one PDF."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.buffer = BytesIO()
        self.oversize = False
        self.taken = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.field_name != FIELD or self.taken:
            raise SkipFile
        self.taken = True
        self.buffer = BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > MAX_PDF_BYTES:
            self.oversize = True
            self.buffer = BytesIO()
            raise SkipFile
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(self.buffer, self.field_name, self.file_name or "",
                                    self.content_type, file_size, self.charset,
                                    self.content_type_extra)


def use_memory_upload(request: HttpRequest) -> MemoryUpload:
    """Must run before the body is parsed (before CSRF checks read request.POST)."""
    handler = MemoryUpload(request)
    request.upload_handlers = [handler]
    return handler


def _refuse(message: str, code: str) -> DomainError:
    return DomainError.for_field(FIELD, message, code=code)


def read_pdf(upload: UploadedFile | None, *, oversize: bool = False) -> bytes:
    """The uploaded bytes, if they can be a PDF; else a DomainError naming the field."""
    limit_mb = MAX_PDF_BYTES // (1024 * 1024)
    if oversize or (upload is not None and (upload.size or 0) > MAX_PDF_BYTES):
        raise _refuse(_("Tệp lớn hơn %(mb)s MB, không kiểm tra được.") % {"mb": limit_mb},
                      "too_large")
    if upload is None:
        raise _refuse(_("Hãy chọn tệp PDF cần kiểm tra."), "required")
    data = upload.read()
    if not data:
        raise _refuse(_("Tệp đã chọn không có nội dung."), "empty")
    if not data.startswith(b"%PDF-"):
        raise _refuse(_("Tệp đã chọn không phải là tệp PDF."), "not_pdf")
    return data


@dataclass(frozen=True)
class SignatureView:
    """One signature, as a person reads it."""

    field: str
    signer: str
    organization: str
    kind: str  # "personal", "organization" or "" when the certificate does not say
    kind_label: str
    signed_at: dt.datetime | None
    timestamp: dt.datetime | None
    timestamp_ok: bool
    intact: bool
    trusted: bool
    revocation: str
    revocation_label: str
    covers_whole_file: bool
    ok: bool
    problems: tuple[str, ...]
    serial: str
    fingerprint: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    status: str  # valid | unsigned | invalid | unreadable_signature
    summary: str
    reasons: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unsigned_changes: bool = False
    signatures: list[SignatureView] = field(default_factory=list)


def _revocation_label(value: str) -> str:
    return {
        Revocation.GOOD: _("Chưa bị thu hồi"),
        Revocation.REVOKED: _("Đã bị thu hồi"),
        Revocation.REVOKED_AFTER_SIGNING: _("Bị thu hồi sau khi ký (chữ ký vẫn có giá trị)"),
    }.get(value, _("Không xác định được"))


def _subject_part(subject: str, label: str) -> str:
    """One attribute of asn1crypto's human-friendly name ("Common Name: …, Organization: …")."""
    for part in subject.split(", "):
        key, _sep, value = part.partition(": ")
        if key == label:
            return value
    return ""


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(VN) if moment is not None else None


def _signature(check: SignatureCheck, ours: dict[int, Certificate]) -> SignatureView:
    cert = ours.get(check.certificate_id) if check.certificate_id else None
    kind = str(cert.kind) if cert is not None else ""
    organization = (str(cert.subject_attrs.get("organization-name", "")) if cert is not None
                    else "") or _subject_part(check.subject, "Organization")
    kind_labels = {str(CertKind.PERSONAL): _("Chữ ký cá nhân"),
                   str(CertKind.ORGANIZATION): _("Chữ ký của cơ quan, tổ chức")}
    if kind not in kind_labels:
        kind = ""
    return SignatureView(
        field=check.field, signer=check.signer, organization=organization, kind=kind,
        kind_label=kind_labels.get(kind, ""), signed_at=_local(check.signed_at),
        timestamp=_local(check.timestamp), timestamp_ok=check.timestamp_ok,
        intact=check.intact, trusted=check.trusted, revocation=check.revocation,
        revocation_label=_revocation_label(check.revocation),
        covers_whole_file=check.covers_whole_file, ok=check.ok, problems=check.problems,
        serial=format(check.serial, "X") if check.serial is not None else "",
        fingerprint=check.fingerprint)


PROBLEM_ORDER = ("altered", "changed_after_signing", "untrusted", "revoked", "no_timestamp")


def _reason(problem: str) -> str:
    return {
        "altered": _("Nội dung văn bản đã bị thay đổi sau khi ký."),
        "changed_after_signing": _("Có nội dung được thêm hoặc sửa sau chữ ký cuối cùng."),
        "untrusted": _("Chứng thư số không do tổ chức cung cấp dịch vụ được tin cậy cấp."),
        "revoked": _("Chứng thư số đã bị thu hồi trước khi ký."),
        "no_timestamp": _("Chữ ký không có dấu thời gian hợp lệ."),
        "unreadable_signature": _("Có chữ ký không đọc được."),
    }[problem]


def _verdict(report: ValidationReport) -> Verdict:
    if report.error == "unsigned":
        return Verdict(ok=False, status="unsigned",
                       summary=_("Văn bản không có chữ ký số."))
    ids = [c.certificate_id for c in report.signatures if c.certificate_id]
    ours = Certificate.objects.in_bulk(ids) if ids else {}
    signatures = [_signature(c, ours) for c in report.signatures]
    found = {p for c in report.signatures for p in c.problems}
    if report.unsigned_changes:
        found.add("changed_after_signing")
    problems = [p for p in PROBLEM_ORDER if p in found]
    if report.error:
        problems.append("unreadable_signature")
    if report.ok:
        return Verdict(ok=True, status="valid",
                       summary=_("Văn bản còn nguyên vẹn, chữ ký hợp lệ."),
                       signatures=signatures)
    return Verdict(ok=False, status="invalid", summary=_("Chữ ký không hợp lệ."),
                   reasons=[_reason(p) for p in problems], problems=problems,
                   unsigned_changes=report.unsigned_changes, signatures=signatures)


def pdf_verify(pdf: bytes) -> Verdict:
    """What the signatures of `pdf` are worth; a DomainError on `file` if it cannot be read."""
    report = pdf_validate(pdf)
    if report.error.startswith("unreadable"):
        raise _refuse(_("Không đọc được tệp PDF: tệp bị hỏng hoặc không đầy đủ."), "unreadable")
    if report.error == "unsigned" and _encrypted(pdf):
        raise _refuse(_("Tệp PDF được đặt mật khẩu: hãy tải lên bản không đặt mật khẩu."),
                      "encrypted")
    return _verdict(report)


def _encrypted(pdf: bytes) -> bool:
    """pyHanko lists no signature in an encrypted file, which would read as "unsigned"."""
    try:
        return bool(PdfFileReader(BytesIO(pdf), strict=False).encrypted)
    except (PdfError, ValueError, KeyError, TypeError):
        return False
