"""A year of dossiers made straight into the rows the writer sends: dossiers, their events and
payments, and the rollup counters, every moment an integer of the demo `Clock`.

Why not objects: a year is a million dossiers, four million events and a million rollup
counters; building each row once, as the tuple COPY or executemany takes, is what lets
generation keep pace with the database (docs/benchmarks.md, "Demo dossiers")."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from tinhso.catalog.models import OnlineLevel
from tinhso.directory.models import Role
from tinhso.onestop.demo._clock import DAY, Clock
from tinhso.onestop.demo._constants import (
    DIGITIZED_FROM,
    DIGITIZED_TO,
    E_RESULT_PLAIN_FROM,
    E_RESULT_PLAIN_TO,
    E_RESULT_SIGNED_FROM,
    E_RESULT_SIGNED_TO,
    LATE_MOOD_SHIFT,
    LATE_RATE,
    MOODS,
    ONLINE_FROM,
    ONLINE_TO,
    POSTAL,
    RATED,
    REFUSED_AT_INTAKE,
    REUSED_FROM,
    REUSED_TO,
    STOPPED,
    SUPPLEMENT,
    WITHDRAWN,
    WITHDRAWN_BEFORE_RECEIPT,
)
from tinhso.onestop.demo._model import (
    _ACTOR_OF,
    HAMLETS,
    REFUSE_REASONS,
    SEASONS,
    STOP_REASONS,
    SUPPLEMENT_REASON,
    WITHDRAW_REASONS,
    _cumulate,
    _Person,
    _Proc,
    _World,
)
from tinhso.onestop.demo._results import RESULT_NAME, Results, result_path
from tinhso.onestop.demo._scan import SCAN_SHA256, SCAN_SIZE, scan_path
from tinhso.onestop.status import Channel, Status, Timeliness

S = Status
ONLINE, POSTAL_CHANNEL, IN_PERSON = Channel.ONLINE, Channel.POSTAL, Channel.IN_PERSON
SEQ = [f"{i:04d}" for i in range(10_000)]

ROLLUP_COUNTERS = (
    "submitted", "received", "refused", "resolved_early", "resolved_on_time", "resolved_late",
    "returned", "withdrawn", "stopped", "supplement_requested", "paid_online", "paid_total",
    "left_open", "electronic_result", "digitized", "rated", "rating_points", "reused",
)
(R_SUBMITTED, R_RECEIVED, R_REFUSED, R_EARLY, R_ON_TIME, R_LATE, R_RETURNED, R_WITHDRAWN,
 R_STOPPED, R_SUPPLEMENT, R_PAID_ONLINE, R_PAID_TOTAL, R_LEFT_OPEN, R_ELECTRONIC, R_DIGITIZED,
 R_RATED, R_POINTS, R_REUSED) = range(len(ROLLUP_COUNTERS))
_RESOLVED: dict[str, int] = {Timeliness.EARLY: R_EARLY, Timeliness.ON_TIME: R_ON_TIME, Timeliness.LATE: R_LATE}

# Where the dossier sits in the default workflow, by status: (step, role, at the desk?).
PLACE: dict[int, tuple[int, str, bool]] = {
    S.SUBMITTED: (0, Role.ONESTOP_OFFICER, True), S.RECEIVED: (0, Role.ONESTOP_OFFICER, True),
    S.PAYING: (0, Role.ONESTOP_OFFICER, True), S.REFUSED: (0, Role.ONESTOP_OFFICER, True),
    S.PROCESSING: (1, Role.SPECIALIST, False), S.SUPPLEMENT: (1, Role.SPECIALIST, False),
    S.WITHDRAWN: (1, Role.SPECIALIST, False), S.STOPPED: (1, Role.SPECIALIST, False),
    S.RESULT_READY: (3, Role.ONESTOP_OFFICER, True), S.RETURNED: (3, Role.ONESTOP_OFFICER, True),
}
_OPEN_1, _MORNING, _OPEN_2 = 7 * 60, 270, 13 * 60 + 30  # office periods, minutes of the day

# The rating's criteria in the order of the services (`RATING_INDICATORS`); "total_time" is
# scored by the dossier's timeliness.
CRITERIA = ("procedure_public", "documents_count", "forms", "fees", "contacts", "total_time",
            "attitude", "guidance", "result")
_TOTAL_TIME = CRITERIA.index("total_time")
_TIME_SCORE: dict[str, int] = {Timeliness.EARLY: 2, Timeliness.ON_TIME: 1, Timeliness.LATE: 0}
RATING_COMMENTS = ("Cán bộ hướng dẫn nhiệt tình, dễ hiểu.", "Giải quyết nhanh, đúng hẹn.",
                   "Phải đi lại nhiều lần để bổ sung giấy tờ.", "Thời gian chờ ở bộ phận một "
                   "cửa còn lâu.")

# A planned life: status, received, due, paused, resumed status, resolved, returned, ended,
# timeliness, end reason, paid, payment requested, supplement asked (moments or None).
Life = tuple[int, int | None, int | None, int | None, int | None, int | None, int | None,
             int | None, str, str, int | None, int | None, int | None]


class Chunk:
    """The rows of whole days, ready for the writer."""

    def __init__(self) -> None:
        self.dossiers: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.payments: list[tuple[Any, ...]] = []
        # Digitized and reused components, electronic results (`FILE_COLUMNS`).
        self.files: list[tuple[Any, ...]] = []
        self.results: list[tuple[str, str]] = []  # (template path, result path) to link
        self.ratings: list[tuple[Any, ...]] = []
        self.stats: list[tuple[Any, ...]] = []  # rollup rows of the days now complete
        self.stat_updates: list[tuple[Any, ...]] = []  # (counts..., id) for stored rows
        # Rollup rows of days another process writes (`Year.spill_from`): added at the end.
        self.spill: list[tuple[Any, ...]] = []


class Year:
    """Makes the year day by day. `stamp` turns a clock moment into what the database takes;
    `ids(n)` hands out dossier primary keys; `stored` maps rollup keys already in the
    database (live dossiers) to their row id; `seq_start` the day counters already used.
    `spill_from`: the first day whose rollup rows belong to another process (`_parallel`):
    this one's counts for those days go to `Chunk.spill`, to be added at the end."""

    def __init__(self, *, world: _World, clock: Clock, rng: random.Random, cutoff: int,
                 province_code: str, n_days: int, stamp: Callable[[int | None], Any],
                 day_value: Callable[[date], Any], ids: Callable[[int], list[int]],
                 mark: Any, empty: Any, stored: dict[tuple[Any, ...], int],
                 seq_start: dict[tuple[int, date], int], spill_from: int | None = None,
                 scores_json: Callable[[dict[str, int]], Any] | None = None,
                 file_ids: Callable[[int], list[int]] | None = None,
                 results: Results | None = None) -> None:
        self.world, self.clock, self.rng, self.cutoff = world, clock, rng, cutoff
        self.prov = province_code
        self.n_days = n_days
        self.stamp, self.day_value, self.ids = stamp, day_value, ids
        self.mark, self.empty = mark, empty
        self.scores_json = scores_json or (lambda v: v)
        self.scores: dict[tuple[int, ...], Any] = {}  # scores -> their JSON as rows carry it
        self.digitized_share = DIGITIZED_FROM
        self.reused_share = REUSED_FROM
        self.signed_share, self.plain_share = E_RESULT_SIGNED_FROM, E_RESULT_PLAIN_FROM
        self.file_ids = file_ids
        self.file_pool: list[int] = []
        self.results = results
        # The chunk's digitized components an applicant may reuse (the file must be written
        # in the same transaction): (person, file id, name, uploaded at), by pool.
        self.reusable: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]] = ([], [])
        self.stored = stored
        self.seq_start = seq_start
        self.spill_from = n_days + 2 if spill_from is None else spill_from
        self.seq_last: dict[tuple[int, date], int] = {}
        self.late_debt = 0.0
        self.stat: list[dict[tuple[int, int, int, str], list[int]]] = [
            {} for _ in range(n_days + 2)]
        self.flushed = 0  # rollup days before this one have been handed to a chunk
        self.by_month = [self._month_weights(m) for m in range(12)]
        self.people = [_row_of(p) for p in world.people]
        self.businesses = [_row_of(p) for p in world.businesses]
        self.accounts = [_row_of(p) for p in world.accounts]
        centre = world.centre.unit_name
        self.addresses = [[f"{h} {i}, {c.unit_name}, tỉnh {centre}" for h in HAMLETS
                           for i in range(1, 16)] for c in world.communes]
        self.chunk = Chunk()

    def _month_weights(self, month: int) -> tuple[list[_Proc], list[float]]:
        procs = [p for ps in self.world.by_category.values() for p in ps]
        return procs, list(_cumulate(p.weight * SEASONS[p.category][month] for p in procs))

    # -- days ----------------------------------------------------------------------------------

    def day(self, k: int, n: int, working: bool) -> None:
        """Add `n` dossiers submitted on day `k` of the window (fewer if the cutoff is that
        day) to the current chunk."""
        d = self.clock.first + timedelta(days=k)
        drafts = self._drafts(k, d, n, working)
        if not drafts:
            return
        world, rng, chunk = self.world, self.rng, self.chunk
        random = rng.random
        communes, commune_cum = world.communes, world.commune_cum
        top = commune_cum[-1]
        yymmdd = f"{d:%y%m%d}"
        prefixes: dict[int, str] = {}
        seqs: dict[int, int] = {}
        people, businesses, accounts = self.people, self.businesses, self.accounts
        n_people, n_businesses, n_accounts = len(people), len(businesses), len(accounts)
        centre = world.centre
        progress = k / max(1, self.n_days - 1)
        self.digitized_share = DIGITIZED_FROM + (DIGITIZED_TO - DIGITIZED_FROM) * progress
        self.reused_share = REUSED_FROM + (REUSED_TO - REUSED_FROM) * progress
        self.signed_share = (E_RESULT_SIGNED_FROM
                             + (E_RESULT_SIGNED_TO - E_RESULT_SIGNED_FROM) * progress)
        self.plain_share = E_RESULT_PLAIN_FROM + (E_RESULT_PLAIN_TO - E_RESULT_PLAIN_FROM) * progress
        reusable_people, reusable_businesses = self.reusable
        ids = self.ids(len(drafts))
        for pk, (at, proc, channel) in zip(ids, drafts, strict=True):
            ci = bisect_right(commune_cum, random() * top)
            commune = communes[ci]
            desk = commune if proc.receiving == "commune" else centre
            # An applicant back with a component digitized for an earlier dossier reuses it.
            pool = reusable_businesses if proc.business else reusable_people
            reuse = None
            if pool and random() < self.reused_share:
                candidate = pool[int(random() * len(pool))]
                if candidate[3] < at:
                    reuse = candidate
            if reuse is not None:
                person = reuse[0]
            elif proc.business:
                person = businesses[int(random() * n_businesses)]
            elif n_accounts and channel == ONLINE and random() < 0.01:
                person = accounts[int(random() * n_accounts)]
            else:
                person = people[int(random() * n_people)]
            desk_id = desk.agency_id
            seq = seqs.get(desk_id)
            if seq is None:
                seq = self.seq_start.get((desk_id, d), 0)
                prefixes[desk_id] = f"{desk.code}-{yymmdd}-"
            seq += 1
            seqs[desk_id] = seq
            address = self.addresses[ci][int(random() * 75)]
            self._dossier(pk, proc, channel, at, desk_id, prefixes[desk_id] + SEQ[seq],
                          person, commune.unit_id, address, chunk, reuse)
        for desk_id, seq in seqs.items():
            self.seq_last[(desk_id, d)] = seq

    def _drafts(self, k: int, d: date, n: int, working: bool) -> list[tuple[int, _Proc, int]]:
        """When, which procedure and by which channel: sorted by the moment of submission."""
        rng = self.rng
        random = rng.random
        procs, cum = self.by_month[d.month - 1]
        online_share = ONLINE_FROM + (ONLINE_TO - ONLINE_FROM) * k / max(1, self.n_days - 1)
        share_full, share_part = online_share * 1.15, online_share * 0.6
        full = OnlineLevel.FULL
        base = k * DAY
        cutoff = self.cutoff
        drafts: list[tuple[int, _Proc, int]] = []
        for proc in rng.choices(procs, cum_weights=cum, k=n):
            if not working:
                channel = ONLINE
            else:
                u = random()
                share = share_full if proc.online_level == full else share_part
                channel = (ONLINE if u < share else
                           POSTAL_CHANNEL if u < share + POSTAL else IN_PERSON)
            if channel == ONLINE and (not working or random() < 0.3):
                minute = 360 + int(random() * 1020)  # 06:00-22:59
            else:
                u = random()
                u = u * u if random() < 0.3 else u  # a little more in the morning
                m = int(u * 480)
                minute = _OPEN_1 + m if m < _MORNING else _OPEN_2 + m - _MORNING
            at = base + minute * 60 + int(random() * 60)
            if at <= cutoff:
                drafts.append((at, proc, channel))
        drafts.sort(key=itemgetter(0))
        return drafts

    # -- one dossier ---------------------------------------------------------------------------

    def _dossier(self, pk: int, proc: _Proc, channel: int, submitted: int, desk_id: int,
                 code: str, person: tuple[int | None, str, str, str], unit_id: int,
                 address: str, chunk: Chunk, reuse: tuple[Any, ...] | None = None) -> None:
        handling = proc.agency_id if proc.receiving == "centre" else desk_id
        events = chunk.events
        before = len(events)
        life = self._plan(pk, proc, channel, submitted, desk_id, handling, person[1], events)
        (status, received, due, paused, resumed, resolved, returned, ended, timeliness,
         reason, paid, requested, asked) = life
        step, role, at_desk = PLACE[status]
        st = self.stamp
        submitted_value, received_value = st(submitted), st(received)
        random = self.rng.random
        # The electronic result: a file attached at the approval (`_results`).
        result_id = None
        if resolved is not None and self.results is not None:
            blob = self.results.of(handling)
            if blob is not None and random() < (self.signed_share if blob.signed
                                                else self.plain_share):
                result_id = self._file_id()
                path = result_path(pk)
                chunk.files.append((result_id, pk, "result", None, RESULT_NAME,
                                    "application/pdf", blob.size, blob.sha256, path,
                                    st(resolved), False, None))
                chunk.results.append((blob.path, path))
        chunk.dossiers.append((
            pk, code, self.prov, proc.procedure_id, proc.version_id, channel, status,
            len(events) - before, person[0], person[1], person[2], address, person[3], unit_id,
            self.mark, handling, desk_id, desk_id if at_desk else handling, step, role,
            submitted_value, received_value, st(due), st(paused), resumed, st(resolved),
            st(returned), st(ended), timeliness, reason, proc.fee, result_id,
        ))
        if requested is not None:
            chunk.payments.append((
                pk, proc.fee, "before_processing", "paid" if paid is not None else "pending",
                channel == ONLINE, f"{code}-1", f"DEMO{pk}" if paid is not None else "",
                st(requested), st(paid),
            ))
        # A reused component comes with the submission; otherwise an officer marks the
        # components digitized at receipt; the applicant may rate the service once the result
        # is returned (never past the cutoff).
        if reuse is not None:
            chunk.files.append((
                self._file_id(), pk, "component", proc.document_id, reuse[2], "application/pdf",
                SCAN_SIZE, SCAN_SHA256, scan_path(pk, 2), submitted_value,
                True, reuse[1],
            ))
        digitized = reuse is None and received is not None and random() < self.digitized_share
        if digitized:
            file_id = self._file_id()
            uploaded = submitted if channel == ONLINE else received
            chunk.files.append((
                file_id, pk, "component", proc.document_id, proc.file_name, "application/pdf",
                SCAN_SIZE, SCAN_SHA256, scan_path(pk), st(uploaded), True, None,
            ))
            self.reusable[1 if proc.business else 0].append(
                (person, file_id, proc.file_name, uploaded))
        rating = None
        if returned is not None and random() < RATED:
            rated = returned + 600 + int(random() * 3 * 86_400)
            if rated <= self.cutoff:
                rating = (rated, self._rating(pk, st(rated), timeliness, chunk))
        self._count((handling, proc.procedure_id, channel, proc.online_level), channel,
                    submitted, life, digitized, rating, reuse is not None, result_id is not None)

    def _file_id(self) -> int:
        pool = self.file_pool
        if not pool:
            if self.file_ids is None:
                raise RuntimeError("files made with no file keys to give them")
            pool.extend(reversed(self.file_ids(2_000)))
        return pool.pop()

    def _rating(self, pk: int, rated_at: Any, timeliness: str, chunk: Chunk) -> int:
        """The applicant's nine scores (0-2): most raters are pleased; a late result makes
        an unhappy one likelier. Returns the total."""
        random = self.rng.random
        u = random()
        if timeliness == Timeliness.LATE:
            u = max(0.0, u - LATE_MOOD_SHIFT)
        two, one = MOODS[-1][1]
        for share, chances in MOODS:
            if u < share:
                two, one = chances
                break
            u -= share
        scores = [2 if (v := random()) < two else 1 if v < one else 0 for _ in CRITERIA]
        scores[_TOTAL_TIME] = _TIME_SCORE[timeliness]
        key = tuple(scores)
        value = self.scores.get(key)
        if value is None:
            value = self.scores[key] = self.scores_json(dict(zip(CRITERIA, key, strict=True)))
        total = sum(key)
        comment = (RATING_COMMENTS[int(random() * len(RATING_COMMENTS))]
                   if random() < 0.1 else "")
        chunk.ratings.append((pk, value, total, comment, rated_at))
        return total

    def _count(self, key: tuple[int, int, int, str], channel: int, submitted: int,
               life: Life, digitized: bool = False,
               rating: tuple[int, int] | None = None, reused: bool = False,
               electronic: bool = False) -> None:
        """The rollup counters of one dossier, by the rules of `rollups_aggregate`;
        `rating`: (when, points)."""
        (status, received, _due, _paused, _resumed, resolved, returned, ended, timeliness,
         _reason, paid, _requested, asked) = life
        stat = self.stat

        def add(at: int, counter: int, n: int = 1) -> None:
            day = stat[at // DAY]
            row = day.get(key)
            if row is None:
                row = day[key] = [0] * len(ROLLUP_COUNTERS)
            row[counter] += n

        add(submitted, R_SUBMITTED)
        if received is not None:
            add(received, R_RECEIVED)
        if ended is not None:
            add(ended, R_REFUSED if status == S.REFUSED else
                R_WITHDRAWN if status == S.WITHDRAWN else R_STOPPED)
            if received is not None and status in (S.WITHDRAWN, S.STOPPED):
                add(ended, R_LEFT_OPEN)
        if resolved is not None:
            add(resolved, _RESOLVED[timeliness])
            add(resolved, R_LEFT_OPEN)
            if electronic:
                add(resolved, R_ELECTRONIC)
        if returned is not None:
            add(returned, R_RETURNED)
        if paid is not None:
            add(paid, R_PAID_TOTAL)
            if channel == ONLINE:
                add(paid, R_PAID_ONLINE)
        if asked is not None:
            add(asked, R_SUPPLEMENT)
        if digitized:
            add(submitted, R_DIGITIZED)
        if rating is not None:
            add(rating[0], R_RATED)
            add(rating[0], R_POINTS, rating[1])
        if reused:
            add(submitted, R_REUSED)

    def _plan(self, pk: int, proc: _Proc, channel: int, submitted: int, desk_id: int,
              agency_id: int, applicant: str, events: list[tuple[Any, ...]]) -> Life:
        """The dossier's history up to the cutoff, as events appended to `events`, and its
        fields then. Recorded events: submit, receive, approve, return_result (or refuse /
        withdraw / stop), request_supplement and supply; the hand-over to processing and the
        payment request only when the dossier is still in them at the cutoff (the history
        stays short: events are most of the rows). Deadlines: the clock starts at receipt,
        the fee payment and a supplement pause move the due moment."""
        random = self.rng.random
        clock, cutoff = self.clock, self.cutoff
        add = clock.add
        st, prov, empty = self.stamp, self.prov, self.empty

        def event(action: str, frm: int | None, to: int, at: int, agency: int | None,
                  comment: str = "") -> None:
            actor = applicant if agency is None else _ACTOR_OF[action]
            events.append((pk, prov, st(at), actor, agency, action, frm, to, comment, empty))

        event("submit", None, S.SUBMITTED, submitted, None)
        # Intake: at once at the desk, within a few working hours otherwise.
        received = (submitted if channel == IN_PERSON else
                    add(submitted, 60 * (10 + int(random() * 351))))
        u = random()
        if u < REFUSED_AT_INTAKE + WITHDRAWN_BEFORE_RECEIPT:
            if received > cutoff:
                return (S.SUBMITTED, None, None, None, None, None, None, None, "", "", None,
                        None, None)
            refused = u < REFUSED_AT_INTAKE
            reasons = REFUSE_REASONS if refused else WITHDRAW_REASONS
            reason = reasons[int(random() * len(reasons))]
            to = S.REFUSED if refused else S.WITHDRAWN
            event("refuse" if refused else "withdraw", S.SUBMITTED, to, received,
                  desk_id if refused else None, reason)
            return (to, None, None, None, None, None, None, received, "", reason, None, None,
                    None)
        if received > cutoff:
            return (S.SUBMITTED, None, None, None, None, None, None, None, "", "", None, None,
                    None)
        event("receive", S.SUBMITTED, S.RECEIVED, received, desk_id)
        duration = proc.seconds
        due = add(received, duration)

        # Fees, paid right after receipt (online through the gateway, at the desk in cash).
        t = received
        paid = requested = None
        if proc.fee:
            requested = t
            paid = t + 60 * (2 + int(random() * (239 if channel == ONLINE else 14)))
            if paid > cutoff:
                event("request_payment", S.RECEIVED, S.PAYING, t, desk_id)
                return (S.PAYING, received, due, t, S.RECEIVED, None, None, None, "", "",
                        None, requested, None)
            due = clock.shift(due, t, paid)
            t = paid

        # What becomes of it: a result (early, on time or late), or an end.
        u = random()
        ending = S.WITHDRAWN if u < WITHDRAWN else S.STOPPED if u < WITHDRAWN + STOPPED else 0
        late = False
        if not ending:
            self.late_debt += LATE_RATE
            if self.late_debt >= 1 and random() < proc.late:
                late = True
                self.late_debt -= 1
        if late:
            budget = duration + 60 * (30 + int(random() * 2851))
        else:
            budget = min(max(int(duration * random() ** 1.7), 1200), duration)
        status = S.RECEIVED
        if ending:
            at = add(t, int(budget * random()))
            if at > cutoff:
                return self._processing(pk, received, due, t, desk_id, paid, requested, event)
            reasons = WITHDRAW_REASONS if ending == S.WITHDRAWN else STOP_REASONS
            reason = reasons[int(random() * len(reasons))]
            event("withdraw" if ending == S.WITHDRAWN else "stop", S.PROCESSING, ending, at,
                  None if ending == S.WITHDRAWN else agency_id, reason)
            return (ending, received, due, None, None, None, None, at, "", reason, paid,
                    requested, None)

        asked = None
        if random() < SUPPLEMENT:
            part = int(budget * (0.1 + 0.6 * random()))
            asked = add(t, part)
            if asked > cutoff:
                return self._processing(pk, received, due, t, desk_id, paid, requested, event)
            budget -= part
            event("request_supplement", S.PROCESSING, S.SUPPLEMENT, asked, agency_id,
                  SUPPLEMENT_REASON)
            supplied = add(asked, 60 * (60 + int(random() * 2821)))
            if supplied > cutoff:
                return (S.SUPPLEMENT, received, due, asked, S.PROCESSING, None, None, None, "",
                        "", paid, requested, asked)
            due = clock.shift(due, asked, supplied)
            event("supply", S.SUPPLEMENT, S.PROCESSING, supplied, None)
            t = supplied
            status = S.PROCESSING

        resolved = add(t, budget)
        if resolved > cutoff:
            if status == S.PROCESSING:
                return (S.PROCESSING, received, due, None, None, None, None, None, "", "",
                        paid, requested, asked)
            return self._processing(pk, received, due, t, desk_id, paid, requested, event)
        event("approve", S.PROCESSING, S.RESULT_READY, resolved, agency_id)
        timeliness = (Timeliness.EARLY if resolved // DAY < due // DAY else
                      Timeliness.ON_TIME if resolved <= due else Timeliness.LATE)
        if channel == ONLINE and proc.online_level == OnlineLevel.FULL:
            returned = resolved + 60 * (1 + int(random() * 30))
        else:
            returned = add(resolved, 60 * (30 + int(random() * 1411)))
        if returned > cutoff:
            return (S.RESULT_READY, received, due, None, None, resolved, None, None, timeliness,
                    "", paid, requested, asked)
        event("return_result", S.RESULT_READY, S.RETURNED, returned, desk_id)
        return (S.RETURNED, received, due, None, None, resolved, returned, None, timeliness, "",
                paid, requested, asked)

    def _processing(self, pk: int, received: int, due: int, t: int, desk_id: int,
                    paid: int | None, requested: int | None,
                    event: Callable[..., None]) -> Life:
        """Still being processed at the cutoff: record the hand-over that put it there."""
        event("forward", S.RECEIVED, S.PROCESSING, min(t + 300, self.cutoff), desk_id)
        return (S.PROCESSING, received, due, None, None, None, None, None, "", "", paid,
                requested, None)

    # -- chunks --------------------------------------------------------------------------------

    def take(self, complete_before: int) -> Chunk:
        """The current chunk, with the rollup rows of the days before `complete_before` (no
        dossier made later can count on them: every moment is at or after submission)."""
        chunk, self.chunk = self.chunk, Chunk()
        for pool in self.reusable:  # the next chunk is another transaction
            pool.clear()
        stored, prov = self.stored, self.prov
        first = self.clock.first
        for k in range(self.flushed, min(complete_before, len(self.stat))):
            rows = self.stat[k]
            if not rows:
                continue
            self.stat[k] = {}
            day = first + timedelta(days=k)
            value = self.day_value(day)
            if k >= self.spill_from:
                chunk.spill.extend((value, prov, *key, *counts) for key, counts in rows.items())
                continue
            for key, counts in rows.items():
                pk = stored.get((day, *key))
                if pk is None:
                    chunk.stats.append((value, prov, *key, *counts))
                else:
                    chunk.stat_updates.append((*counts, pk))
        self.flushed = max(self.flushed, complete_before)
        return chunk


def _row_of(p: _Person) -> tuple[int | None, str, str, str]:
    return (p.user_id, p.name, p.id_number, p.phone)
