"""An outgoing document's pages: drafting and revising (forms), its page (metadata, the
signed PDF and its signatures, versions, history, where it arrived) with the step the user
may take now as one button and a comment, and the signed file itself.

Every write goes through `tinhso.documents.services`; a refused field comes back as a form
error in Vietnamese, a document that moved on meanwhile as a conflict message (409)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.directory.models import Agency
from tinhso.directory.permissions import agency_scope, can
from tinhso.documents import selectors, services
from tinhso.documents.files import pdf_read
from tinhso.documents.forms import ActionForm, AttachmentForm, DocumentForm, add_domain_errors
from tinhso.documents.kinds import DocStatus
from tinhso.documents.models import Document, DocumentFile
from tinhso.documents.services.attachments import attachment_bytes
from tinhso.documents.views.common import (
    forbidden,
    get_document,
    revision_of,
    signatures_of,
    step_label,
    step_refused,
)
from tinhso.signing.pdfcheck import too_large

CONFLICT = gettext_lazy(
    "Văn bản đã được người khác xử lý hoặc đã chuyển sang bước khác; "
    "trang đã được tải lại với trạng thái mới nhất."
)


@dataclass(frozen=True)
class Step:
    name: str
    title: Any  # the button
    comment: bool = True  # whether the service takes a comment
    comment_required: bool = False
    help: Any = ""
    danger: bool = False


STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step(
            "submit",
            gettext_lazy("Trình duyệt"),
            help=gettext_lazy("Chuyển dự thảo cho lãnh đạo xem xét."),
        ),
        Step(
            "approve",
            gettext_lazy("Duyệt dự thảo"),
            help=gettext_lazy("Dự thảo được duyệt, chờ người ký ký số."),
        ),
        Step(
            "send_back",
            gettext_lazy("Trả lại để sửa"),
            comment_required=True,
            danger=True,
            help=gettext_lazy("Trả dự thảo về người soạn thảo, nêu lý do."),
        ),
        Step(
            "sign",
            gettext_lazy("Ký số cá nhân"),
            help=gettext_lazy("Tạo bản PDF của văn bản và ký bằng chứng thư số cá nhân của bạn."),
        ),
        Step(
            "register",
            gettext_lazy("Vào sổ, cấp số"),
            comment=False,
            help=gettext_lazy(
                "Cấp số, ký hiệu theo sổ văn bản đi của cơ quan trong năm và ghi ngày ban hành."
            ),
        ),
        Step(
            "issue",
            gettext_lazy("Ký số cơ quan, ban hành"),
            help=gettext_lazy("Ký bằng chứng thư số của cơ quan; văn bản có giá trị như bản gốc."),
        ),
        Step(
            "send",
            gettext_lazy("Gửi văn bản"),
            comment=False,
            help=gettext_lazy("Gửi đến các cơ quan nhận; mỗi nơi nhận vào sổ văn bản đến."),
        ),
    ]
}


def available_steps(user: Any, doc: Document) -> list[str]:
    """The steps the user may take on `doc` now (mirroring the services' checks so nobody
    sees a button that can only fail; the services stay the judges)."""
    a, st = doc.agency, doc.status
    steps: list[str] = []
    if st == DocStatus.DRAFT and can(user, services.DRAFT, a):
        steps.append("submit")
    if (
        st == DocStatus.IN_REVIEW
        and can(user, services.APPROVE, a)
        and doc.signer_id in (None, user.pk)
    ):
        steps.append("approve")
    if st in (DocStatus.IN_REVIEW, DocStatus.APPROVED) and can(user, services.REVIEW, a):
        steps.append("send_back")
    if st == DocStatus.APPROVED and doc.signer_id == user.pk and can(user, services.APPROVE, a):
        steps.append("sign")
    if can(user, services.REGISTER, a):
        if st == DocStatus.SIGNED:
            steps.append("register")
        elif st == DocStatus.REGISTERED:
            steps.append("issue")
        elif st == DocStatus.ISSUED and not doc.is_confidential:
            steps.append("send")
    return steps


def may_revise(user: Any, doc: Document) -> bool:
    if doc.status == DocStatus.DRAFT:
        return can(user, services.DRAFT, doc.agency)
    return doc.status == DocStatus.IN_REVIEW and can(user, services.REVIEW, doc.agency)


def _context(
    request: HttpRequest,
    doc: Document,
    *,
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    user = request.user
    issuer = agency_scope(user, services.VIEW).contains(doc.agency)
    files = selectors.document_files(user, doc)
    history = selectors.document_history(user, doc)
    ctx = {
        "d": doc,
        "issuer": issuer,
        "recipients": list(doc.recipients.order_by("name")) if issuer else [],
        "versions": selectors.document_versions(user, doc),
        "history": [{"e": e, "label": step_label(e.action)} for e in history],
        "arrivals": selectors.document_incoming(user, doc),
        "files": files,
        "verdict": signatures_of(files),
        "attachments": selectors.document_attachments(user, doc),
        "may_revise": may_revise(user, doc),
        "steps": [
            {
                "spec": STEPS[n],
                "errors": (errors or {}).get(n, []),
                "text": (posted or {}).get(n, ""),
            }
            for n in available_steps(user, doc)
        ],
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_document(request.user, pk)
    return render(request, "documents/pages/document.html", _context(request, doc))


def _run(name: str, doc: Document, user: Any, comment: str, revision: int | None) -> Document:
    common: dict[str, Any] = {"document": doc, "actor": user, "expected_revision": revision}
    if STEPS[name].comment:
        common["comment"] = comment
    fn = {
        "submit": services.document_submit_for_review,
        "approve": services.document_approve,
        "send_back": services.document_send_back,
        "sign": services.document_sign,
        "register": services.document_register,
        "issue": services.document_issue,
        "send": services.document_send,
    }[name]
    result: Document = fn(**common)
    return result


@login_required
@require_POST
def document_action(request: HttpRequest, pk: int) -> HttpResponse:
    """One step from the document's page, through its service."""
    user = request.user
    doc = get_document(user, pk)
    form = ActionForm(request.POST)
    name = request.POST.get("action", "")
    if name not in STEPS:
        return render(
            request,
            "documents/pages/document.html",
            _context(request, doc, page_error=_("Thao tác không hợp lệ.")),
            status=400,
        )
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return render(
            request,
            "documents/pages/document.html",
            _context(
                request,
                doc,
                errors={name: errors},
                error_step=STEPS[name].title,
                posted={name: request.POST.get("text", "")},
            ),
            status=422,
        )
    text = form.cleaned_data["text"] or ""
    try:
        done = _run(name, doc, user, text, form.cleaned_data["revision"])
    except DomainError as exc:
        return step_refused(
            request, exc, template="documents/pages/document.html",
            context=lambda **extra: _context(request, get_document(user, pk), **extra),
            step=name, title=STEPS[name].title, posted={name: text}, conflict=CONFLICT)
    if name == "register":
        messages.success(
            request,
            _("Đã vào sổ: số, ký hiệu %(notation)s, ngày ban hành %(day)s.")
            % {
                "notation": done.notation,
                "day": done.issued_on.strftime("%d/%m/%Y") if done.issued_on else "",
            },
        )
    else:
        messages.success(request, _("Đã thực hiện: %(step)s.") % {"step": STEPS[name].title})
    return redirect("documents:document", pk=doc.pk)


@login_required
@require_GET
def document_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """A signed revision of the PDF, to whoever may see the document (a recipient agency: the
    issued file only); 404 for anyone else."""
    doc = get_document(request.user, pk)
    row = next((f for f in selectors.document_files(request.user, doc) if f.pk == file_id), None)
    if row is None:
        raise Http404(_("Không tìm thấy tệp."))
    try:
        data = pdf_read(row.storage_path, row.sha256)
    except FileNotFoundError:
        raise Http404(_("Không tìm thấy tệp.")) from None
    name = (doc.notation or f"van-ban-{doc.pk}").replace("/", "-")
    suffix = "" if row.kind == DocumentFile.Kind.AGENCY else "-ky-ca-nhan"
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="van-ban-{doc.pk}{suffix}.pdf"; '
        f"filename*=UTF-8''{quote(name + suffix)}.pdf"
    )
    response["X-Content-SHA256"] = row.sha256
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- drafting -------------------------------------------------------------------------------


def _form(user: Any, data: Any = None, **kw: Any) -> DocumentForm:
    ids = sorted(agency_scope(user, services.DRAFT).agency_ids)
    agencies = Agency.objects.filter(pk__in=ids).order_by("name")
    provinces = set(agencies.values_list("province_code", flat=True))
    recipients = (
        Agency.objects.filter(is_active=True, province_code__in=provinces)
        .exclude(pk__in=ids)
        .order_by("name")
    )
    return DocumentForm(
        data, agencies=agencies, recipients=recipients, signers=selectors.signers_of(ids), **kw
    )


def _document_args(form: DocumentForm) -> dict[str, Any]:
    c = form.cleaned_data
    return {
        "doc_type": c["doc_type"],
        "subject": c["subject"],
        "body": c["body"],
        "urgency": c["urgency"],
        "confidentiality": c["confidentiality"],
        "unit_abbr": c["unit_abbr"],
        "recipients": list(c["recipients"]),
        "recipient_lines": form.lines(),
        "signer": c["signer"],
        "comment": c["comment"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can(user, services.DRAFT):
        return forbidden(request)
    posted = request.method == "POST"
    form = _form(user, request.POST if posted else None)
    attachment = AttachmentForm(
        request.POST if posted else None, request.FILES if posted else None,
        optional=True, prefix="att")
    if posted and form.is_valid() & attachment.is_valid():
        try:
            # The draft and its first attachment together, or neither.
            with transaction.atomic():
                doc = services.document_draft(
                    actor=user, agency=form.cleaned_data["agency"], **_document_args(form)
                )
                if attachment.wanted():
                    _attach(doc, user, attachment, revision=None)
        except NotAllowed as exc:
            return forbidden(request, exc)
        except DomainError as exc:
            add_domain_errors(attachment if _about_attachment(exc) else form, exc)
        else:
            messages.success(request, _("Đã lưu dự thảo."))
            return redirect("documents:document", pk=doc.pk)
    status = 422 if form.is_bound else 200
    return render(
        request,
        "documents/pages/draft_form.html",
        {"form": form, "d": None, "attachment_form": attachment},
        status=status,
    )


def _about_attachment(exc: DomainError) -> bool:
    return any(e.field in ("file", "title") for e in exc.errors)


def _attach(doc: Document, user: Any, form: AttachmentForm, *, revision: int | None) -> None:
    upload = form.cleaned_data["file"]
    refusal = too_large(upload.size or 0, name=upload.name or "")
    if refusal is not None:
        raise refusal
    services.document_attach(
        document=doc, actor=user, title=form.cleaned_data["title"], data=upload.read(),
        file_name=upload.name or "", expected_revision=revision)


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Revise a draft (its agency's drafters) or a draft under review (a reviewing leader);
    a change of subject or text is kept as a new version."""
    user = request.user
    doc = get_document(user, pk)
    refused = _revisable(request, doc)
    if refused is not None:
        return refused
    data = request.POST if request.method == "POST" else None
    form = _form(user, data, initial=_initial(doc))
    fields: Any = form.fields
    fields["agency"].required = False  # the issuing agency does not change
    fields["agency"].widget = forms.HiddenInput()
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            args = _document_args(form)
            if args["signer"] is None:
                args.pop("signer")  # None leaves it as it is
            try:
                services.document_revise(
                    document=doc,
                    actor=user,
                    expected_revision=revision_of(form.cleaned_data.get("revision")),
                    **args,
                )
            except NotAllowed as exc:
                return forbidden(request, exc)
            except services.Conflict:
                form.add_error(None, str(CONFLICT))
                status = 409
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu thay đổi."))
                return redirect("documents:document", pk=doc.pk)
    return render(request, "documents/pages/draft_form.html",
                  _edit_context(user, doc, form), status=status)


def _edit_context(user: Any, doc: Document, form: DocumentForm | None = None,
                  attachment_form: AttachmentForm | None = None) -> dict[str, Any]:
    if form is None:
        form = _form(user, initial=_initial(doc))
        fields: Any = form.fields
        fields["agency"].required = False
        fields["agency"].widget = forms.HiddenInput()
    return {
        "form": form,
        "d": doc,
        "attachments": selectors.document_attachments(user, doc),
        "attachment_form": attachment_form
        or AttachmentForm(initial={"revision": doc.revision}, prefix="att"),
    }


def _initial(doc: Document) -> dict[str, Any]:
    return {
        "agency": doc.agency_id,
        "doc_type": doc.doc_type,
        "subject": doc.subject,
        "body": doc.body,
        "urgency": doc.urgency,
        "confidentiality": doc.confidentiality,
        "unit_abbr": doc.unit_abbr,
        "recipients": list(doc.recipients.values_list("pk", flat=True)),
        "recipient_lines": "\n".join(doc.recipient_lines or []),
        "signer": doc.signer_id,
        "revision": doc.revision,
    }


def _revisable(request: HttpRequest, doc: Document) -> HttpResponse | None:
    """None when the user may change the draft now; else the answer to give."""
    if may_revise(request.user, doc):
        return None
    if doc.status in (DocStatus.DRAFT, DocStatus.IN_REVIEW):
        return forbidden(request)
    messages.error(
        request,
        _("Văn bản không còn sửa được ở trạng thái “%(status)s”.")
        % {"status": doc.get_status_display()},
    )
    return redirect("documents:document", pk=doc.pk)


# --- attachments ----------------------------------------------------------------------------


@login_required
@require_POST
def document_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a PDF attachment to a draft (from the draft's edit page)."""
    user = request.user
    doc = get_document(user, pk)
    refused = _revisable(request, doc)
    if refused is not None:
        return refused
    form = AttachmentForm(request.POST, request.FILES, prefix="att")
    status = 422
    if form.is_valid():
        try:
            _attach(doc, user, form, revision=revision_of(form.cleaned_data.get("revision")))
        except NotAllowed as exc:
            return forbidden(request, exc)
        except services.Conflict:
            form.add_error(None, str(CONFLICT))
            status = 409
            doc = get_document(user, pk)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm phụ lục “%(title)s”.")
                             % {"title": form.cleaned_data["title"]})
            return redirect("documents:edit", pk=doc.pk)
    return render(request, "documents/pages/draft_form.html",
                  _edit_context(user, doc, attachment_form=form), status=status)


@login_required
@require_POST
def document_attachment_remove(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    """Remove the n-th attachment from a draft; the versions before keep it."""
    user = request.user
    doc = get_document(user, pk)
    refused = _revisable(request, doc)
    if refused is not None:
        return refused
    try:
        services.document_detach(document=doc, actor=user, number=n,
                                 expected_revision=revision_of(request.POST.get("revision")))
    except NotAllowed as exc:
        return forbidden(request, exc)
    except NotFound:
        raise Http404(_("Không tìm thấy phụ lục.")) from None
    except services.Conflict:
        messages.error(request, str(CONFLICT))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã bỏ phụ lục."))
    return redirect("documents:edit", pk=doc.pk)


@login_required
@require_GET
def document_attachment_file(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    """The n-th attachment's PDF, scoped as the document's file: the issuing agency gets the
    upload while drafting and the agency-signed file once issued; a recipient agency the
    signed file only; 404 for anyone else."""
    doc = get_document(request.user, pk)
    try:
        row = selectors.document_attachment(request.user, doc, n)
        data = attachment_bytes(row)
    except (NotFound, FileNotFoundError):
        raise Http404(_("Không tìm thấy phụ lục.")) from None
    stem = (doc.notation or f"van-ban-{doc.pk}").replace("/", "-")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="van-ban-{doc.pk}-phu-luc-{n}.pdf"; '
        f"filename*=UTF-8''{quote(f'{stem}-phu-luc-{n}')}.pdf"
    )
    response["X-Content-SHA256"] = row.signed_sha256 if row.is_signed else row.sha256
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
