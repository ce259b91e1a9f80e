"""The dossiers behind a dashboard figure (/xu-ly/danh-sach/?agency=&from=&to=&figure=&part=): an
officer's paginated list, scoped exactly as the dossier API's list (`dossiers_visible_to`),
each row linking to the officer's dossier page. A constant number of queries a page, however
many agencies it is asked about.

`agency` may be given several times: a unit's figure is its People's Committee's and, for a
period before 1 July 2025, the committees' of the communes merged into it (the dashboard links
every agency whose figure makes the row's). The page names the agencies asked about whose
dossiers the officer may not see: the list then holds fewer than the figure, never more.

`figure` is the indicator's code; onestop does not import indicators (import-linter), so the
figures it knows are named here (`FIGURES`) with what their denominator and numerator count,
as rollup counters (`selectors.COUNTED`, the rollups' own rules): the list's count is the
figure's numerator or denominator for the agency and whole months the dashboard links. `part`:
"denominator" (the default: what a rate is computed over; for a count, the count itself),
"numerator" (e.g. the dossiers resolved in time, received online, rated), or "rest" (the
denominator less the numerator: the late ones, those not online...). An unknown figure lists
the dossiers submitted in the period.

The online-payment rate counts payments, not dossiers (a dossier with two fees paid in the
period is two of them): its lists are of payments, each with its dossier, and the page says how
many dossiers they belong to."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tinhso.directory.models import Agency
from tinhso.directory.permissions import agency_scope
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
    "onestop.reused_rate": ("submitted", "reused"),
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
    "reused": gettext_lazy("hồ sơ nộp trong kỳ có thành phần dùng lại từ bản đã số hóa"),
    "rated": gettext_lazy("hồ sơ được đánh giá trong kỳ"),
    "paid_total": gettext_lazy("khoản phí, lệ phí thanh toán trong kỳ"),
    "paid_online": gettext_lazy("khoản phí, lệ phí thanh toán trực tuyến trong kỳ"),
}
REST_MEANING = {
    "onestop.on_time_rate": gettext_lazy("hồ sơ có kết quả quá hạn trong kỳ"),
    "onestop.online_rate": gettext_lazy("hồ sơ tiếp nhận trong kỳ không nộp trực tuyến"),
    "onestop.online_payment_rate": gettext_lazy(
        "khoản phí, lệ phí thanh toán trong kỳ không qua mạng (tại bộ phận một cửa)"),
    "onestop.electronic_result_rate": gettext_lazy(
        "hồ sơ có kết quả trong kỳ, không có kết quả điện tử"),
    "onestop.digitized_rate": gettext_lazy("hồ sơ nộp trong kỳ chưa có thành phần được số hóa"),
    "onestop.reused_rate": gettext_lazy(
        "hồ sơ nộp trong kỳ không có thành phần dùng lại từ bản đã số hóa"),
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


# At most this many agencies in one list (a commune and the communes merged into it).
MAX_AGENCIES = 100


def _agencies(request: HttpRequest) -> list[str]:
    """The agency codes asked about, in order, without repeats."""
    codes: list[str] = []
    for value in request.GET.getlist("agency"):
        code = value.strip()[:32]
        if code and code not in codes:
            codes.append(code)
    return codes


@login_required
@require_GET
def dossier_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _is_officer(user):
        return forbidden(request)
    codes = _agencies(request)
    first, last = _date(request.GET.get("from", "")), _date(request.GET.get("to", ""))
    figure = request.GET.get("figure", "").strip()[:64]
    parts = _parts(figure)
    part = request.GET.get("part", "").strip() or "denominator"
    errors = []
    if part not in parts:
        errors.append(_("Chỉ số này không có danh sách “%(part)s”; đang hiện mẫu số.") % {
            "part": part[:32]})
        part = "denominator"
    if len(codes) > MAX_AGENCIES:
        errors.append(_("Chỉ xem được tối đa %(n)d cơ quan một lần.") % {"n": MAX_AGENCIES})
        codes = codes[:MAX_AGENCIES]
    counted, but_not = parts[part]
    qs = selectors.dossiers_visible_to(user)
    agencies: list[Agency] = []
    hidden: list[Agency] = []
    if codes:
        found = {a.code: a for a in Agency.objects.filter(code__in=codes)
                 .only("pk", "code", "name", "province_code")}
        unknown = [c for c in codes if c not in found]
        if unknown:
            errors.append(_("Không có cơ quan với mã: %(codes)s.") % {
                "codes": ", ".join(unknown)})
        agencies = [found[c] for c in codes if c in found]
        scope = agency_scope(user, selectors.VIEW)
        hidden = [a for a in agencies if not scope.contains(a)]
        qs = qs.filter(agency_id__in=[a.pk for a in agencies])
    payments = counted in selectors.PAYMENTS_COUNTED
    paginator: Paginator[Any]
    if payments:
        items = selectors.payments_counted(qs, counted, day_from=first, day_to=last,
                                           but_not=but_not)
        # How many payments and of how many dossiers, in one query; the paginator reuses it.
        totals = items.order_by().aggregate(n=Count("pk"), dossiers=Count("dossier_id",
                                                                           distinct=True))
        paginator = Paginator(items, PER_PAGE)
        paginator.__dict__["count"] = totals["n"]
        dossier_count = totals["dossiers"]
    else:
        paginator = Paginator(selectors.dossiers_counted(qs, counted, day_from=first,
                                                         day_to=last, but_not=but_not),
                              PER_PAGE)
        dossier_count = None
    page = paginator.get_page(request.GET.get("page"))
    keep = [("agency", c) for c in codes] + [
        (k, v) for k, v in (("figure", figure), ("from", first.isoformat() if first else ""),
                            ("to", last.isoformat() if last else "")) if v]
    base = urlencode(keep)
    if part != "denominator":
        base += "&" + urlencode({"part": part})
    # Links to the figure's other lists (a count's numerator is the same list as its default).
    others = [{"name": PART_NAMES[p], "query": urlencode([*keep, ("part", p)]),
               "current": p == part} for p in PARTS if p in parts
              and not (p == "numerator" and FIGURES.get(figure, (None,))[0] is None)]
    return render(request, "onestop/dossier_list.html", {
        "page": page, "rows": list(page.object_list), "agencies": agencies, "hidden": hidden,
        "first": first, "last": last, "figure": figure, "part": part, "errors": errors,
        "payments": payments, "dossier_count": dossier_count,
        "meaning": REST_MEANING.get(figure, "") if but_not else MEANING.get(counted, ""),
        "others": others if len(others) > 1 else [],
        "prev_query": f"{base}&page={page.number - 1}" if page.has_previous() else "",
        "next_query": f"{base}&page={page.number + 1}" if page.has_next() else "",
        "title": _("Khoản phí, lệ phí theo chỉ số") if payments else _("Hồ sơ theo chỉ số"),
    }, status=400 if errors else 200)
