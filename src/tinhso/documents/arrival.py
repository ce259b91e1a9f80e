"""The check of a document's signatures on arrival (văn bản đến is verified first): integrity,
chain to the trusted roots, revocation and timestamp of each signature on the agency-signed
file, made once when a document is sent to agencies of this installation and kept on each
incoming record (`IncomingRecord.verification`). The page shows it beside a fresh check, so the
clerk sees what the document was worth when it came in. Documents from other installations are
checked by `exchange` on receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.documents.files import pdf_read
from tinhso.documents.models import Document, DocumentFile


def _moment(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def arrival_check(doc: Document, at: dt.datetime) -> dict[str, Any]:
    """The verdict on the document's agency-signed file (and, under "attachments", on each of
    its separately filed attachments: one that is not valid makes the whole not ok), as plain
    JSON. A kept record, so its
    words are in Vietnamese (the records' language), whatever the sending clerk's language."""
    with translation.override("vi"):
        return _check(doc, at)


def _check(doc: Document, at: dt.datetime) -> dict[str, Any]:
    base: dict[str, Any] = {"checked_at": at.isoformat()}
    row = DocumentFile.objects.filter(document=doc, kind=DocumentFile.Kind.AGENCY).first()
    if row is None:
        return {**base, "status": "unsigned", "ok": False,
                "summary": _("Văn bản đến không có tệp mang chữ ký số của cơ quan ban hành.")}
    try:
        pdf = pdf_read(row.storage_path, row.sha256)
    except (DomainError, OSError) as exc:
        return _unreadable(base, exc)
    verdict = pdf_check(pdf, at)
    attachments = _attachments(doc, at)
    if attachments:
        verdict["attachments"] = attachments
        bad = [a for a in attachments if not a["ok"]]
        if bad:
            verdict["ok"] = False
            verdict["status"] = "invalid"
            verdict["reasons"] = [*verdict.get("reasons", []), *(
                _("Phụ lục %(n)d (%(title)s): %(summary)s")
                % {"n": a["number"], "title": a["title"], "summary": a["summary"]}
                for a in bad)]
    return verdict


def _attachments(doc: Document, at: dt.datetime) -> list[dict[str, Any]]:
    """The verdict on each separately filed attachment's agency-signed file."""
    from tinhso.documents.services.attachments import attachment_bytes, current_attachments

    out = []
    for n, row in enumerate(current_attachments(doc), start=1):
        head = {"number": n, "title": row.title}
        if not row.is_signed:
            out.append({**head, "status": "unsigned", "ok": False,
                        "summary": _("Phụ lục không có chữ ký số của cơ quan ban hành.")})
            continue
        try:
            verdict = pdf_check(attachment_bytes(row), at)
        except (DomainError, OSError) as exc:
            verdict = _unreadable({"checked_at": at.isoformat()}, exc)
        out.append({**head, **{k: verdict.get(k) for k in ("status", "ok", "summary")},
                    "reasons": verdict.get("reasons", [])})
    return out


def _unreadable(base: dict[str, Any], exc: Exception) -> dict[str, Any]:
    message = getattr(exc, "message", "") or str(exc)
    return {**base, "status": "unreadable", "ok": False,
            "summary": _("Không kiểm tra được tệp đã ký: %(e)s") % {"e": message}}


def pdf_check(pdf: bytes, at: dt.datetime) -> dict[str, Any]:
    """The verdict on an agency-signed file's bytes, as kept (in Vietnamese)."""
    with translation.override("vi"):
        return _verdict(pdf, at)


def _verdict(pdf: bytes, at: dt.datetime) -> dict[str, Any]:
    from tinhso.signing.verification import pdf_verify

    base: dict[str, Any] = {"checked_at": at.isoformat()}
    try:
        verdict = pdf_verify(pdf)
    except (DomainError, OSError) as exc:
        return _unreadable(base, exc)
    return {
        **base, "status": verdict.status, "ok": verdict.ok, "summary": str(verdict.summary),
        "reasons": [str(r) for r in verdict.reasons],
        "signatures": [
            {"signer": s.signer, "organization": s.organization, "kind": s.kind, "ok": s.ok,
             "intact": s.intact, "trusted": s.trusted, "revocation": s.revocation,
             "signed_at": _moment(s.signed_at), "timestamp": _moment(s.timestamp),
             "timestamp_ok": s.timestamp_ok, "serial": s.serial}
            for s in verdict.signatures
        ],
    }
