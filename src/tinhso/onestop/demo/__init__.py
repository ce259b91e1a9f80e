"""Demo dossiers: a year of one-stop work in the demo province, sized like the source report.

At `scale=1.0` the year looks like the report's: about 986,337 dossiers received, about 947,069
resolved, 98.26% of the resolved ones early or on time. `scale=0.01` (about 10,000 dossiers) is
what `make run` loads.

What makes it look real (all of it made up; `form_data` of every generated dossier is
`{"demo": true}`):

- **Days**: fewer dossiers at weekends and public holidays (online ones only, the desks are
  shut), almost none during the Tết holidays, a rush the week before Tết and a slow restart after
  it; each kind of procedure has its months (residence and certified copies before the school
  year, land in spring and at the year's end, business registration after Tết, marriages in the
  wedding season).
- **Hours**: desk and postal dossiers inside office hours on working days; online ones mostly in
  office hours, some in the evening.
- **Channels**: the online share rises through the year from 40% to 60%; postal about 2%; the
  rest at the desk.
- **Procedures**: a few dozen common ones (certified copies, birth registration, residence, land,
  household business) take most dossiers; the 889 catalog procedures share the long tail.
  Commune-level procedures are spread over the province's commune committees (each one performs
  them; the catalog names one); provincial ones are received by the public administration
  service centre and handled by the procedure's department.
- **Deadlines** come from the real deadline engine (`calendar_for_province`): the clock starts at
  receipt, fee payment and supplement pauses move the due moment (`shift_due`), and timeliness
  follows the services' rule (early: resolved on a day before the due day).
- **History**: a handful of DossierEvent rows per dossier (submit, receive, payment, forward,
  supplement, approve, return, or the end), consistent with the final status; a Payment row for
  each fee paid. Nothing past the end of the window: a dossier still in the works then is open.
- **Codes** `<receiving agency code>-<yyMMdd>-<seq:04d>` in submission order per agency and day;
  DayCounter rows are raised to the last sequence so live submissions continue after them.

Writing: rows are generated in chunks of whole days and inserted with raw `executemany` on
SQLite or binary `COPY` on PostgreSQL, each chunk one transaction, by writer threads on their
own connections while the next chunk is generated (in line inside a transaction, e.g. in
tests). The rollup rows (DossierStat) are counted while generating, by the rules of
`rollups.rollups_aggregate` (a test holds them equal), and added at the end. Benchmarks:
docs/benchmarks.md, "Demo dossiers".

A load stopped half-way leaves the chunks already written; the next run then sees demo
dossiers in the window and skips: run it again with `replace=True` (`--replace`).
"""


from __future__ import annotations

import bisect
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, models, transaction

from tinhso.catalog.models import OnlineLevel
from tinhso.core.audit import audit_record
from tinhso.core.calendar import TZ, calendar_for_province
from tinhso.directory.models import Role
from tinhso.onestop.demo._constants import (  # noqa: F401 - re-exported
    CHUNK,
    DEMO_MARK,
    LATE_RATE,
    MAX_SCALE,
    ONLINE_FROM,
    ONLINE_TO,
    POSTAL,
    REFUSED_AT_INTAKE,
    REPORT_ON_TIME_RATE,
    REPORT_RECEIVED,
    REPORT_RESOLVED,
    STOPPED,
    SUPPLEMENT,
    SWITCH_INTERVAL,
    WITHDRAWN,
    WITHDRAWN_BEFORE_RECEIPT,
    WRITERS,
)
from tinhso.onestop.demo._model import (
    _ACTOR_OF,
    _SEVEN_HOURS,
    HAMLETS,
    SEASONS,
    S,
    _between,
    _Commune,
    _cumulate,
    _day_weights,
    _Life,
    _Lives,
    _office_minute,
    _Person,
    _pick,
    _Proc,
    _World,
    _world,
    demo_window,
)
from tinhso.onestop.demo._writer import (
    _Background,
    _big_cache,
    _Ids,
    _Table,
)
from tinhso.onestop.models import DayCounter, Dossier, DossierEvent, Payment
from tinhso.onestop.status import Channel, Timeliness

# --------------------------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------------------------

DOSSIER_COLUMNS = [
    "id", "code", "province_code", "procedure_id", "version_id", "channel", "status", "revision",
    "applicant_id", "applicant_name", "applicant_id_number", "applicant_address",
    "applicant_phone", "unit_id", "form_data", "agency_id", "receiving_agency_id",
    "current_agency_id", "current_step", "current_role", "submitted_at", "received_at",
    "due_at", "paused_at", "resumed_status", "resolved_at", "returned_at", "ended_at",
    "timeliness", "end_reason", "fee_total",
]
EVENT_COLUMNS = ["dossier_id", "province_code", "at", "actor_name", "agency_id", "action",
                 "from_status", "to_status", "comment", "data"]
PAYMENT_COLUMNS = ["dossier_id", "amount", "stage", "state", "online", "reference",
                   "gateway_transaction", "created_at", "paid_at"]

# Where the dossier sits in the default workflow, by status: (step, role, at the desk?).
_PLACE: dict[int, tuple[int, str, bool]] = {
    S.SUBMITTED: (0, Role.ONESTOP_OFFICER, True), S.RECEIVED: (0, Role.ONESTOP_OFFICER, True),
    S.PAYING: (0, Role.ONESTOP_OFFICER, True), S.REFUSED: (0, Role.ONESTOP_OFFICER, True),
    S.PROCESSING: (1, Role.SPECIALIST, False), S.SUPPLEMENT: (1, Role.SPECIALIST, False),
    S.WITHDRAWN: (1, Role.SPECIALIST, False), S.STOPPED: (1, Role.SPECIALIST, False),
    S.RESULT_READY: (3, Role.ONESTOP_OFFICER, True), S.RETURNED: (3, Role.ONESTOP_OFFICER, True),
}


def _demo_exists(province_code: str, first: date, cutoff: datetime) -> bool:
    start = datetime(first.year, first.month, first.day, tzinfo=TZ)
    return Dossier.objects.filter(province_code=province_code, submitted_at__gte=start,
                                  submitted_at__lte=cutoff, form_data__demo=True).exists()


def _delete_demo(province_code: str, first: date, cutoff: datetime) -> None:
    start = datetime(first.year, first.month, first.day, tzinfo=TZ)
    ids = Dossier.objects.filter(province_code=province_code, submitted_at__gte=start,
                                 submitted_at__lte=cutoff, form_data__demo=True).values("pk")
    with transaction.atomic():
        for rel in Dossier._meta.related_objects:
            related = rel.related_model
            if rel.on_delete is models.CASCADE and rel.field.model is related:
                qs = related._base_manager.filter(**{f"{rel.field.name}__in": ids})
                qs._raw_delete(qs.db)
        qs = Dossier._base_manager.filter(pk__in=ids)
        qs._raw_delete(qs.db)


def unload_dossiers(*, province_code: str = "38", year: int | None = None,
                    now: datetime | None = None) -> None:
    """Delete the window's demo dossiers (and their events, payments, files...) and count the
    window's rollups again from what is left (live work only)."""
    from tinhso.onestop.rollups import rollups_rebuild

    first, cutoff = demo_window(year, now)
    _delete_demo(province_code, first, cutoff)
    rollups_rebuild(province_code=province_code, day_from=first, day_to=cutoff.date())


def expected_dossiers(scale: float) -> int:
    """About how many dossiers `load_dossiers` makes for a whole year at `scale` (for a
    progress bar's total; a year cut short by today makes fewer)."""
    return round(REPORT_RECEIVED * scale / (1 - REFUSED_AT_INTAKE - WITHDRAWN_BEFORE_RECEIPT))


def load_dossiers(*, province_code: str = "38", year: int | None = None, scale: float,
                  seed: int = 38, progress: Callable[[int], Any] | None = None,
                  replace: bool = False, now: datetime | None = None) -> int:
    """Load a year of demo dossiers for the province; returns how many were created (0 when
    that window already has demo dossiers and `replace` is false).

    `year=None`: the 365 days up to now; `year=2022`: that calendar year (cut at now if it is
    not over). `scale=1.0` is the report's year (about 986,337 received). `progress(n)` is
    told of each chunk written. `replace=True` first deletes the window's demo dossiers
    (those with `form_data == {"demo": true}`) and recounts the window's rollups. `now` fixes
    the present (tests)."""
    if not 0 < scale <= MAX_SCALE:
        # Beyond it the busiest desk would need more than 9,999 codes a day (4 digits).
        raise ValueError(f"scale must be above 0 and at most {MAX_SCALE}")
    first, cutoff = demo_window(year, now)
    if _demo_exists(province_code, first, cutoff):
        if not replace:
            return 0
        unload_dossiers(province_code=province_code, year=year, now=now)
    with _big_cache():
        return _load(province_code, year, scale, seed, progress, first, cutoff)


def _load(province_code: str, year: int | None, scale: float, seed: int,
          progress: Callable[[int], Any] | None, first: date, cutoff: datetime) -> int:
    rng = random.Random(f"{seed}:{province_code}:{year}")
    cal = calendar_for_province(province_code)
    expected_submitted = REPORT_RECEIVED * scale / (1 - REFUSED_AT_INTAKE
                                                    - WITHDRAWN_BEFORE_RECEIPT)  # float
    world = _world(province_code, cal, rng, int(expected_submitted))

    # Days of the window (a whole year's weights, so a cut year gets its share only).
    full_last = first + timedelta(days=364 if year is None else
                                  (date(year, 12, 31) - first).days)
    days = [first + timedelta(days=i) for i in range((full_last - first).days + 1)]
    total_weight = sum(p.weight for p in world.procs)
    cat_share = {c: sum(p.weight for p in ps) / total_weight
                 for c, ps in world.by_category.items()}
    weights = _day_weights(cal, days, cat_share)
    wsum = sum(w for w, _ in weights)
    last_day = cutoff.date() if cutoff.timetz() != time(0, tzinfo=TZ) else \
        cutoff.date() - timedelta(days=1)

    lives = _Lives(cal, rng, cutoff)
    counters = _Counters(province_code, first, last_day)
    writer = _Writer(province_code, _Rollup(province_code, first, last_day))
    background = _Background(writer.store) if _Background.possible() else None
    # Small loads in a few chunks too, so a progress bar moves.
    chunk = CHUNK if expected_submitted >= 2 * CHUNK else max(min(CHUNK, 2_000),
                                                              round(expected_submitted / 10))
    created = 0
    acc = 0.0
    done = 0
    batch: list[_Row] = []

    def flush() -> None:
        nonlocal batch, created
        prepared = writer.prepare(batch)
        if background:
            background.put(prepared)
        else:
            writer.store(prepared)
        created += len(batch)
        if progress:
            progress(len(batch))
        batch = []

    try:
        for d, (w, working) in zip(days, weights, strict=True):
            acc += expected_submitted * w / wsum
            n = round(acc) - done
            done += n
            if d > last_day or n <= 0:
                continue
            batch.extend(_day(world, lives, counters, d, n, working, cutoff, rng, len(days),
                              (d - first).days))
            if len(batch) >= chunk:
                flush()
        if batch:
            flush()
    finally:
        if background:
            background.close()
    counters.save()
    writer.rollup.save()
    from tinhso.onestop.rollups import rollups_agency_days_rebuild, rollups_months_rebuild

    rollups_months_rebuild(province_code=province_code, day_from=first, day_to=last_day)
    rollups_agency_days_rebuild(province_code=province_code, day_from=first, day_to=last_day)
    with transaction.atomic():
        audit_record(actor=None, action="onestop.demo_load", object_type="onestop.dossier",
                     object_id=f"demo:{province_code}:{first.isoformat()}",
                     data={"created": created, "scale": scale, "from": first.isoformat(),
                           "to": last_day.isoformat(), "seed": seed})
    return created


class _Rollup:
    """The DossierStat counters of the generated dossiers, counted as they are made (the same
    rules as `rollups.rollups_aggregate`, which a test holds them to), then added to the rows
    already stored for the window (live dossiers) or inserted."""

    def __init__(self, province_code: str, first: date, last: date) -> None:
        self.province_code = province_code
        self.first, self.last = first, last
        self.counts: dict[tuple[date, int, int, int, str], list[int]] = {}

    def add(self, key_rest: tuple[int, int, int, str], counter: int, at: datetime) -> None:
        key = (at.date(), *key_rest)  # every moment made here is in Vietnam time
        row = self.counts.get(key)
        if row is None:
            row = self.counts[key] = [0] * len(ROLLUP_COUNTERS)
        row[counter] += 1

    def save(self) -> int:
        from tinhso.onestop.models import DossierStat

        qn = connection.ops.quote_name
        stored = dict(
            ((day, a, p, c, level), pk) for pk, day, a, p, c, level in DossierStat.objects.filter(
                province_code=self.province_code, day__gte=self.first, day__lte=self.last,
            ).values_list("pk", "day", "agency_id", "procedure_id", "channel", "online_level")
        )
        update = [(*row, stored[key]) for key, row in self.counts.items() if key in stored]
        with transaction.atomic():
            if update:
                sets = ", ".join(f"{qn(c)} = {qn(c)} + %s" for c in ROLLUP_COUNTERS)
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE {qn(DossierStat._meta.db_table)} SET {sets} "  # noqa: S608
                        "WHERE id = %s", update)
            _Table(DossierStat, ["day", "province_code", "agency_id", "procedure_id", "channel",
                                 "online_level", *ROLLUP_COUNTERS]).write(
                (_day_value(key[0]), self.province_code, *key[1:], *row)
                for key, row in self.counts.items() if key not in stored)
        return len(self.counts)


ROLLUP_COUNTERS = (
    "submitted", "received", "refused", "resolved_early", "resolved_on_time", "resolved_late",
    "returned", "withdrawn", "stopped", "supplement_requested", "paid_online", "paid_total",
    "left_open", "electronic_result",
)
(R_SUBMITTED, R_RECEIVED, R_REFUSED, R_EARLY, R_ON_TIME, R_LATE, R_RETURNED, R_WITHDRAWN,
 R_STOPPED, R_SUPPLEMENT, R_PAID_ONLINE, R_PAID_TOTAL, R_LEFT_OPEN, _R_ELECTRONIC) = range(14)
_RESOLVED_COUNTER: dict[str, int] = {Timeliness.EARLY: R_EARLY, Timeliness.ON_TIME: R_ON_TIME,
                     Timeliness.LATE: R_LATE}


@dataclass(slots=True)
class _Row:
    code: str
    proc: _Proc
    channel: int
    person: _Person
    desk: _Commune
    unit_id: int
    address: str
    submitted: datetime
    life: _Life


class _Counters:
    """Sequence numbers per receiving agency and day, continuing any already given out."""

    def __init__(self, province_code: str, first: date, last: date) -> None:
        self.last: dict[tuple[int, date], int] = {
            (a, d): n for a, d, n in DayCounter.objects.filter(
                agency__province_code=province_code, day__gte=first, day__lte=last,
            ).values_list("agency_id", "day", "last")
        }
        self.existing = dict(self.last)

    def next(self, agency_id: int, day: date) -> int:
        key = (agency_id, day)
        n = self.last.get(key, 0) + 1
        self.last[key] = n
        return n

    def save(self) -> None:
        changed = {k: v for k, v in self.last.items() if self.existing.get(k) != v}
        if not changed:
            return
        table = connection.ops.quote_name(DayCounter._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            update = [(n, a, d) for (a, d), n in changed.items() if (a, d) in self.existing]
            if update:
                last = connection.ops.quote_name("last")
                cursor.executemany(
                    f"UPDATE {table} SET {last} = %s WHERE agency_id = %s AND day = %s",  # noqa: S608
                    [(n, a, _day_value(d)) for n, a, d in update])
            _Table(DayCounter, ["agency_id", "day", "last"]).write(
                (a, _day_value(d), n) for (a, d), n in changed.items()
                if (a, d) not in self.existing)
        self.existing.update(changed)


def _day_value(d: date) -> Any:
    return d if connection.vendor == "postgresql" else d.isoformat()  # as Django stores it


def _day(world: _World, lives: _Lives, counters: _Counters, d: date, n: int, working: bool,
         cutoff: datetime, rng: random.Random, n_days: int, index: int) -> list[_Row]:
    online_share = ONLINE_FROM + (ONLINE_TO - ONLINE_FROM) * index / max(1, n_days - 1)
    month = d.month - 1
    cats = list(world.by_category)
    cat_cum = list(_cumulate(
        sum(p.weight for p in world.by_category[c]) * SEASONS[c][month] for c in cats))
    picked = rng.choices(cats, cum_weights=cat_cum, k=n)
    cum_by_cat: dict[str, list[float]] = {}
    drafts = []
    midnight = datetime(d.year, d.month, d.day, tzinfo=TZ)
    for cat in picked:
        cum = cum_by_cat.get(cat)
        if cum is None:
            cum = cum_by_cat[cat] = list(_cumulate(p.weight for p in world.by_category[cat]))
        procs = world.by_category[cat]
        proc = procs[bisect.bisect_right(cum, rng.random() * cum[-1])]
        if not working:
            channel = Channel.ONLINE
        else:
            u = rng.random()
            share = online_share * (1.15 if proc.online_level == OnlineLevel.FULL else 0.6)
            channel = (Channel.ONLINE if u < share else
                       Channel.POSTAL if u < share + POSTAL else Channel.IN_PERSON)
        if channel == Channel.ONLINE and (not working or rng.random() < 0.3):
            minute = _between(rng, 6 * 60, 23 * 60 - 1)
        else:
            minute = _office_minute(rng)
        submitted = midnight + timedelta(minutes=minute, seconds=_between(rng, 0, 59))
        if submitted > cutoff:
            continue
        drafts.append((submitted, proc, channel))
    drafts.sort(key=lambda x: x[0])
    yymmdd = f"{d:%y%m%d}"
    rows = []
    centre = world.centre
    communes, commune_cum = world.communes, world.commune_cum
    for submitted, proc, channel in drafts:
        commune = communes[bisect.bisect_right(commune_cum, rng.random() * commune_cum[-1])]
        desk = commune if proc.receiving == "commune" else centre
        if proc.business:
            person = _pick(rng, world.businesses)
        elif world.accounts and channel == Channel.ONLINE and rng.random() < 0.01:
            person = _pick(rng, world.accounts)
        else:
            person = _pick(rng, world.people)
        seq = counters.next(desk.agency_id, d)
        code = f"{desk.code}-{yymmdd}-{seq:04d}"
        address = (f"{_pick(rng, HAMLETS)} {_between(rng, 1, 15)}, {commune.unit_name}, "
                   f"tỉnh {centre.unit_name}")
        life = lives.live(proc, channel, submitted, desk.agency_id,
                          proc.agency_id if proc.receiving == "centre" else desk.agency_id)
        rows.append(_Row(code, proc, channel, person, desk, commune.unit_id, address, submitted,
                         life))
    return rows


class _Writer:
    def __init__(self, province_code: str, rollup: _Rollup) -> None:
        self.province_code = province_code
        self.rollup = rollup
        self.dossiers = _Table(Dossier, DOSSIER_COLUMNS)
        self.events = _Table(DossierEvent, EVENT_COLUMNS)
        self.payments = _Table(Payment, PAYMENT_COLUMNS)
        self.pg = connection.vendor == "postgresql"
        self.mark: Any = DEMO_MARK if self.pg else json.dumps(DEMO_MARK)
        self.empty: Any = {} if self.pg else "{}"
        self.ids = _Ids(Dossier)

    def ts(self, value: datetime | None) -> Any:
        """As Django stores it: PostgreSQL takes the aware value, SQLite text in UTC."""
        if value is None or self.pg:
            return value
        if value.tzinfo is TZ:  # Vietnam has kept UTC+7 all year since 1975
            return (value - _SEVEN_HOURS).isoformat(" ")[:-6]
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    def _count(self, r: _Row, handling: int, life: _Life) -> None:
        add = self.rollup.add
        key = (handling, r.proc.procedure_id, r.channel, r.proc.online_level)
        add(key, R_SUBMITTED, r.submitted)
        if life.received_at is not None:
            add(key, R_RECEIVED, life.received_at)
        status = life.status
        if life.ended_at is not None:
            add(key, R_REFUSED if status == S.REFUSED else
                R_WITHDRAWN if status == S.WITHDRAWN else R_STOPPED, life.ended_at)
            if life.received_at is not None and status in (S.WITHDRAWN, S.STOPPED):
                add(key, R_LEFT_OPEN, life.ended_at)
        if life.resolved_at is not None:
            add(key, _RESOLVED_COUNTER[life.timeliness], life.resolved_at)
            add(key, R_LEFT_OPEN, life.resolved_at)
        if life.returned_at is not None:
            add(key, R_RETURNED, life.returned_at)
        if life.paid_at is not None:
            add(key, R_PAID_TOTAL, life.paid_at)
            if r.channel == Channel.ONLINE:
                add(key, R_PAID_ONLINE, life.paid_at)
        for action, _frm, _to, at, _agency, _comment in life.events:
            if action == "request_supplement":
                add(key, R_SUPPLEMENT, at)

    @transaction.atomic
    def store(self, prepared: tuple[list[Any], list[Any], list[Any]]) -> None:
        dossier_rows, event_rows, payment_rows = prepared
        self.dossiers.write(dossier_rows)
        self.events.write(event_rows)
        if payment_rows:
            self.payments.write(payment_rows)

    def prepare(self, batch: list[_Row]) -> tuple[list[Any], list[Any], list[Any]]:
        """The rows of a chunk, and its rollup counts."""
        ids = self.ids.take(len(batch))
        ts = self.ts
        prov = self.province_code
        mark, empty = self.mark, self.empty
        dossier_rows = []
        event_rows = []
        payment_rows = []
        for pk, r in zip(ids, batch, strict=True):
            life = r.life
            proc = r.proc
            step, role, at_desk = _PLACE[life.status]
            handling = proc.agency_id if proc.receiving == "centre" else r.desk.agency_id
            dossier_rows.append((
                pk, r.code, prov, proc.procedure_id, proc.version_id, r.channel, life.status,
                len(life.events), r.person.user_id, r.person.name, r.person.id_number, r.address,
                r.person.phone, r.unit_id, mark, handling, r.desk.agency_id,
                r.desk.agency_id if at_desk else handling, step, role, ts(r.submitted),
                ts(life.received_at), ts(life.due_at), ts(life.paused_at), life.resumed_status,
                ts(life.resolved_at), ts(life.returned_at), ts(life.ended_at), life.timeliness,
                life.end_reason, proc.fee,
            ))
            for action, frm, to, at, agency_id, comment in life.events:
                actor = r.person.name if agency_id is None else _ACTOR_OF[action]
                event_rows.append((pk, prov, ts(at), actor, agency_id, action, frm, to, comment,
                                   empty))
            self._count(r, handling, life)
            if life.payment_requested is not None:
                paid = life.paid_at is not None
                payment_rows.append((
                    pk, proc.fee, "before_processing",
                    Payment.State.PAID if paid else Payment.State.PENDING,
                    r.channel == Channel.ONLINE, f"{r.code}-1", f"DEMO{pk}" if paid else "",
                    ts(life.payment_requested), ts(life.paid_at),
                ))
        return dossier_rows, event_rows, payment_rows
