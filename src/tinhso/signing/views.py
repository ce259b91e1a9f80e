"""The public page where anyone checks the signatures of a PDF (issue 4). No login; nothing
uploaded is kept."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from tinhso.core.errors import DomainError
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
