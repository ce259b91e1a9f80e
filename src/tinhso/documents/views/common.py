"""What the documents pages share: fetching what the user may see (404 otherwise), the 403
page, words for the history's steps, and a file's signatures checked for the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.documents import selectors
from tinhso.documents.files import pdf_read
from tinhso.documents.models import Document, DocumentFile, IncomingRecord

# The history's steps in words (DocumentEvent.action).
STEP_LABELS: dict[str, Any] = {
    "draft": gettext_lazy("Soạn dự thảo"),
    "revise": gettext_lazy("Sửa dự thảo"),
    "attach": gettext_lazy("Thêm phụ lục"),
    "detach": gettext_lazy("Bỏ phụ lục"),
    "submit": gettext_lazy("Trình duyệt"),
    "approve": gettext_lazy("Duyệt dự thảo"),
    "send_back": gettext_lazy("Trả lại để sửa"),
    "sign": gettext_lazy("Ký số cá nhân"),
    "register": gettext_lazy("Vào sổ, cấp số"),
    "issue": gettext_lazy("Ký số cơ quan, ban hành"),
    "send": gettext_lazy("Gửi văn bản"),
    "receive_external": gettext_lazy("Nhận từ hệ thống khác"),
    "remote_status": gettext_lazy("Nơi nhận báo trạng thái"),
    "incoming.receive": gettext_lazy("Văn bản đến"),
    "incoming.register": gettext_lazy("Vào sổ văn bản đến"),
    "incoming.direct": gettext_lazy("Chỉ đạo xử lý"),
    "incoming.assign": gettext_lazy("Giao xử lý"),
    "incoming.start": gettext_lazy("Bắt đầu xử lý"),
    "incoming.done": gettext_lazy("Xử lý xong"),
}


def step_label(action: str) -> str:
    return str(STEP_LABELS.get(action, action))


def forbidden(request: HttpRequest, exc: DomainError | None = None) -> HttpResponse:
    return render(
        request,
        "documents/pages/403.html",
        {"reason": exc.message if exc is not None else ""},
        status=403,
    )


# The largest primary key (BigAutoField); a larger number in a URL is simply not found
# (PostgreSQL would refuse it as out of range).
MAX_PK = 2**63 - 1


def get_document(user: Any, pk: int) -> Document:
    if pk > MAX_PK:
        raise Http404(_("Không tìm thấy văn bản."))
    try:
        return selectors.document_for(user, pk)
    except NotFound:
        raise Http404(_("Không tìm thấy văn bản.")) from None


def get_incoming(user: Any, pk: int) -> IncomingRecord:
    if pk > MAX_PK:
        raise Http404(_("Không tìm thấy văn bản đến."))
    try:
        return selectors.incoming_for(user, pk)
    except NotFound:
        raise Http404(_("Không tìm thấy văn bản đến.")) from None


def revision_of(value: Any) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def signatures_of(files: list[DocumentFile]) -> Any:
    """The latest signed file's signatures as the public check reads them (signer, time,
    valid or not and why), or None when nothing is signed or the file cannot be read."""
    from tinhso.signing.verification import pdf_verify

    if not files:
        return None
    latest = files[-1]
    try:
        return pdf_verify(pdf_read(latest.storage_path, latest.sha256))
    except (DomainError, OSError):
        return None


def step_refused(request: HttpRequest, exc: DomainError, *, template: str,
                 context: Callable[..., dict[str, Any]], step: str, title: str,
                 posted: dict[str, str], conflict: Any) -> HttpResponse:
    """The page again after the services refused a step: 403 for a refusal, 409 with the
    page's current state when the record moved on meanwhile (`conflict` says so), else the
    step's errors under it with the error's own 4xx. `context(**extra)` builds the page's
    context from a fresh read."""
    from tinhso.documents.services import Conflict

    if isinstance(exc, NotAllowed):
        return forbidden(request, exc)
    if isinstance(exc, Conflict):
        return render(request, template, context(page_error=conflict), status=409)
    errors = [e.message for e in exc.errors] or [exc.message]
    status = exc.status if 400 <= exc.status < 500 else 422
    return render(request, template,
                  context(errors={step: errors}, error_step=title, posted=posted), status=status)
