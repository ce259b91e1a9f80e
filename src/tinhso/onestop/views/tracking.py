"""Public tracking of a dossier by its code (where the receipt's QR code points): status, dates
and the timeline of status changes, with no personal data. No login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.core.errors import DomainError, NotFound
from tinhso.onestop import selectors
from tinhso.onestop.forms import TrackingForm
from tinhso.onestop.status import Status


@require_GET
def tracking_search(request: HttpRequest) -> HttpResponse:
    """The form; a well-formed code goes to its page, a malformed one is a form error."""
    if "code" not in request.GET:
        return render(request, "onestop/tracking_search.html", {"form": TrackingForm()})
    form = TrackingForm(request.GET)
    if form.is_valid():
        return redirect("onestop:tracking", code=form.cleaned_data["code"])
    return render(request, "onestop/tracking_search.html", {"form": form}, status=400)


@require_GET
def tracking_detail(request: HttpRequest, code: str) -> HttpResponse:
    form = TrackingForm({"code": code})
    if not form.is_valid():
        return render(request, "onestop/tracking_search.html", {"form": form}, status=404)
    try:
        info = selectors.tracking(form.cleaned_data["code"])
    except NotFound:
        return render(request, "onestop/tracking_search.html",
                      {"form": TrackingForm(initial={"code": code}), "unknown": code},
                      status=404)
    return render(request, "onestop/tracking_detail.html", {
        "t": info, "statuses": Status, "ended": info.status in (3, 7, 8),
    })


@require_GET
def result_check(request: HttpRequest, code: str) -> HttpResponse:
    """The check of a dossier's signed result, opened from the QR code printed on it: the
    signatures of the file the agency returned (who signed, when, whether it is intact and
    trusted), nothing of its content."""
    from tinhso.core.storage import read_checked
    from tinhso.signing.verification import pdf_verify

    row = selectors.result_for_check(code)
    if row is None or row.content_type != "application/pdf":
        return render(request, "onestop/tracking_search.html",
                      {"form": TrackingForm(initial={"code": code}), "unknown": code},
                      status=404)
    try:
        verdict = pdf_verify(read_checked(row.storage_path, row.sha256,
                                          changed=_("Tệp kết quả bị thay đổi trên đĩa.")))
    except DomainError as exc:
        return render(request, "onestop/tracking_search.html",
                      {"form": TrackingForm(initial={"code": code}), "error": exc.message},
                      status=422)
    return render(request, "signing/verify_result.html", {"v": verdict, "dossier_code": code})
