"""Public API for checking a PDF's signatures: POST /api/v1/signatures/verify (multipart,
field `file`). Mounted in config/api.py. No authentication; nothing uploaded is kept.

The body is read by hand rather than through ninja's File parameter so that the in-memory
upload handler is in place before Django parses it, and so that a missing file is reported
on `file` like every other refusal."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from tinhso.signing.verification import (
    FIELD,
    SignatureView,
    Verdict,
    pdf_verify,
    read_pdf,
    use_memory_upload,
)

router = Router()


class SignatureOut(Schema):
    field: str
    signer: str
    organization: str
    kind: str
    signed_at: dt.datetime | None
    timestamp: dt.datetime | None
    timestamp_ok: bool
    intact: bool
    trusted: bool
    revocation: str
    covers_whole_file: bool
    ok: bool
    problems: list[str]
    serial: str
    fingerprint: str


class VerifyOut(Schema):
    ok: bool
    status: str
    summary: str
    problems: list[str]
    reasons: list[str]
    unsigned_changes: bool
    signatures: list[SignatureOut]


MULTIPART = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": [FIELD],
    "properties": {FIELD: {"type": "string", "format": "binary",
                           "description": "Tệp PDF đã ký số, tối đa 20 MB"}}}}}}}


def _signature_out(s: SignatureView) -> SignatureOut:
    return SignatureOut(
        field=s.field, signer=s.signer, organization=s.organization, kind=s.kind,
        signed_at=s.signed_at, timestamp=s.timestamp, timestamp_ok=s.timestamp_ok,
        intact=s.intact, trusted=s.trusted, revocation=s.revocation,
        covers_whole_file=s.covers_whole_file, ok=s.ok, problems=list(s.problems),
        serial=s.serial, fingerprint=s.fingerprint)


def _out(v: Verdict) -> VerifyOut:
    return VerifyOut(ok=v.ok, status=v.status, summary=v.summary, problems=v.problems,
                     reasons=v.reasons, unsigned_changes=v.unsigned_changes,
                     signatures=[_signature_out(s) for s in v.signatures])


@router.post("/verify", response=VerifyOut, auth=None, openapi_extra=MULTIPART,
             summary="Kiểm tra chữ ký số của một tệp PDF")
def verify(request: HttpRequest) -> VerifyOut:
    handler = use_memory_upload(request)
    pdf = read_pdf(request.FILES.get(FIELD), oversize=handler.oversize)
    return _out(pdf_verify(pdf))
