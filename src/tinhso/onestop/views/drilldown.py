"""The dossiers behind a dashboard figure (/xu-ly/danh-sach/?agency=&from=&to=&figure=&part=): an
officer's paginated list, scoped exactly as the dossier API's list (`dossiers_visible_to`),
each row linking to the officer's dossier page. A constant number of queries a page.

`figure` is the indicator's code; onestop does not import indicators (import-linter), so the
figures it knows are named here (`FIGURES`) with what their denominator and numerator count,
as rollup counters (`selectors.COUNTED`, the rollups' own rules): the list's count is the
figure's numerator or denominator for the agency and whole months the dashboard links. `part`:
"denominator" (the default: what a rate is computed over; for a count, the count itself),
"numerator" (e.g. the dossiers resolved in time, received online, rated), or "rest" (the
denominator less the numerator: the late ones, those not online...). An unknown figure lists
the dossiers submitted in the period."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tinhso.onestop import selectors
from tinhso.onestop.views.common import forbidden
from tinhso.onestop.views.workspace import PER_PAGE, _is_officer

# Indicator code -> (denominator, numerator) as `selectors.COUNTED` names; None for a count's
# denominator (the count is its numerator) and for satisfaction's numerator (points, not
# dossiers: its list is the rated dossiers).
FIGURES: dict[str, tuple[str | None, str | None]] = {
    "onestop.received": (None, "received"),
    "onestop.resolved": (None, "resolved"),
    "onestop.resolved_in_time": (None, "resolved_in_time"),
    "onestop.on_time_rate": ("resolved", "resolved_in_time"),
    "onestop.online_rate": ("received", "received_online"),
    "onestop.online_payment_rate": ("paid_total", "paid_online"),
    "onestop.electronic_result_rate": ("resolved", "electronic_result"),
    "onestop.digitized_rate": ("submitted", "digitized"),
    "onestop.ratings": (None, "rated"),
    "onestop.satisfaction_rate": ("rated", None),
}
PARTS = ("denominator", "numerator", "rest")
# What a list holds, said on the page ("hồ sơ ... trong kỳ").
MEANING = {
    "submitted": gettext_lazy("hồ sơ nộp trong kỳ"),
    "received": gettext_lazy("hồ sơ tiếp nhận trong kỳ"),
    "received_online": gettext_lazy("hồ sơ trực tuyến tiếp nhận trong kỳ"),
    "resolved": gettext_lazy("hồ sơ có kết quả trong kỳ"),
    "resolved_in_time": gettext_lazy("hồ sơ có kết quả trước hạn và đúng hạn trong kỳ"),
    "electronic_result": gettext_lazy("hồ sơ có kết quả điện tử trong kỳ"),
    "digitized": gettext_lazy("hồ sơ nộp trong kỳ có thành phần được số hóa"),
    "rated": gettext_lazy("hồ sơ được đánh giá trong kỳ"),
    "paid_total": gettext_lazy("hồ sơ có khoản phí nộp trong kỳ"),
    "paid_online": gettext_lazy("hồ sơ có khoản phí nộp trực tuyến trong kỳ"),
}
REST_MEANING = {
    "onestop.on_time_rate": gettext_lazy("hồ sơ có kết quả quá hạn trong kỳ"),
    "onestop.online_rate": gettext_lazy("hồ sơ tiếp nhận trong kỳ không nộp trực tuyến"),
    "onestop.online_payment_rate": gettext_lazy(
        "hồ sơ có khoản phí nộp trong kỳ, không khoản nào trực tuyến"),
    "onestop.electronic_result_rate": gettext_lazy(
        "hồ sơ có kết quả trong kỳ, không có kết quả điện tử"),
    "onestop.digitized_rate": gettext_lazy("hồ sơ nộp trong kỳ chưa có thành phần được số hóa"),
}
PART_NAMES = {"denominator": gettext_lazy("Mẫu số"), "numerator": gettext_lazy("Tử số"),
              "rest": gettext_lazy("Phần còn lại")}


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _parts(figure: str) -> dict[str, tuple[str, str]]:
    """The lists a figure offers: part -> (counted, less this counted or "")."""
    denominator, numerator = FIGURES.get(figure, ("submitted", None))
    out: dict[str, tuple[str, str]] = {}
    if denominator:
        out["denominator"] = (denominator, "")
    if numerator:
        out["numerator"] = (numerator, "")
        if denominator:
            out["rest"] = (denominator, numerator)
    if "denominator" not in out:
        out["denominator"] = out["numerator"]
    return out


@login_required
@require_GET
def dossier_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _is_officer(user):
        return forbidden(request)
    agency = request.GET.get("agency", "").strip()[:32]
    first, last = _date(request.GET.get("from", "")), _date(request.GET.get("to", ""))
    figure = request.GET.get("figure", "").strip()[:64]
    parts = _parts(figure)
    part = request.GET.get("part", "").strip() or "denominator"
    error = ""
    if part not in parts:
        error = _("Chỉ số này không có danh sách “%(part)s”; đang hiện mẫu số.") % {
            "part": part[:32]}
        part = "denominator"
    counted, but_not = parts[part]
    qs = selectors.dossiers_visible_to(user)
    if agency:
        qs = qs.filter(agency__code=agency)
    qs = selectors.dossiers_counted(qs, counted, day_from=first, day_to=last, but_not=but_not)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    keep = {k: v for k, v in (("agency", agency), ("figure", figure),
                              ("from", first.isoformat() if first else ""),
                              ("to", last.isoformat() if last else "")) if v}
    base = urlencode(keep)
    if part != "denominator":
        base += "&" + urlencode({"part": part})
    # Links to the figure's other lists (a count's numerator is the same list as its default).
    others = [{"name": PART_NAMES[p], "query": urlencode({**keep, "part": p}),
               "current": p == part} for p in PARTS if p in parts
              and not (p == "numerator" and FIGURES.get(figure, (None,))[0] is None)]
    return render(request, "onestop/dossier_list.html", {
        "page": page, "rows": list(page.object_list), "agency": agency, "first": first,
        "last": last, "figure": figure, "part": part, "error": error,
        "meaning": REST_MEANING.get(figure, "") if but_not else MEANING[counted],
        "others": others if len(others) > 1 else [],
        "prev_query": f"{base}&page={page.number - 1}" if page.has_previous() else "",
        "next_query": f"{base}&page={page.number + 1}" if page.has_next() else "",
        "title": _("Hồ sơ theo chỉ số"),
    }, status=400 if error else 200)
