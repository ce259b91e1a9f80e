"""Warning the officers in charge before a dossier misses its due date.

A sweep finds dossiers whose clock is running (received or processing) with at most one
working day left, and sends each officer who holds the dossier's current step (its role in its
current agency) a notification, once per due moment. `tinhso dossiers warn` runs one sweep;
the background task `warn_due_soon` runs one every 15 minutes and schedules the next.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.core.calendar import calendar_for_province
from tinhso.notifications.services import notification_queue
from tinhso.onestop.models import Dossier, DossierEvent
from tinhso.onestop.status import Status

# Warn when this much working time or less is left before the due moment.
LEAD = dt.timedelta(hours=8)
# Candidates are read by due moment first (indexed); a weekend and a holiday fit in this.
HORIZON = dt.timedelta(days=6)


def dossiers_warn_due_soon(*, now: dt.datetime | None = None, limit: int = 2000) -> int:
    """One sweep; returns how many dossiers were warned about."""
    now = now or timezone.now()
    candidates = (Dossier.objects.filter(status__in=(Status.RECEIVED, Status.PROCESSING),
                                         due_at__gt=now, due_at__lte=now + HORIZON)
                  .select_related("version", "current_agency")
                  .order_by("due_at")[:limit])
    warned = 0
    officers: dict[tuple[int, str], list[User]] = {}  # by (agency, role): read once a sweep
    for d in candidates:
        if d.due_at is None or d.due_warned_for == d.due_at:
            continue
        cal = calendar_for_province(d.province_code)
        if cal.working_time_between(now, d.due_at) > LEAD:
            continue
        with transaction.atomic():
            locked = Dossier.objects.select_for_update().get(pk=d.pk)
            if locked.due_warned_for == locked.due_at or locked.status != d.status:
                continue
            slot = (locked.current_agency_id, locked.current_role)
            if slot not in officers:
                officers[slot] = _officers(*slot)
            _warn(locked, now, officers[slot])
            Dossier.objects.filter(pk=d.pk).update(due_warned_for=locked.due_at)
        warned += 1
    return warned


def _officers(agency_id: int, role: str) -> list[User]:
    """The active officers holding `role` in the agency who have an e-mail address."""
    return list(User.objects.filter(is_active=True, grants__agency_id=agency_id,
                                    grants__role=role).exclude(email="").distinct())


def _warn(d: Dossier, now: dt.datetime, officers: list[User]) -> None:
    assert d.due_at is not None  # noqa: S101 - only dossiers with a running clock are warned
    due = timezone.localtime(d.due_at).strftime("%H:%M %d/%m/%Y")
    subject = _("Hồ sơ %(code)s sắp đến hạn (%(due)s)") % {"code": d.code, "due": due}
    body = _("Hồ sơ %(code)s (%(procedure)s) đang ở bước của bạn và phải có kết quả trước "
             "%(due)s. Nếu không kịp, hãy lập phiếu xin lỗi và hẹn lại ngày trả kết quả.") % {
        "code": d.code, "procedure": d.version.name, "due": due}
    for officer in officers:
        notification_queue(channel="email", recipient=officer.email, subject=subject, body=body,
                           reference=d.code)
    DossierEvent.objects.create(
        dossier=d, province_code=d.province_code, at=now, action="due_warning",
        from_status=d.status, to_status=d.status, agency_id=d.current_agency_id,
        data={"due_at": d.due_at.isoformat(), "officers": len(officers)},
    )
