"""The documents workspace: tabs with counts (drafts, to review, to sign, to register and
issue, sent, incoming to register, to direct, assigned to me), each a paginated list searched
without diacritics; a constant number of queries per page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tinhso.core.calendar import calendar_for_province
from tinhso.directory.permissions import can
from tinhso.documents import selectors
from tinhso.documents.deadlines import registration_warning
from tinhso.documents.services import APPROVE, DIRECT, DRAFT, HANDLE, REGISTER, REVIEW, VIEW
from tinhso.documents.views.common import forbidden

PER_PAGE = 25
MAX_Q = 200
# tab -> (URL slug, title, the permission that makes it the user's business)
TABS: dict[str, tuple[str, Any, str]] = {
    "drafts": ("du-thao", gettext_lazy("Dự thảo của tôi"), DRAFT),
    "to_review": ("cho-duyet", gettext_lazy("Chờ duyệt"), REVIEW),
    "to_sign": ("cho-ky", gettext_lazy("Chờ ký"), APPROVE),
    "to_issue": ("vao-so-ban-hanh", gettext_lazy("Vào sổ, ban hành, gửi"), REGISTER),
    "sent": ("da-gui", gettext_lazy("Đã gửi"), VIEW),
    "incoming_new": ("den-cho-vao-so", gettext_lazy("Văn bản đến chờ vào sổ"), REGISTER),
    "to_direct": ("den-cho-chi-dao", gettext_lazy("Văn bản đến chờ chỉ đạo"), DIRECT),
    "assigned": ("den-duoc-giao", gettext_lazy("Được giao xử lý"), HANDLE),
}
BY_SLUG = {slug: name for name, (slug, _t, _p) in TABS.items()}


@login_required
@require_GET
def workspace(request: HttpRequest, slug: str = "") -> HttpResponse:
    user = request.user
    if not can(user, VIEW):
        return forbidden(request)
    mine = [n for n in selectors.WORKSPACE_TABS if can(user, TABS[n][2])]
    name = BY_SLUG.get(slug) if slug else None
    if slug and name not in mine:
        raise Http404(_("Không có danh sách này."))
    q = request.GET.get("q", "").strip()[:MAX_Q]
    counts = selectors.workspace_counts(user, only=mine)
    if name is None:  # the first tab with work in it
        name = next((n for n in mine if counts[n] and n != "sent"), mine[0])
    qs = selectors.workspace_queue(user, name, q=q)
    paginator = Paginator(qs, PER_PAGE)
    if not q:  # known already: no second COUNT
        paginator.__dict__["count"] = counts[name]
    page = paginator.get_page(request.GET.get("page"))
    incoming = name in selectors.INCOMING_TABS
    rows: list[dict[str, Any]] = []
    if incoming and page.object_list:
        now = timezone.now()
        calendar = calendar_for_province()
        for rec in page.object_list:
            rows.append(
                {
                    "r": rec,
                    "d": rec.document,
                    "warning": registration_warning(
                        arrived_at=rec.arrived_at,
                        urgency=rec.document.urgency,
                        registered=rec.clerk_registered,
                        now=now,
                        calendar=calendar,
                    ),
                }
            )
    else:
        rows = [{"d": d} for d in page.object_list]
    tabs = [
        {
            "name": n,
            "slug": TABS[n][0],
            "title": TABS[n][1],
            "count": counts[n],
            "current": n == name,
        }
        for n in mine
    ]
    return render(
        request,
        "documents/pages/workspace.html",
        {
            "tabs": tabs,
            "tab": name,
            "slug": TABS[name][0],
            "title": TABS[name][1],
            "page": page,
            "rows": rows,
            "incoming": incoming,
            "q": q,
            "may_draft": can(user, DRAFT),
        },
    )
