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
- **Deadlines** follow the real deadline engine (`calendar_for_province`), read once into
  whole-second tables (`_clock.Clock`, held equal to `add_working_time` and `shift_due` by a
  test): the clock starts at receipt, fee payment and supplement pauses move the due moment,
  and timeliness follows the services' rule (early: resolved on a day before the due day).
- **History**: a handful of DossierEvent rows per dossier (submit, receive, payment, forward,
  supplement, approve, return, or the end), consistent with the final status; a Payment row for
  each fee paid. Nothing past the end of the window: a dossier still in the works then is open.
- **Digitization and ratings** (the report gives no figures: `_constants`): an officer marks a
  received dossier's first mandatory component digitized for 50% of the year's first dossiers
  rising to 80% of its last (a DossierFile row, `is_digitized`, its bytes a hard link to one
  small PDF, `_scan`); a tenth of the returned dossiers are rated (a Rating, nine criteria 0-2,
  "total time" by the dossier's timeliness, most raters pleased: about 91% of the points),
  minutes to three days after the return. Both are counted in the rollup as generated.
- **Component reuse** (made up too: `_constants.REUSED_FROM/TO`): 4% of the year's first
  dossiers rising to 12% of its last are handed in by an applicant back with a component
  digitized for an earlier dossier within the same chunk of days (the reused file must be in
  the same transaction); the new row points to it (`reused_from`), its bytes the same scan, and
  the officer does not digitize that dossier again. Counted in the rollup (`reused`).
- **Electronic results** (`_results`, made up shares in `_constants`): a resolved dossier
  gets a result file (`Dossier.result_file`, a DossierFile of kind `result` uploaded at the
  approval) for 70% rising to 95% of the dossiers of agencies that sign their results, 20%
  rising to 40% elsewhere. Signing each would take a day of CPU at scale 1.0, so a load signs
  one template per signing agency (the leader's and the agency's signatures, as the services
  sign; the agency's stamp says `Kết quả mẫu`, not a dossier code) and every result's own path
  is a hard link to it; agencies never issued a certificate share one unsigned PDF, as the
  services keep their results unsigned. Counted in the rollup (`electronic_result`).
- **Codes** `<receiving agency code>-<yyMMdd>-<seq:04d>` in submission order per agency and day;
  DayCounter rows are raised to the last sequence so live submissions continue after them.

Writing: rows are made as the tuples the database takes (`_generate.Year`), in chunks of whole
days, and inserted with raw `executemany` on SQLite or binary `COPY` on PostgreSQL, each chunk
one transaction, by writer threads on their own connections while the next chunk is generated
(in line inside a transaction, e.g. in tests). The rollup rows (DossierStat) are counted while
generating, by the rules of `rollups.rollups_aggregate` (a test holds them equal), and written
with the first chunk after their day is complete. On PostgreSQL, when the role may (superuser)
and the tables have no triggers of their own, a chunk skips the per-row foreign-key triggers
and checks every reference of the chunk in bulk instead, locking the referenced rows as the
triggers would. Benchmarks: docs/benchmarks.md, "Demo dossiers".

A load stopped half-way leaves the chunks already written; the next run then sees demo
dossiers in the window and skips: run it again with `replace=True` (`--replace`).
"""


from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, models, transaction

from tinhso.core.audit import audit_record
from tinhso.core.calendar import TZ, calendar_for_province
from tinhso.onestop.demo import _parallel
from tinhso.onestop.demo._clock import Clock
from tinhso.onestop.demo._constants import (  # noqa: F401 - re-exported
    CHUNK,
    DEMO_MARK,
    LATE_RATE,
    MAX_SCALE,
    ONLINE_FROM,
    ONLINE_TO,
    PARALLEL_FROM,
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
from tinhso.onestop.demo._generate import ROLLUP_COUNTERS, Chunk, Year
from tinhso.onestop.demo._indexes import indexes_deferred
from tinhso.onestop.demo._model import _day_weights, _world, demo_window
from tinhso.onestop.demo._results import prepare_results
from tinhso.onestop.demo._scan import Scans
from tinhso.onestop.demo._writer import (
    _Background,
    _big_cache,
    _Ids,
    _Table,
    _triggers_skippable,
)
from tinhso.onestop.files import media_root
from tinhso.onestop.models import (
    DayCounter,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierStat,
    DossierStatAgencyDay,
    DossierStatMonth,
    Payment,
    Rating,
)

# --------------------------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------------------------

DOSSIER_COLUMNS = [
    "id", "code", "province_code", "procedure_id", "version_id", "channel", "status", "revision",
    "applicant_id", "applicant_name", "applicant_id_number", "applicant_address",
    "applicant_phone", "unit_id", "form_data", "agency_id", "receiving_agency_id",
    "current_agency_id", "current_step", "current_role", "submitted_at", "received_at",
    "due_at", "paused_at", "resumed_status", "resolved_at", "returned_at", "ended_at",
    "timeliness", "end_reason", "fee_total", "result_file_id",
]
EVENT_COLUMNS = ["dossier_id", "province_code", "at", "actor_name", "agency_id", "action",
                 "from_status", "to_status", "comment", "data"]
PAYMENT_COLUMNS = ["dossier_id", "amount", "stage", "state", "online", "reference",
                   "gateway_transaction", "created_at", "paid_at"]
FILE_COLUMNS = ["id", "dossier_id", "kind", "document_id", "name", "content_type", "size",
                "sha256", "storage_path", "uploaded_at", "is_digitized", "reused_from_id"]
RATING_COLUMNS = ["dossier_id", "scores", "total", "comment", "rated_at"]


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
    last_day = cutoff.date() if cutoff.timetz() != time(0, tzinfo=TZ) else \
        cutoff.date() - timedelta(days=1)

    # Deadlines (and late results) reach past the window: the clock covers them.
    longest = max(p.seconds for p in world.procs) // cal.day_length.seconds
    clock = Clock(cal, first, len(days) + 2 * longest + 90)
    writer = _Writer(province_code, first, last_day)
    cutoff_at = clock.of(cutoff)
    # Small loads in a few chunks too, so a progress bar moves.
    chunk = CHUNK if expected_submitted >= 2 * CHUNK else max(min(CHUNK, 2_000),
                                                              round(expected_submitted / 10))
    plan = _plan_days(weights, expected_submitted, days, last_day)

    def generate(gen: Year, plan: list[tuple[int, int, bool]],
                 flush: Callable[[Chunk], None]) -> None:
        for k, n, working in plan:
            gen.day(k, n, working)
            if len(gen.chunk.dossiers) >= chunk:
                flush(gen.take(k + 1))
        flush(gen.take(len(days) + 1))

    # Into nearly empty tables, index upkeep row by row would cost most of the database's
    # time: the plain indexes are set aside and built once at the end (`_indexes`).
    from tinhso.onestop.rollups import rollups_agency_days_rebuild, rollups_months_rebuild

    deferrable = (*LOADED, *ALSO_LOADED) if connection.vendor == "postgresql" else LOADED
    with indexes_deferred(deferrable, rows=int(expected_submitted)) as deferred:
        if expected_submitted >= PARALLEL_FROM and _parallel.possible():
            created, seq_last = _in_parallel(writer, plan, world, clock, rng, cutoff_at,
                                             len(days), generate, progress)
        else:
            created, seq_last = _in_line(writer.year(world, clock, rng, cutoff_at, len(days)),
                                         writer, plan, generate, progress)
        writer.counters_save(seq_last)
        # The summaries only read the rollup rows: the indexes are built meanwhile, and the
        # planner's statistics taken after them.
        deferred.restore_soon(then=_analyze)
        # Months from the days by agency: every day of the window was just counted again, the
        # days of its first and last months outside it already agreed (`tinhso stats verify`).
        rollups_agency_days_rebuild(province_code=province_code, day_from=first,
                                    day_to=last_day)
        rollups_months_rebuild(province_code=province_code, day_from=first, day_to=last_day,
                               from_agency_days=True)
        _analyze(DossierStatAgencyDay, DossierStatMonth, DayCounter)  # just rebuilt or raised
    with transaction.atomic():
        audit_record(actor=None, action="onestop.demo_load", object_type="onestop.dossier",
                     object_id=f"demo:{province_code}:{first.isoformat()}",
                     data={"created": created, "scale": scale, "from": first.isoformat(),
                           "to": last_day.isoformat(), "seed": seed})
    return created


def _plan_days(weights: list[tuple[float, bool]], expected: float, days: list[date],
               last_day: date) -> list[tuple[int, int, bool]]:
    """How many dossiers each day of the window gets: (day index, count, working day?)."""
    wsum = sum(w for w, _ in weights)
    plan, acc, done = [], 0.0, 0
    for k, (w, working) in enumerate(weights):
        acc += expected * w / wsum
        n = round(acc) - done
        done += n
        if days[k] <= last_day and n > 0:
            plan.append((k, n, working))
    return plan


def _in_line(gen: Year, writer: _Writer, plan: list[tuple[int, int, bool]],
             generate: Callable[..., None], progress: Callable[[int], Any] | None,
             ) -> tuple[int, dict[tuple[int, date], int]]:
    """This process makes the year; chunks are written by writer threads where possible."""
    background = _Background(writer.store) if _Background.possible() else None
    created = 0

    def flush(made: Chunk) -> None:
        nonlocal created
        if background:
            background.put(made)
        else:
            writer.store(made)
        created += len(made.dossiers)
        if progress and made.dossiers:
            progress(len(made.dossiers))

    try:
        generate(gen, plan, flush)
    finally:
        if background:
            background.close()
    return created, gen.seq_last


def _in_parallel(writer: _Writer, plan: list[tuple[int, int, bool]], world: Any, clock: Clock,
                 rng: random.Random, cutoff_at: int, n_days: int, generate: Callable[..., None],
                 progress: Callable[[int], Any] | None,
                 ) -> tuple[int, dict[tuple[int, date], int]]:
    """PARTS processes make runs of days (`_parallel`); their rollup counts for each other's
    days are staged and added at the end."""
    qn = connection.ops.quote_name
    stage = f"onestop_demo_spill_{writer.province_code}_{os.getpid()}"
    target = DossierStat._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(stage)}")
        cursor.execute(f"CREATE UNLOGGED TABLE {qn(stage)} AS SELECT "  # noqa: S608
                       f"{', '.join(qn(c) for c in writer.stats.columns)} "
                       f"FROM {qn(target)} WITH NO DATA")
    try:
        writer.spill_to(stage)
        made = _parallel.run(
            plan, rng=rng, progress=progress, store=writer.store, generate=generate,
            make_year=lambda r, spill_from: writer.year(world, clock, r, cutoff_at, n_days,
                                                        spill_from=spill_from))
        _parallel.merge_spill(stage, target, group=STAT_COLUMNS[:6],
                              counters=list(ROLLUP_COUNTERS),
                              conflict=["day", "agency_id", "procedure_id", "channel",
                                        "online_level"])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {qn(stage)}")
    return made


# The tables a load writes, the dossiers first (their row count decides whether the plain
# indexes are set aside while loading).
LOADED = (Dossier, DossierEvent, Payment, DossierStat)
# Written too; their indexes are set aside on PostgreSQL only: fewer rows (0.65 components and
# 0.1 ratings a dossier, against four to five events), and looking up a table's indexes costs
# SQLite ~80 ms a table (sqlparse), more than their upkeep at `tinhso demo`'s scale.
ALSO_LOADED = (DossierFile, Rating)

STAT_COLUMNS = ["day", "province_code", "agency_id", "procedure_id", "channel", "online_level",
                *ROLLUP_COUNTERS]


class _Writer:
    """Where the generated rows go: the tables, the dossier keys, what is already stored
    for the window (rollup rows and day counters of live dossiers)."""

    def __init__(self, province_code: str, first: date, last: date) -> None:
        self.province_code = province_code
        self.first, self.last = first, last
        self.pg = connection.vendor == "postgresql"
        # PostgreSQL: moments and JSON in the server's binary forms (`_Table`, `Clock.pg`).
        self.dossiers = _Table(Dossier, DOSSIER_COLUMNS, raw=True)
        self.events = _Table(DossierEvent, EVENT_COLUMNS, raw=True)
        self.payments = _Table(Payment, PAYMENT_COLUMNS, raw=True)
        self.files = _Table(DossierFile, FILE_COLUMNS, raw=True)
        self.ratings = _Table(Rating, RATING_COLUMNS, raw=True)
        self.stats = _Table(DossierStat, STAT_COLUMNS)
        self.ids = _Ids(Dossier)
        self.file_ids = _Ids(DossierFile)
        self.spill: _Table | None = None
        tables = [t.table for t in (self.dossiers, self.events, self.payments, self.files,
                                    self.ratings, self.stats)]
        self.bulk_checks = self.pg and _triggers_skippable(tables)
        self.scans = Scans(media_root())  # the digitized components' bytes (`_scan`)
        self.scans.prepare()
        self.results = prepare_results(province_code, media_root())  # (`_results`)
        self.day_counters = {
            (a, d): n for a, d, n in DayCounter.objects.filter(
                agency__province_code=province_code, day__gte=first, day__lte=last,
            ).values_list("agency_id", "day", "last")
        }

    def spill_to(self, table: str) -> None:
        """Write the chunks' spilled rollup rows (`Chunk.spill`) to that staging table."""
        self.spill = _Table(DossierStat, STAT_COLUMNS, table=table)

    def year(self, world: Any, clock: Clock, rng: random.Random, cutoff: int,
             n_days: int, spill_from: int | None = None) -> Year:
        stored = dict(
            ((day, a, p, c, level), pk) for pk, day, a, p, c, level in DossierStat.objects.filter(
                province_code=self.province_code, day__gte=self.first, day__lte=self.last,
            ).values_list("pk", "day", "agency_id", "procedure_id", "channel", "online_level")
        )
        return Year(
            world=world, clock=clock, rng=rng, cutoff=cutoff, province_code=self.province_code,
            n_days=n_days, stamp=clock.pg if self.pg else clock.sqlite,
            day_value=_day_value, ids=self.ids.take,
            mark=self.dossiers.json(DEMO_MARK), empty=self.events.json({}), stored=stored,
            seq_start=self.day_counters, spill_from=spill_from, scores_json=self.ratings.json,
            file_ids=self.file_ids.take, results=self.results,
        )

    @transaction.atomic
    def store(self, chunk: Chunk) -> None:
        if self.pg:
            with connection.cursor() as cursor:
                # Demo rows: a crash may lose the last chunks, never mix them up.
                cursor.execute("SET LOCAL synchronous_commit = off")
                if self.bulk_checks:
                    cursor.execute("SET LOCAL session_replication_role = replica")
        # The files' bytes before the rows that name them.
        self.scans.link(row[8] for row in chunk.files if row[2] == "component")
        root = media_root()
        for template, paths in _by_template(chunk.results).items():
            self.scans.link(paths, source=root / template)
        written = [(self.dossiers, chunk.dossiers), (self.events, chunk.events),
                   (self.payments, chunk.payments), (self.files, chunk.files),
                   (self.ratings, chunk.ratings), (self.stats, chunk.stats)]
        for table, rows in written:
            if rows:
                table.write(rows)
        if chunk.spill:
            if self.spill is None:
                raise RuntimeError("rollup rows spilled with nowhere to stage them")
            self.spill.write(chunk.spill)
        if chunk.stat_updates:
            qn = connection.ops.quote_name
            sets = ", ".join(f"{qn(c)} = {qn(c)} + %s" for c in ROLLUP_COUNTERS)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {qn(DossierStat._meta.db_table)} SET {sets} "  # noqa: S608
                    "WHERE id = %s", chunk.stat_updates)
        if self.bulk_checks:
            keys = {self.dossiers.table: {row[0] for row in chunk.dossiers}}
            for table, rows in written:
                table.check_references(rows, written=keys)

    def counters_save(self, last: dict[tuple[int, date], int]) -> None:
        """Raise the day counters to the last sequence given out (live ones continue)."""
        existing = self.day_counters
        changed = {k: v for k, v in last.items() if existing.get(k) != v}
        if not changed:
            return
        table = connection.ops.quote_name(DayCounter._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            update = [(n, a, _day_value(d)) for (a, d), n in changed.items() if (a, d) in existing]
            if update:
                column = connection.ops.quote_name("last")
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE agency_id = %s AND day = %s",  # noqa: S608
                    update)
            _Table(DayCounter, ["agency_id", "day", "last"]).write(
                (a, _day_value(d), n) for (a, d), n in changed.items() if (a, d) not in existing)
        existing.update(changed)


def _by_template(links: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for template, path in links:
        out.setdefault(template, []).append(path)
    return out


def _day_value(d: date) -> Any:
    return d if connection.vendor == "postgresql" else d.isoformat()  # as Django stores it


def _analyze(*tables: type[models.Model]) -> None:
    """A year written in one go leaves PostgreSQL's planner statistics stale until autovacuum
    runs (or never, where it is off): without them the queue and statistics queries chose plans
    tens of times slower (docs/benchmarks.md). `tables`: those (default: the tables
    written by COPY; the summaries are analysed once rebuilt). SQLite needs nothing."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables or (*LOADED, *ALSO_LOADED):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
