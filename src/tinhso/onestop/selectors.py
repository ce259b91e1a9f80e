"""Reads of dossiers, scoped by who is asking.

- Officers see dossiers whose responsible, receiving or current agency is in their
  "onestop.dossier.view" scope; applicants see their own; anonymous visitors see none (they
  may only track a dossier by code, without personal data: `tracking`).
- Officer queues are ordered by due time (no due time last), then by submission, and cost a
  constant number of queries whatever their length: counts stop at COUNT_CAP, and a page sorts
  the queue's ids before it joins the 50 rows it shows (`queue_page`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.calendar import calendar_for_province
from tinhso.core.errors import DomainError, NotFound
from tinhso.directory.models import Role
from tinhso.directory.permissions import agency_scope, grants_of
from tinhso.onestop.codes import TZ, InvalidDossierCode, normalize_dossier_code
from tinhso.onestop.models import Dossier, DossierEvent, DossierFile, Handover, Payment
from tinhso.onestop.rollups import day_bounds, in_range
from tinhso.onestop.status import Channel, Status, Timeliness

VIEW = "onestop.dossier.view"
QUEUES = ("to_receive", "to_process", "to_approve", "due_soon", "overdue", "returned_today")
CLOCK_RUNNING = (Status.RECEIVED, Status.PROCESSING)
WORK_ROLES = {Role.ONESTOP_OFFICER, Role.SPECIALIST, Role.LEADER}

LIST_RELATED = ("procedure", "version", "agency", "receiving_agency", "current_agency")
QUEUE_ORDER = (F("due_at").asc(nulls_last=True), "submitted_at", "pk")
COUNT_CAP = 10_000


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _scope_q(user: Any) -> Q:
    scope = agency_scope(user, VIEW)
    if scope.empty:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    if scope.agency_ids:
        ids = sorted(scope.agency_ids)
        q = Q(agency_id__in=ids) | Q(receiving_agency_id__in=ids) | Q(current_agency_id__in=ids)
    if scope.provinces:
        q |= Q(province_code__in=sorted(scope.provinces))
    return q


def dossiers_visible_to(user: Any) -> QuerySet[Dossier]:
    """Every dossier the user may see (officers by agency scope, applicants their own)."""
    if not _authenticated(user) or not user.is_active:
        return Dossier.objects.none()
    q = _scope_q(user) | Q(applicant_id=user.pk)
    return Dossier.objects.filter(q).select_related(*LIST_RELATED)


def dossier_for(user: Any, code: str) -> Dossier:
    """One dossier the user may see, by code; NotFound otherwise (never 403: the code of a
    dossier one may not see is not confirmed to exist)."""
    try:
        code = normalize_dossier_code(code)
    except InvalidDossierCode:
        raise NotFound(_("Không tìm thấy hồ sơ.")) from None
    d = dossiers_visible_to(user).filter(code=code).first()
    if d is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return d


def _overdue_q(now: dt.datetime) -> Q:
    """Open dossiers past their due moment: the clock running and due_at passed, or paused
    after it had already passed (a pause freezes the clock, so a dossier paused in time is
    not overdue while it waits)."""
    return (Q(status__in=CLOCK_RUNNING, due_at__lt=now)
            | Q(status__in=(Status.SUPPLEMENT, Status.PAYING), due_at__lt=F("paused_at")))


def _ordered(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return qs.select_related(*LIST_RELATED).order_by(*QUEUE_ORDER)


def _due_soon_horizon(user: Any, now: dt.datetime) -> dt.datetime:
    """One working day from now on the user's province calendar; kept on the user object for
    the request, so a page that counts the queue and then lists it reads the calendar once."""
    cached = getattr(user, "_tinhso_due_soon", None)
    if cached is not None and cached[0] == now:
        return cached[1]
    horizon = calendar_for_province(user_province(user)).add_working_days(now, 1)
    user._tinhso_due_soon = (now, horizon)
    return horizon


def queue(user: Any, name: str, *, now: dt.datetime | None = None) -> QuerySet[Dossier]:
    """An officer's work queue (see QUEUES); an empty queryset for anyone without a grant."""
    if name not in QUEUES:
        raise DomainError.for_field("queue", _("Hàng đợi không hợp lệ."))
    if not _authenticated(user):
        return Dossier.objects.none()
    now = now or timezone.now()
    grants = [g for g in grants_of(user) if g.agency_id is not None]
    desk = sorted({g.agency_id for g in grants
                   if g.role == Role.ONESTOP_OFFICER and g.agency_id is not None})
    if name == "to_receive":
        return _ordered(Dossier.objects.filter(status=Status.SUBMITTED,
                                               receiving_agency_id__in=desk))
    if name in ("to_process", "to_approve"):
        q = Q(pk__in=[])
        for g in grants:
            if g.role in WORK_ROLES and (name == "to_process" or g.role == Role.LEADER):
                q |= Q(current_agency_id=g.agency_id, current_role=g.role)
        return _ordered(Dossier.objects.filter(q, status__in=CLOCK_RUNNING))
    scope = _scope_q(user)
    if name == "overdue":
        return _ordered(Dossier.objects.filter(scope).filter(_overdue_q(now)))
    if name == "due_soon":
        horizon = _due_soon_horizon(user, now)
        return _ordered(Dossier.objects.filter(scope, status__in=CLOCK_RUNNING,
                                               due_at__gte=now, due_at__lte=horizon))
    # returned_today
    today = now.astimezone(TZ).date()
    start = dt.datetime.combine(today, dt.time(), tzinfo=TZ)
    return _ordered(Dossier.objects.filter(scope, status=Status.RETURNED,
                                           returned_at__gte=start,
                                           returned_at__lt=start + dt.timedelta(days=1)))


def user_province(user: Any) -> str:
    for g in grants_of(user):
        return g.province_code
    from django.conf import settings

    return settings.TINHSO_PROVINCE_CODE


def queue_counts(user: Any, *, now: dt.datetime | None = None,
                 cap: int = COUNT_CAP) -> dict[str, int]:
    """How many dossiers each queue holds, up to `cap` + 1 (shown as "10 000+"), in one
    query: a count costs at most `cap` index entries however long the queue grows."""
    return capped_counts({name: queue(user, name, now=now) for name in QUEUES}, cap)


def capped_count(qs: QuerySet[Dossier], cap: int = COUNT_CAP) -> int:
    return capped_counts({"n": qs}, cap)["n"]


def capped_counts(querysets: dict[str, QuerySet[Dossier]], cap: int = COUNT_CAP) -> dict[str, int]:
    """Each queryset's count up to `cap` + 1, all in one statement (a round trip and a
    compilation each would cost more than most of these counts)."""
    counts = dict.fromkeys(querysets, 0)
    parts: list[tuple[str, str]] = []
    params: list[Any] = []
    for name, qs in querysets.items():
        try:
            sql, part_params = (qs.order_by().select_related(None).values("pk")[:cap + 1]
                                .query.sql_with_params())
        except EmptyResultSet:
            continue
        count_sql = f"(SELECT COUNT(*) FROM ({sql}) AS q{len(parts)})"  # noqa: S608 - ORM SQL
        parts.append((name, count_sql))
        params.extend(part_params)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(sql for _name, sql in parts), params)
            row = cursor.fetchone()
        counts.update({name: int(n) for (name, _sql), n in zip(parts, row, strict=True)})
    return counts


def queue_page(qs: QuerySet[Dossier], start: int, stop: int, *,
               only: tuple[str, ...] = ()) -> list[Dossier]:
    """Rows `start`..`stop` of a queue (from `queue`), in its order, in one query that sorts
    and cuts the queue's own narrow rows first and joins the procedure and agencies of those
    rows only (joined before the cut, every row of a long queue would be joined and sorted
    whole). `only`: the fields a page shows ("version__name" joins the version alone)."""
    if stop <= start:
        return []
    ids = qs.order_by(*QUEUE_ORDER).select_related(None).values("pk")[start:stop]
    rows = Dossier.objects.filter(pk__in=ids).order_by(*QUEUE_ORDER)
    if only:
        related = sorted({f.split("__")[0] for f in only if "__" in f})
        rows = rows.select_related(*related).only(*only)
    else:
        rows = rows.select_related(*LIST_RELATED)
    return list(rows)


def my_dossiers(applicant: Any) -> QuerySet[Dossier]:
    """The applicant's own dossiers, newest first."""
    if not _authenticated(applicant):
        return Dossier.objects.none()
    return (Dossier.objects.filter(applicant_id=applicant.pk).select_related(*LIST_RELATED)
            .order_by("-submitted_at", "-pk"))


def dossier_history(dossier: Dossier) -> list[DossierEvent]:
    return list(DossierEvent.objects.filter(dossier=dossier).select_related("agency")
                .order_by("at", "pk"))


def dossier_handovers(dossier: Dossier) -> list[Handover]:
    """The control slip's rows."""
    return list(Handover.objects.filter(dossier=dossier)
                .select_related("from_agency", "to_agency", "from_user", "to_user")
                .order_by("at", "pk"))


# --- public tracking ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingStep:
    at: dt.datetime
    status: int
    status_label: str


@dataclass(frozen=True)
class Tracking:
    """What anyone may see of a dossier by its code: no names, numbers, addresses, comments."""

    code: str
    procedure_name: str
    agency_name: str
    receiving_agency_name: str
    status: int
    status_label: str
    submitted_at: dt.datetime
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    promised_at: dt.datetime | None
    resolved_at: dt.datetime | None
    returned_at: dt.datetime | None
    timeline: list[TrackingStep] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def iso(v: dt.datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {
            "code": self.code, "procedure_name": self.procedure_name,
            "agency_name": self.agency_name, "receiving_agency_name": self.receiving_agency_name,
            "status": self.status, "status_label": self.status_label,
            "submitted_at": iso(self.submitted_at), "received_at": iso(self.received_at),
            "due_at": iso(self.due_at), "promised_at": iso(self.promised_at),
            "resolved_at": iso(self.resolved_at), "returned_at": iso(self.returned_at),
            "timeline": [{"at": s.at.isoformat(), "status": s.status,
                          "status_label": s.status_label} for s in self.timeline],
        }


_TRACKING_SQL = """
SELECT d.id, d.code, d.status, d.submitted_at, d.received_at, d.due_at, d.promised_at,
       d.resolved_at, d.returned_at, v.name, a.name, r.name
FROM onestop_dossier d
JOIN catalog_procedureversion v ON v.id = d.version_id
JOIN directory_agency a ON a.id = d.agency_id
JOIN directory_agency r ON r.id = d.receiving_agency_id
WHERE d.code = %s
"""
_TIMELINE_SQL = """
SELECT at, to_status FROM onestop_dossierevent
WHERE dossier_id = %s AND (from_status IS NULL OR from_status <> to_status)
ORDER BY at, id
"""


def tracking(code: str) -> Tracking:
    """Public tracking by code: two indexed queries, written as SQL because this is the
    platform's busiest public read (the ORM spent a third of the request compiling them).
    NotFound for a malformed or unknown code."""
    try:
        code = normalize_dossier_code(code)
    except InvalidDossierCode:
        raise NotFound(_("Không tìm thấy hồ sơ.")) from None
    with connection.cursor() as cursor:
        cursor.execute(_TRACKING_SQL, [code])
        row = cursor.fetchone()
        if row is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        cursor.execute(_TIMELINE_SQL, [row[0]])
        events = cursor.fetchall()
    aware = _aware
    labels = dict(Status.choices)
    (_pk, code, status, submitted, received, due, promised, resolved, returned,
     procedure_name, agency_name, receiving_name) = row
    return Tracking(
        code=code, procedure_name=procedure_name, agency_name=agency_name,
        receiving_agency_name=receiving_name, status=status,
        status_label=str(labels[status]), submitted_at=aware(submitted),
        received_at=aware(received), due_at=aware(due), promised_at=aware(promised),
        resolved_at=aware(resolved), returned_at=aware(returned),
        timeline=[TrackingStep(aware(at), st, str(labels[st])) for at, st in events],
    )


def _aware(value: Any) -> Any:
    """Raw SQL gives aware datetimes on PostgreSQL and naive UTC values (or ISO strings) on
    SQLite; make them all aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


@dataclass(frozen=True)
class ApplicantData:
    name: str
    id_number: str
    address: str
    phone: str
    email: str


def dossier_personal_data(*, user: Any, dossier: Dossier, purpose: str,
                          ip: str | None = None) -> ApplicantData | None:
    """The applicant's personal data (ID number, address, phone, e-mail): for the applicant, and
    for officers who handle the dossier (accounts.personal_data.view in its responsible,
    receiving or current agency). Every officer's read is written to the audit log; anyone
    else gets None."""
    from tinhso.core.audit import audit_record
    from tinhso.directory.permissions import can

    d = dossier
    own = d.applicant_id is not None and d.applicant_id == getattr(user, "pk", None)
    if not own:
        if not any(can(user, "accounts.personal_data.view", a)
                   for a in (d.agency, d.receiving_agency, d.current_agency)):
            return None
        audit_record(actor=user, action="personal_data.view", obj=d, ip=ip,
                     data={"code": d.code, "purpose": purpose})
    return ApplicantData(d.applicant_name, d.applicant_id_number, d.applicant_address,
                         d.applicant_phone, d.applicant_email)


def result_check_url(code: str) -> str:
    """The public page where anyone checks the signatures of a dossier's electronic result:
    what the QR code on the signed result points to."""
    from django.conf import settings

    return f"{settings.TINHSO_PUBLIC_URL.rstrip('/')}/tra-cuu/{code}/ket-qua/"


def result_for_check(code: str) -> Any:
    """The dossier's electronic result file (a DossierFile), for the public check of its
    signatures; None when the code is unknown or there is no result. Only the signatures are
    shown from it, never its content (that stays with the applicant and the officers)."""
    try:
        code = normalize_dossier_code(code)
    except InvalidDossierCode:
        return None
    d = (Dossier.objects.filter(code=code, result_file__isnull=False)
         .select_related("result_file").only("code", "result_file").first())
    return d.result_file if d is not None else None


# --- the dossiers a rollup counter counts (the officers' drill-down) ----------------------------


def _paid(online: bool) -> Any:
    def condition(start: dt.datetime | None, end: dt.datetime | None) -> Exists:
        paid = Payment.objects.filter(in_range("paid_at", start, end), dossier=OuterRef("pk"),
                                      state=Payment.State.PAID)
        return Exists(paid.filter(online=True) if online else paid)
    return condition


def _at(field: str, extra: Q | Exists | None = None) -> Any:
    def condition(start: dt.datetime | None, end: dt.datetime | None) -> Any:
        q = in_range(field, start, end)
        return q & extra if extra is not None else q
    return condition


_RESOLVED = (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE)
# What each rollup counter (or sum of counters) counts, by the rules of
# `rollups.rollups_aggregate` (a test holds the two equal): counted name -> (the condition for
# a period [start, end), the moment the list is ordered by, newest first). Payments are counted
# by payment in the rollup: here a dossier with two payments in the period is one row, so the
# drill-down lists the payments themselves (`PAYMENTS_COUNTED`, `payments_counted`).
COUNTED: dict[str, tuple[Any, str]] = {
    "submitted": (_at("submitted_at"), "submitted_at"),
    "received": (_at("received_at"), "received_at"),
    "received_online": (_at("received_at", Q(channel=Channel.ONLINE)), "received_at"),
    "resolved": (_at("resolved_at", Q(timeliness__in=_RESOLVED)), "resolved_at"),
    "resolved_in_time": (_at("resolved_at", Q(timeliness__in=_RESOLVED[:2])), "resolved_at"),
    "resolved_late": (_at("resolved_at", Q(timeliness=Timeliness.LATE)), "resolved_at"),
    "electronic_result": (_at("resolved_at", Q(result_file__isnull=False)), "resolved_at"),
    "digitized": (_at("submitted_at", Exists(DossierFile.objects.filter(
        dossier=OuterRef("pk"), kind__in=(DossierFile.Kind.COMPONENT, DossierFile.Kind.SUPPLEMENT),
        is_digitized=True, reused_from__isnull=True))), "submitted_at"),
    "rated": (_at("rating__rated_at"), "rating__rated_at"),
    "paid_total": (_paid(online=False), "submitted_at"),
    "paid_online": (_paid(online=True), "submitted_at"),
    "reused": (_at("submitted_at", Exists(DossierFile.objects.filter(
        dossier=OuterRef("pk"), reused_from__isnull=False))), "submitted_at"),
}


def dossiers_counted(qs: QuerySet[Dossier], counted: str, *, day_from: dt.date | None = None,
                     day_to: dt.date | None = None, but_not: str = "") -> QuerySet[Dossier]:
    """The dossiers of `qs` (already scoped) that the rollup counter `counted` (a name of
    `COUNTED`) counts on the days day_from..day_to (Vietnam time), newest first; `but_not`:
    less those another counter counts in the same days (e.g. resolved but not in time: the
    late ones). The count of the result equals the rollup's sum when a dossier counts once."""
    if counted not in COUNTED or (but_not and but_not not in COUNTED):
        raise ValueError(f"unknown counter {counted!r} / {but_not!r}")
    start, end = day_bounds(day_from, day_to)
    condition, moment = COUNTED[counted]
    qs = qs.filter(condition(start, end))
    if but_not:
        qs = qs.exclude(COUNTED[but_not][0](start, end))
    return qs.order_by(F(moment).desc(nulls_last=True), "-pk")


# The rollup counters that count payments, not dossiers (each paid Payment on the day of its
# paid_at): counted name -> the condition on the payment. A dossier with two fees paid in the
# period is two of them, so their list is of payments (`payments_counted`).
PAYMENTS_COUNTED: dict[str, Q] = {
    "paid_total": Q(state=Payment.State.PAID),
    "paid_online": Q(state=Payment.State.PAID, online=True),
}


def payments_counted(qs: QuerySet[Dossier], counted: str, *, day_from: dt.date | None = None,
                     day_to: dt.date | None = None, but_not: str = "") -> QuerySet[Payment]:
    """The payments of the dossiers of `qs` (already scoped) that the rollup counter `counted`
    (a name of `PAYMENTS_COUNTED`) counts on the days day_from..day_to (Vietnam time), newest
    first, with their dossier; `but_not`: less those another payment counter counts (paid, but
    not online). Their count is the rollup's sum."""
    if counted not in PAYMENTS_COUNTED or (but_not and but_not not in PAYMENTS_COUNTED):
        raise ValueError(f"unknown payment counter {counted!r} / {but_not!r}")
    start, end = day_bounds(day_from, day_to)
    dossiers = qs.order_by().select_related(None).values("pk")
    payments = Payment.objects.filter(in_range("paid_at", start, end), PAYMENTS_COUNTED[counted],
                                      dossier__in=dossiers)
    if but_not:
        payments = payments.exclude(PAYMENTS_COUNTED[but_not])
    return (payments.select_related("dossier", "dossier__version", "dossier__agency")
            .order_by(F("paid_at").desc(), "-pk"))
