"""Quality and use on the portal's pages: `quality_context(dataset, user)`, what the include
`opendata/includes/quality.html` shows on a dataset's page (its score, each criterion with a hint,
its use by month), and the publishers' page of their stale datasets, /du-lieu/quan-ly/qua-han/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tinhso.core.errors import NotAllowed
from tinhso.opendata import usage
from tinhso.opendata.models import Dataset, Frequency
from tinhso.opendata.quality_selectors import may_publish, score_of, sees, stale_datasets

USAGE_MONTHS = 12
PAGE_SIZE = 50


def _months_back(today: dt.date, n: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out


def quality_context(
    dataset: Dataset, user: Any, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """What `opendata/includes/quality.html` shows as `quality`. `dataset` is one the page
    already fetched for `user` with its relations (`selectors.dataset_for`): the score costs no
    query then, the counts one (none for someone who does not see the dataset)."""
    now = now or timezone.now()
    scored = score_of(dataset, user, now=now)  # from the resources the caller sees
    q = scored.quality
    rows: list[dict[str, Any]] | None = None
    if sees(user, dataset):
        months = _months_back(timezone.localtime(now).date(), USAGE_MONTHS)
        found = {r["month"]: r for r in usage.months(dataset.pk, start=months[-1], end=months[0])}
        rows = [found.get(m, {"month": m, "view": 0, "download": 0, "api": 0}) for m in months]
    return {
        "score": q.score,
        "stale": q.stale,
        "stale_after": q.stale_after,
        "data_updated": scored.facts.data_updated,
        "frequency": (
            Frequency(dataset.frequency).label if dataset.frequency in Frequency.values else ""
        ),
        "criteria": [
            {
                "code": c.code,
                "label": c.label,
                "points": c.points,
                "max_points": c.max_points,
                "hint": c.hint,
                "full": c.full,
            }
            for c in q.criteria
        ],
        "usage": rows,
        "usage_totals": (
            {k: sum(r[k] for r in rows) for k in ("view", "download", "api")}
            if rows is not None
            else None
        ),
        "may_publish": may_publish(user, dataset),
    }


@require_GET
def stale(request: HttpRequest) -> HttpResponse:
    """The stale datasets of the officer's agencies, longest overdue first."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        qs = stale_datasets(request.user)
    except NotAllowed as exc:
        return render(request, "opendata/quality/403.html", {"reason": exc.message}, status=403)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {"ds": ds, "overdue_days": max(0, (now - (ds.quality.stale_after or now)).days)}
        for ds in page.object_list
    ]
    return render(request, "opendata/quality/stale.html", {"page": page, "rows": rows})
