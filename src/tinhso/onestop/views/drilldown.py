"""The dossiers behind a dashboard figure (/xu-ly/danh-sach/?agency=&from=&to=&figure=): an
officer's paginated list, scoped exactly as the dossier API's list (`dossiers_visible_to`),
each row linking to the officer's dossier page. A constant number of queries a page.

`figure` is the indicator's code; onestop does not import indicators (import-linter), so the page
shows the code and which dossiers it counts: those resolved in the period for the resolution
figures, else those submitted."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.onestop import selectors
from tinhso.onestop.codes import TZ
from tinhso.onestop.views.common import forbidden
from tinhso.onestop.views.workspace import PER_PAGE, _is_officer

# Figures counted over the dossiers resolved in the period; the others over those submitted.
RESOLVED_FIGURES = frozenset({"onestop.resolved", "onestop.resolved_in_time",
                              "onestop.on_time_rate", "onestop.electronic_result_rate"})


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


@login_required
@require_GET
def dossier_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _is_officer(user):
        return forbidden(request)
    agency = request.GET.get("agency", "").strip()[:32]
    first, last = _date(request.GET.get("from", "")), _date(request.GET.get("to", ""))
    figure = request.GET.get("figure", "").strip()[:64]
    resolved = figure in RESOLVED_FIGURES
    field = "resolved_at" if resolved else "submitted_at"
    qs = selectors.dossiers_visible_to(user)
    if agency:
        qs = qs.filter(agency__code=agency)
    if first:
        qs = qs.filter(**{f"{field}__gte": dt.datetime.combine(first, dt.time(), tzinfo=TZ)})
    if last:
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=TZ)
        qs = qs.filter(**{f"{field}__lt": end})
    qs = qs.order_by(f"-{field}", "-pk")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    keep = {k: v for k, v in (("agency", agency), ("figure", figure),
                              ("from", first.isoformat() if first else ""),
                              ("to", last.isoformat() if last else "")) if v}
    base = urlencode(keep)
    return render(request, "onestop/dossier_list.html", {
        "page": page, "rows": list(page.object_list), "agency": agency, "first": first,
        "last": last, "figure": figure, "resolved": resolved,
        "prev_query": f"{base}&page={page.number - 1}" if page.has_previous() else "",
        "next_query": f"{base}&page={page.number + 1}" if page.has_next() else "",
        "title": _("Hồ sơ theo chỉ số"),
    })
