"""The officer's workspace: work queues as tabs with counts, each a table sorted by due time,
50 rows a page, a constant number of queries; bulk receipt for the desk."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.errors import DomainError, NotAllowed
from tinhso.directory.permissions import can
from tinhso.onestop import selectors, services
from tinhso.onestop.views.common import forbidden, time_left

PER_PAGE = 50
# queue name -> (URL slug, tab title)
TABS: dict[str, tuple[str, Any]] = {
    "to_receive": ("cho-tiep-nhan", gettext_lazy("Chờ tiếp nhận")),
    "to_process": ("dang-xu-ly", gettext_lazy("Cần xử lý")),
    "to_approve": ("cho-phe-duyet", gettext_lazy("Chờ phê duyệt")),
    "due_soon": ("sap-den-han", gettext_lazy("Sắp đến hạn")),
    "overdue": ("qua-han", gettext_lazy("Quá hạn")),
    "returned_today": ("tra-hom-nay", gettext_lazy("Đã trả hôm nay")),
}
BY_SLUG = {slug: name for name, (slug, _title) in TABS.items()}
# What a row of the table shows (onestop/workspace.html): the rest is not read.
ROW_FIELDS = ("code", "status", "revision", "applicant_name", "submitted_at", "received_at",
              "due_at", "version__name")


def _is_officer(user: Any) -> bool:
    return can(user, selectors.VIEW)


@login_required
@require_GET
def workspace(request: HttpRequest, slug: str = "") -> HttpResponse:
    user = request.user
    if not _is_officer(user):
        return forbidden(request)
    now = timezone.now()
    name = BY_SLUG.get(slug) if slug else None
    if slug and name is None:
        raise Http404(_("Không có hàng đợi này."))
    counts = selectors.queue_counts(user, now=now)
    if name is None:  # the first tab with work in it, else "to receive" / "to process"
        name = next((n for n in selectors.QUEUES if counts[n]), "to_process")
    qs = selectors.queue(user, name, now=now)
    paginator = Paginator(qs, PER_PAGE)
    # Known already (up to the cap: a longer queue shows its first pages): no second COUNT.
    paginator.__dict__["count"] = min(counts[name], selectors.COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.queue_page(qs, max(page.start_index() - 1, 0),
                                            page.end_index(), only=ROW_FIELDS)
    rows = []
    for d in page.object_list:
        left, overdue = time_left(d.due_at, now) if d.status in selectors.CLOCK_RUNNING \
            else ("", False)
        rows.append({"d": d, "time_left": left, "overdue": overdue})
    tabs = [{"name": n, "slug": TABS[n][0], "title": TABS[n][1], "count": counts[n],
             "more": counts[n] > selectors.COUNT_CAP, "current": n == name}
            for n in selectors.QUEUES]
    return render(request, "onestop/workspace.html", {
        "tabs": tabs, "queue": name, "title": TABS[name][1], "page": page, "rows": rows,
        "bulk": name == "to_receive" and bool(rows),
        "more": counts[name] > selectors.COUNT_CAP, "cap": selectors.COUNT_CAP,
    })


@login_required
@require_POST
def bulk_receive(request: HttpRequest) -> HttpResponse:
    """Receive several submitted dossiers at once; each in its own transaction, so one that
    someone else took meanwhile does not stop the others."""
    user = request.user
    if not _is_officer(user):
        return forbidden(request)
    picked = request.POST.getlist("dossier")[:PER_PAGE]
    if not picked:
        messages.error(request, _("Chưa chọn hồ sơ nào."))
        return redirect("onestop:queue", slug=TABS["to_receive"][0])
    wanted: dict[str, int | None] = {}
    for value in picked:
        code, _sep, rev = value.partition("|")
        wanted[code] = int(rev) if rev.isdigit() else None
    dossiers = {d.code: d for d in selectors.dossiers_visible_to(user).filter(code__in=wanted)}
    done, conflicts, refused = [], [], []
    for code, expected in wanted.items():
        d = dossiers.get(code)
        if d is None:
            refused.append(code)
            continue
        try:
            services.dossier_receive(dossier=d, actor=user, expected_revision=expected)
        except services.Conflict:
            conflicts.append(code)
        except (NotAllowed, DomainError):
            refused.append(code)
        else:
            done.append(code)
    if done:
        messages.success(request, _("Đã tiếp nhận %(n)d hồ sơ: %(codes)s.")
                         % {"n": len(done), "codes": ", ".join(done)})
    if conflicts:
        messages.error(request, _("%(n)d hồ sơ đã được người khác xử lý, vui lòng tải lại: "
                                  "%(codes)s.") % {"n": len(conflicts),
                                                   "codes": ", ".join(conflicts)})
    if refused:
        messages.error(request, _("%(n)d hồ sơ không tiếp nhận được (không thuộc quyền của "
                                  "bạn): %(codes)s.") % {"n": len(refused),
                                                          "codes": ", ".join(refused)})
    return redirect("onestop:queue", slug=TABS["to_receive"][0])


