"""An incoming record's page (văn bản đến): the document as it arrived with its signatures
checked, the same-day registration warning, and the receiving agency's steps: register
(clerk), direct and assign with a deadline (leader), start and done (the person in charge)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.calendar import calendar_for_province
from tinhso.core.errors import DomainError
from tinhso.directory.permissions import can
from tinhso.documents import selectors, services
from tinhso.documents.deadlines import registration_warning
from tinhso.documents.forms import ActionForm
from tinhso.documents.kinds import IncomingStatus as S
from tinhso.documents.models import IncomingRecord
from tinhso.documents.views.common import (
    get_incoming,
    signatures_of,
    step_label,
    step_refused,
)

CONFLICT = gettext_lazy(
    "Văn bản đến đã được người khác xử lý hoặc đã chuyển sang bước khác; "
    "trang đã được tải lại với trạng thái mới nhất."
)


@dataclass(frozen=True)
class Step:
    name: str
    title: Any
    text_label: Any = ""
    text_required: bool = False
    help: Any = ""


STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step(
            "register",
            gettext_lazy("Vào sổ văn bản đến"),
            gettext_lazy("Ghi chú (không bắt buộc)"),
            help=gettext_lazy(
                "Xác nhận đã kiểm tra văn bản và chữ ký số, vào sổ với số đến đã "
                "cấp. Văn bản phải vào sổ trong ngày, văn bản khẩn vào sổ ngay."
            ),
        ),
        Step("direct", gettext_lazy("Cho ý kiến chỉ đạo"), gettext_lazy("Ý kiến chỉ đạo"), True),
        Step(
            "assign",
            gettext_lazy("Giao xử lý"),
            gettext_lazy("Ghi chú (không bắt buộc)"),
            help=gettext_lazy("Giao cho người hoặc đơn vị xử lý, với hạn xử lý."),
        ),
        Step("start", gettext_lazy("Bắt đầu xử lý")),
        Step("done", gettext_lazy("Hoàn thành xử lý"), gettext_lazy("Kết quả xử lý")),
    ]
}


def registered(rec: IncomingRecord) -> bool:
    """Whether the clerk registered it (annotated by `selectors.incoming_for`)."""
    return bool(getattr(rec, "clerk_registered", True))


def _handler(user: Any, rec: IncomingRecord) -> bool:
    if rec.assignee_id is not None:
        return bool(rec.assignee_id == user.pk)
    return can(user, services.HANDLE, rec.agency)


def available_steps(user: Any, rec: IncomingRecord) -> list[str]:
    """The steps the user may take now (mirroring the services; they stay the judges)."""
    st, a = rec.status, rec.agency
    steps: list[str] = []
    if st == S.REGISTERED and not registered(rec) and can(user, services.REGISTER, a):
        steps.append("register")
    if can(user, services.DIRECT, a):
        if st in (S.REGISTERED, S.DIRECTED):
            steps.append("direct")
        if st in (S.REGISTERED, S.DIRECTED, S.ASSIGNED, S.HANDLING):
            steps.append("assign")
    if _handler(user, rec):
        if st == S.ASSIGNED:
            steps.append("start")
        if st in (S.ASSIGNED, S.HANDLING):
            steps.append("done")
    return steps


def _context(
    request: HttpRequest,
    rec: IncomingRecord,
    *,
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    user = request.user
    doc = rec.document
    files = selectors.document_files(user, doc)
    history = [
        e
        for e in selectors.document_history(user, doc)
        if e.agency_id in (doc.agency_id, rec.agency_id)
    ]
    steps = available_steps(user, rec)
    warning = registration_warning(
        arrived_at=rec.arrived_at,
        urgency=doc.urgency,
        registered=registered(rec),
        now=timezone.now(),
        calendar=calendar_for_province(),
    )
    ctx = {
        "r": rec,
        "d": doc,
        "files": files,
        "verdict": signatures_of(files),
        "attachments": selectors.document_attachments(user, doc),
        "history": [{"e": e, "label": step_label(e.action)} for e in history],
        "warning": warning,
        "handlers": list(selectors.handlers_of(rec.agency)) if "assign" in steps else [],
        "steps": [{"spec": STEPS[n], "errors": (errors or {}).get(n, [])} for n in steps],
        "posted": posted or {},
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_incoming(request.user, pk)
    return render(request, "documents/pages/incoming.html", _context(request, rec))


def _run(name: str, rec: IncomingRecord, user: Any, form: ActionForm) -> IncomingRecord:
    c = form.cleaned_data
    common: dict[str, Any] = {"record": rec, "actor": user, "expected_revision": c["revision"]}
    text = c["text"] or ""
    if name == "register":
        return services.incoming_register(comment=text, **common)
    if name == "direct":
        return services.incoming_direct(direction=text, **common)
    if name == "assign":
        assignee = None
        if c["assignee"] is not None:
            assignee = selectors.handlers_of(rec.agency).filter(pk=c["assignee"]).first()
            if assignee is None:
                raise DomainError.for_field(
                    "assignee", _("Người xử lý phải là cán bộ của cơ quan nhận văn bản.")
                )
        if c["deadline"] is None:
            raise DomainError.for_field("deadline", _("Cần hạn xử lý (ngày)."), code="required")
        return services.incoming_assign(
            deadline=c["deadline"],
            assignee=assignee,
            assigned_unit=c["assigned_unit"] or "",
            comment=text,
            **common,
        )
    if name == "start":
        return services.incoming_start(**common)
    return services.incoming_done(result=text, **common)


@login_required
@require_POST
def incoming_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rec = get_incoming(user, pk)
    name = request.POST.get("action", "")
    if name not in STEPS:
        return render(
            request,
            "documents/pages/incoming.html",
            _context(request, rec, page_error=_("Thao tác không hợp lệ.")),
            status=400,
        )
    form = ActionForm(request.POST)
    posted = {k: request.POST.get(k, "") for k in ("text", "assignee", "assigned_unit", "deadline")}
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return render(
            request,
            "documents/pages/incoming.html",
            _context(
                request, rec, errors={name: errors}, error_step=STEPS[name].title, posted=posted
            ),
            status=422,
        )
    try:
        _run(name, rec, user, form)
    except DomainError as exc:
        return step_refused(
            request, exc, template="documents/pages/incoming.html",
            context=lambda **extra: _context(request, get_incoming(user, pk), **extra),
            step=name, title=STEPS[name].title, posted=posted, conflict=CONFLICT)
    if name == "register":
        messages.success(
            request,
            _("Đã vào sổ văn bản đến, số đến %(n)d/%(y)d.") % {"n": rec.number, "y": rec.year},
        )
    else:
        messages.success(request, _("Đã thực hiện: %(step)s.") % {"step": STEPS[name].title})
    return redirect("documents:incoming", pk=rec.pk)
