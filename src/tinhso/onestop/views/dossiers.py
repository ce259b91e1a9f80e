"""A dossier's page (for its applicant and for the officers who may see it, one template with
sections shown by permission), the actions taken from it, its files and printable slips, and
the applicant's list "Hồ sơ của tôi"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.audit import client_ip
from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.directory.permissions import agency_scope
from tinhso.onestop import selectors, services
from tinhso.onestop.files import file_open
from tinhso.onestop.models import Dossier, DossierFile, Payment
from tinhso.onestop.slips import APPLICANT_SLIPS, SLIP_KINDS, render_slip
from tinhso.onestop.status import RESOLVED, Status
from tinhso.onestop.views import actions as ui_actions
from tinhso.onestop.views.common import forbidden, revision_of, time_left

# Comments the applicant sees in the history: those addressed to them.
APPLICANT_COMMENTS = {"request_supplement", "refuse", "stop", "withdraw", "request_payment",
                      "supply"}
# The slip that records each action (printable once the action happened).
SLIP_OF_ACTION = {"receive": "receipt", "request_supplement": "supplement", "refuse": "refusal",
                  "stop": "stop", "withdraw": "stop", "apology_approve": "apology"}


def _get(user: Any, code: str) -> Dossier:
    try:
        return selectors.dossier_for(user, code)
    except NotFound:
        raise Http404(_("Không tìm thấy hồ sơ.")) from None


def is_officer_of(user: Any, d: Dossier) -> bool:
    """Whether the user sees the dossier as an officer (through their agencies)."""
    scope = agency_scope(user, selectors.VIEW)
    return any(scope.contains(a) for a in (d.agency, d.receiving_agency, d.current_agency))


def _may_see_file(f: DossierFile, d: Dossier, officer: bool) -> bool:
    if officer:
        return True
    if f.kind == DossierFile.Kind.RESULT:
        return d.status in RESOLVED
    return f.kind in (DossierFile.Kind.COMPONENT, DossierFile.Kind.SUPPLEMENT)


def _slips(d: Dossier, officer: bool, history: list[Any]) -> list[tuple[str, str]]:
    done = {SLIP_OF_ACTION[e.action] for e in history if e.action in SLIP_OF_ACTION}
    if d.received_at is not None:
        done.add("control")
    kinds = [k for k in SLIP_KINDS if k in done]
    if not officer:
        kinds = [k for k in kinds if k == "receipt"]
    return [(k, SLIP_KINDS[k]) for k in kinds]


def _context(request: HttpRequest, d: Dossier, *, action_errors: dict[str, list[str]] | None = None,
             posted: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    user = request.user
    officer = is_officer_of(user, d)
    is_applicant = d.applicant_id is not None and d.applicant_id == user.pk
    history = selectors.dossier_history(d)
    if not officer:
        for e in history:
            if e.action not in APPLICANT_COMMENTS:
                e.comment = ""
    names = ui_actions.available(user, d)
    files = [f for f in d.files.select_related("document").order_by("uploaded_at", "pk")
             if _may_see_file(f, d, officer)]
    left, overdue = time_left(d.due_at) if d.status in (Status.RECEIVED, Status.PROCESSING) \
        else ("", False)
    payments = list(d.payments.order_by("pk"))
    applicant = selectors.dossier_personal_data(user=user, dossier=d, purpose="dossier.page",
                                                ip=client_ip(request))
    ctx = {
        "applicant": applicant,
        "d": d, "officer": officer, "is_applicant": is_applicant,
        "history": history,
        "handovers": selectors.dossier_handovers(d) if officer else [],
        "files": files,
        "actions": [{"spec": ui_actions.SPECS[n], "errors": (action_errors or {}).get(n, []),
                     "text": (posted or {}).get(n, "")} for n in names],
        "payments": payments,
        "payable": [p for p in payments if p.state == Payment.State.PENDING]
        if is_applicant and d.status == Status.PAYING else [],
        "apology": ui_actions.pending_apology(d) if "apology_approve" in names else None,
        "indicators": list(services.RATING_INDICATORS.items()),
        "rating": getattr(d, "rating", None) if d.status == Status.RETURNED else None,
        "slips": _slips(d, officer, history),
        "time_left": left, "overdue": overdue,
        "form_data": d.form_data if isinstance(d.form_data, dict) else {},
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    d = _get(request.user, code)
    return render(request, "onestop/dossier_detail.html", _context(request, d))


@login_required
@require_POST
def dossier_action(request: HttpRequest, code: str) -> HttpResponse:
    """One action from the dossier page: the service decides; a conflict (someone else moved
    the dossier) or a refused field re-shows the page with the message; 403 when not allowed."""
    d = _get(request.user, code)
    name = request.POST.get("action", "")
    if name not in ui_actions.SPECS:
        return render(request, "onestop/dossier_detail.html", _context(
            request, d, page_error=_("Thao tác không hợp lệ.")), status=400)
    try:
        ui_actions.perform(name, d=d, user=request.user, post=request.POST,
                           files=request.FILES, revision=revision_of(request.POST))
    except NotAllowed as exc:
        return forbidden(request, exc)
    except services.Conflict:
        fresh = _get(request.user, code)
        return render(request, "onestop/dossier_detail.html", _context(
            request, fresh, page_error=_("Hồ sơ đã được người khác xử lý, vui lòng tải lại.")), status=409)
    except DomainError as exc:
        fresh = _get(request.user, code)
        errors = [e.message for e in exc.errors] or [exc.message]
        return render(request, "onestop/dossier_detail.html", _context(
            request, fresh, action_errors={name: errors}, error_action=name,
            error_action_title=ui_actions.SPECS[name].title,
            posted={name: request.POST.get("text", "")}), status=422)
    messages.success(request, _("Đã thực hiện: %(action)s.")
                     % {"action": ui_actions.SPECS[name].title})
    return redirect("onestop:dossier", code=d.code)


@login_required
@require_GET
def dossier_file(request: HttpRequest, code: str, file_id: int) -> HttpResponseBase:
    """A stored file, to someone who may see its dossier (and, for an applicant, this file)."""
    d = _get(request.user, code)
    f = DossierFile.objects.filter(dossier=d, pk=file_id).first()
    if f is None or not _may_see_file(f, d, is_officer_of(request.user, d)):
        raise Http404(_("Không tìm thấy tệp."))
    try:
        handle = file_open(f)
    except FileNotFoundError:
        raise Http404(_("Không tìm thấy tệp.")) from None
    response = FileResponse(handle, as_attachment=True, filename=f.name,
                            content_type=f.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def dossier_slip(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """A printable slip (PDF): officers of the dossier's agencies; the applicant the receipt."""
    d = _get(request.user, code)
    if kind not in SLIP_KINDS:
        raise Http404(_("Không có loại phiếu này."))
    is_applicant = d.applicant_id is not None and d.applicant_id == request.user.pk
    if is_applicant and kind not in APPLICANT_SLIPS:
        return forbidden(request)
    # Slips print the applicant's name and number: a personal-data read (audited).
    if selectors.dossier_personal_data(user=request.user, dossier=d, purpose=f"slip.{kind}",
                                       ip=client_ip(request)) is None:
        return forbidden(request)
    try:
        pdf = render_slip(d, kind)
    except DomainError:
        raise Http404(_("Hồ sơ chưa có phiếu này.")) from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{d.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_dossiers(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_dossiers(request.user), 50).get_page(request.GET.get("page"))
    rows = []
    for d in page.object_list:
        running = d.status in (Status.RECEIVED, Status.PROCESSING)
        left, overdue = time_left(d.due_at) if running else ("", False)
        rows.append({"d": d, "time_left": left, "overdue": overdue})
    return render(request, "onestop/my_dossiers.html", {"page": page, "rows": rows})
