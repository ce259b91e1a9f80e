"""The public page where anyone checks the signatures of a PDF (issue 4; no login, nothing
uploaded is kept), and the officer's page for their signature image and their agency's seal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from tinhso.core.errors import DomainError
from tinhso.signing.selectors import image_certificates
from tinhso.signing.verification import (
    FIELD,
    MAX_PDF_BYTES,
    MemoryUpload,
    pdf_verify,
    read_pdf,
    use_memory_upload,
)

TEMPLATE = "signing/verify.html"


@csrf_exempt  # the upload handler must be set before the CSRF check parses the body
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    handler = use_memory_upload(request) if request.method == "POST" else None
    return _verify(request, handler)


@csrf_protect
def _verify(request: HttpRequest, handler: MemoryUpload | None) -> HttpResponse:
    context = {"max_mb": MAX_PDF_BYTES // (1024 * 1024)}
    if handler is None:
        return render(request, TEMPLATE, context)
    try:
        pdf = read_pdf(request.FILES.get(FIELD), oversize=handler.oversize)
        verdict = pdf_verify(pdf)
    except DomainError as exc:
        return render(request, TEMPLATE, {**context, "error": exc.message}, status=422)
    return render(request, "signing/verify_result.html", {**context, "v": verdict})


IMAGES_TEMPLATE = "signing/images.html"


@login_required
@require_http_methods(["GET", "POST"])
def images(request: HttpRequest) -> HttpResponse:
    """The officer's signature image, and the seal of the agencies they administer."""
    from tinhso.signing.services import IMAGE_MAX_BYTES, certificate_set_image

    rows = image_certificates(request.user)
    context: dict[str, Any] = {"rows": rows, "max_mb": IMAGE_MAX_BYTES // (1024 * 1024)}
    if request.method == "GET":
        return render(request, IMAGES_TEMPLATE, context)
    row = next((r for r in rows if str(r.pk) == request.POST.get("certificate")), None)
    if row is None:
        return render(request, IMAGES_TEMPLATE, {**context, "error": _(
            "Không tìm thấy chứng thư số bạn được đặt ảnh.")}, status=404)
    upload = request.FILES.get("image")
    try:
        if request.POST.get("clear"):
            data = None
        elif upload is None:
            raise DomainError.for_field("image", _("Hãy chọn tệp ảnh PNG hoặc JPEG."))
        elif upload.size is not None and upload.size > IMAGE_MAX_BYTES:
            raise DomainError.for_field("image", _("Ảnh quá lớn (tối đa 1 MB)."))
        else:
            data = upload.read(IMAGE_MAX_BYTES + 1)
        certificate_set_image(actor=request.user, certificate=row, image=data)
    except DomainError as exc:
        return render(request, IMAGES_TEMPLATE,
                      {**context, "error": exc.message, "error_pk": row.pk}, status=422)
    messages.success(request, _("Đã cập nhật ảnh."))
    return redirect("signing:images")
