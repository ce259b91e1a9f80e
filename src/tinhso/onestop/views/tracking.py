"""Public tracking of a dossier by its code (where the receipt's QR code points): status, dates
and the timeline of status changes, with no personal data. No login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tinhso.core.errors import NotFound
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
