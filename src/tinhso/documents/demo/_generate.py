"""The year made as the rows the database takes: documents, their recipients, the incoming
records at each recipient, the counted steps (issue, send, receive), the signed files (rows
naming the shared templates) and the monthly rollup, counted while generating."""

from __future__ import annotations

import json
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tinhso.core.text import fold
from tinhso.documents.demo import _mix as mix
from tinhso.documents.demo._templates import SCAN, Template
from tinhso.documents.kinds import (
    ABBREVIATIONS,
    UNIT_NOTATION_TYPES,
    Confidentiality,
    DocStatus,
    DocType,
    IncomingStatus,
)
from tinhso.documents.models import DocumentFile
from tinhso.documents.rollups import COUNTERS

# What a type adds to a document's searched text (`models.search_text`).
TYPE_WORDS = {t.value: t.value.replace("_", " ") for t in DocType}

DAY = 86_400
S = IncomingStatus
PERSONAL, AGENCY = DocumentFile.Kind.PERSONAL.value, DocumentFile.Kind.AGENCY.value
ROMAN = ["I", "II", "III", "IV"]


@dataclass
class Chunk:
    documents: list[tuple[Any, ...]] = field(default_factory=list)
    recipients: list[tuple[Any, ...]] = field(default_factory=list)
    incoming: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    files: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Issuer:
    pk: int
    code: str
    abbr: str
    group: str  # province, office, department, commune
    committee: bool  # a People's Committee (may issue chỉ thị, công điện)
    units: tuple[str, ...]  # drafting units for a công văn's notation
    handler: int  # who handles what arrives there


@dataclass
class World:
    province_code: str
    issuers: list[Issuer]
    weights: list[float]
    groups: dict[str, list[int]]  # group -> indexes into issuers
    demo_user: int
    templates: dict[str, Template]
    cutoff: int  # local seconds after the first day's midnight: nothing after it


class Year:
    """Makes days of documents (`day`), collected into a Chunk taken by `take`."""

    def __init__(self, world: World, *, first: date, rng: random.Random,
                 stamp: Callable[[int | None], Any], day_value: Callable[[date], Any],
                 json_value: Callable[[Any], Any], json_text: Callable[[str], Any],
                 ids: Callable[[int], list[int]],
                 start: dict[tuple[int, str, int], int]) -> None:
        self.w, self.first, self.rng = world, first, rng
        self.stamp, self.day_value, self.json_value, self.ids = stamp, day_value, json_value, ids
        self.json_text = json_text  # JSON text already written, as the rows carry it
        # The next number of each register: (agency pk, "out"/"in", year) -> last given.
        self.last: dict[tuple[int, str, int], int] = dict(start)
        self.stats: dict[tuple[date, int], Counter[str]] = {}
        self.chunk = Chunk()
        self.made = 0
        types = [t for t, _ in mix.TYPE_MIX]
        self.types, self.type_cw = types, _cumulative(w for _, w in mix.TYPE_MIX)
        self.issuer_cw = _cumulative(world.weights)
        self.urgency = [u for u, _ in mix.URGENCY_MIX]
        self.urgency_cw = _cumulative(w for _, w in mix.URGENCY_MIX)
        self.secret = [c for c, _ in mix.CONFIDENTIALITY_MIX]
        self.secret_cw = _cumulative(w for _, w in mix.CONFIDENTIALITY_MIX)
        self.count_cw = _cumulative(w for w, _, _ in mix.RECIPIENT_COUNTS)
        self.subjects: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.topics = [(t, fold(t)) for t in mix.TOPICS]
        self.prefix: dict[tuple[str, int, str], tuple[str, str]] = {}
        self.lines = json_value(["Lưu: VT."])
        self.empty = json_value({})
        enc = world.templates
        self.issue_data = {k: json_value({"sha256": t.agency.sha256,
                                          "certificate_serial": t.agency.serial,
                                          "shared_template": True}) for k, t in enc.items()}
        self.placement = {(k, kind): json_value(blob.placement)
                          for k, t in enc.items()
                          for kind, blob in ((PERSONAL, t.personal), (AGENCY, t.agency)) if blob}
        self.verification = {k: json_value(t.verification) for k, t in enc.items()}
        self.unsigned = json_value({"status": "unsigned", "ok": False, "shared_template": True,
                                    "summary": "Văn bản đến không có tệp mang chữ ký số của "
                                               "cơ quan ban hành."})
        self.quoted = [json.dumps(i.code) for i in world.issuers]
        self.receive_head = [f'{{"agency": {q}, "number": ' for q in self.quoted]
        self.directions = [(d.format(unit=u), u) for d in mix.DIRECTIONS
                           for u in mix.ASSIGNED_UNITS]

    # -- the day ------------------------------------------------------------------------------

    def day(self, k: int, n: int) -> None:
        rng, w = self.rng, self.w
        today = self.first + timedelta(days=k)
        year = today.year
        base = k * DAY
        ids = self.ids(n)
        issuers = rng.choices(range(len(w.issuers)), cum_weights=self.issuer_cw, k=n)
        types = rng.choices(self.types, cum_weights=self.type_cw, k=n)
        times = sorted(_office_moment(rng) for _ in range(n))
        # at, recipient, doc, template, sealed, folded text
        arrivals: list[tuple[int, int, int, str, bool, str]] = []
        docs, recips, events, files = (self.chunk.documents, self.chunk.recipients,
                                       self.chunk.events, self.chunk.files)
        stamp, dv = self.stamp, self.day_value
        day_v = dv(today)
        month = today.replace(day=1)
        demo = w.demo_user
        random_ = rng.random
        type_words = TYPE_WORDS
        day_stats: dict[int, list[int]] = {}  # agency pk -> the COUNTERS of the day
        for i in range(n):
            doc_id, a, doc_type = ids[i], issuers[i], types[i]
            issuer = w.issuers[a]
            if doc_type in mix.COMMITTEE_ONLY and not issuer.committee:
                doc_type = DocType.CONG_VAN
            key = (issuer.pk, "out", year)
            number = self.last.get(key, 0) + 1
            self.last[key] = number
            notation, folded_notation = self._notation(doc_type, a, rng)
            notation = f"{number:02d}/{notation}"
            subject, folded_subject = self._subject(doc_type, today, rng)
            urgency = self.urgency[bisect(self.urgency_cw, random_() * self.urgency_cw[-1])]
            secret = self.secret[bisect(self.secret_cw, random_() * self.secret_cw[-1])]
            issue_at = base + times[i]
            created_at = issue_at - int(1 + random_() * 6) * DAY - int(random_() * 1800)
            personal = random_() < mix.PERSONAL_RATE
            sealed = random_() < mix.AGENCY_RATE
            tpl = (doc_type if doc_type in w.templates else DocType.CONG_VAN) if personal else SCAN
            sent = secret == Confidentiality.NORMAL
            sent_at = issue_at + 60 + int(random_() * 1740) if sent else None
            status = DocStatus.SENT if sent else DocStatus.ISSUED
            # models.search_text: the type's name first (its value with spaces)
            folded = f"{type_words[doc_type]} {number:02d}/{folded_notation} {folded_subject}"
            docs.append((
                doc_id, w.province_code, issuer.pk, doc_type, subject, "", urgency, secret,
                notation.split("-", 1)[1] if doc_type in UNIT_NOTATION_TYPES else "",
                self.lines, demo, demo, status, 7 if sent else 6, 1, number, notation, year,
                day_v, stamp(created_at), stamp(sent_at if sent else issue_at),
                stamp(issue_at), stamp(sent_at), folded,
            ))
            events.append((doc_id, w.province_code, stamp(issue_at), None, mix.DEMO_ACTOR,
                           issuer.pk, "issue", DocStatus.REGISTERED, DocStatus.ISSUED,
                           self.issue_data[tpl]))
            if personal:
                t = w.templates[tpl]
                assert t.personal is not None  # noqa: S101 - every template but SCAN has one
                files.append((doc_id, PERSONAL, t.personal.storage_path, t.personal.sha256,
                              t.personal.size, t.personal.serial, self.placement[tpl, PERSONAL],
                              stamp(issue_at - 600), demo))
            if sealed:
                t = w.templates[tpl]
                files.append((doc_id, AGENCY, t.agency.storage_path, t.agency.sha256,
                              t.agency.size, t.agency.serial, self.placement[tpl, AGENCY],
                              stamp(issue_at), demo))
            counts = day_stats.get(issuer.pk)
            if counts is None:
                counts = day_stats[issuer.pk] = [0, 0, 0, 0, 0]
            counts[0] += 1
            counts[1] += personal
            counts[2] += sealed
            to = self._recipients(a, rng)
            for r in to:
                recips.append((doc_id, w.issuers[r].pk))
            if sent_at is None:
                continue
            counts[3] += 1
            events.append((doc_id, w.province_code, stamp(sent_at), None, mix.DEMO_ACTOR,
                           issuer.pk, "send", DocStatus.ISSUED, DocStatus.SENT,
                           self.json_text(
                               '{"to": [' + ", ".join([self.quoted[r] for r in to]) + "]}")))
            for r in to:
                arrivals.append((sent_at, r, doc_id, tpl, sealed, folded))
        self._arrive(arrivals, today, day_stats)
        for agency_pk, values in day_stats.items():
            total = self._stat(month, agency_pk)
            for name, value in zip(COUNTERS, values, strict=True):
                total[name] += value
        self.made += n

    def _arrive(self, arrivals: list[tuple[int, int, int, str, bool, str]], today: date,
                day_stats: dict[int, list[int]]) -> None:
        """Incoming records, numbered in each recipient's register in order of arrival."""
        rng, w, stamp = self.rng, self.w, self.stamp
        year = today.year
        rows, events = self.chunk.incoming, self.chunk.events
        arrivals.sort()
        demo = w.demo_user
        random_ = rng.random
        deadlines = [(d * 7 // 5) * DAY for d in mix.DEADLINE_DAYS]
        n_deadlines = len(deadlines)
        n_directions = len(self.directions)
        cutoff = w.cutoff
        for at, r, doc_id, tpl, sealed, folded in arrivals:
            agency = w.issuers[r]
            key = (agency.pk, "in", year)
            number = self.last.get(key, 0) + 1
            self.last[key] = number
            counts = day_stats.get(agency.pk)
            if counts is None:
                counts = day_stats[agency.pk] = [0, 0, 0, 0, 0]
            counts[4] += 1
            events.append((doc_id, w.province_code, stamp(at), None, mix.DEMO_ACTOR, agency.pk,
                           "incoming.receive", "", S.REGISTERED,
                           self.json_text(f'{self.receive_head[r]}{number}, "year": {year}}}')))
            # Handling: directed, assigned (with a deadline), started, done; cut at the end.
            directed = at + 1800 + int(random_() * (DAY - 1800))
            assigned = directed + 600 + int(random_() * (DAY // 2))
            started = assigned + 600 + int(random_() * DAY)
            deadline_at = at + deadlines[int(random_() * n_deadlines)]
            luck = random_()
            if luck < mix.STUCK_SHARE:
                done: int | None = None
            elif luck < mix.STUCK_SHARE + mix.LATE_SHARE:
                done = deadline_at + int(1 + random_() * 10) * DAY
            else:
                done = started + int(random_() * max(1, deadline_at - started))
            status, revision = S.REGISTERED, 1
            for step, moment in ((S.DIRECTED, directed), (S.ASSIGNED, assigned),
                                 (S.HANDLING, started), (S.DONE, done)):
                if moment is None or moment > cutoff:
                    break
                status, revision = step, revision + 1
            reached = revision - 1
            direction, unit = self.directions[int(random_() * n_directions)]
            rows.append((
                w.province_code, agency.pk, doc_id, year, number, stamp(at), status, revision,
                direction if reached >= 1 else "", demo if reached >= 1 else None,
                unit if reached >= 2 else "", agency.handler if reached >= 2 else None,
                self.day_value(self.first + timedelta(days=deadline_at // DAY))
                if reached >= 2 else None,
                stamp(done) if reached >= 4 else None, mix.RESULT if reached >= 4 else "",
                self.verification[tpl] if sealed else self.unsigned, folded,
            ))

    # -- pieces -------------------------------------------------------------------------------

    def _stat(self, month: date, agency: int) -> Counter[str]:
        key = (month, agency)
        counts = self.stats.get(key)
        if counts is None:
            counts = self.stats[key] = Counter(dict.fromkeys(COUNTERS, 0))
        return counts

    def _notation(self, doc_type: str, a: int, rng: random.Random) -> tuple[str, str]:
        """The notation after the number ("QĐ-UBND", "SNV-VP") and its folded form."""
        issuer = self.w.issuers[a]
        units = issuer.units
        unit = units[int(rng.random() * len(units))] if doc_type in UNIT_NOTATION_TYPES else ""
        key = (doc_type, a, unit)
        found = self.prefix.get(key)
        if found is None:
            text = f"{issuer.abbr}-{unit}" if unit else f"{ABBREVIATIONS[doc_type]}-{issuer.abbr}"
            found = self.prefix[key] = (text, fold(text))
        return found

    def _subject(self, doc_type: str, today: date, rng: random.Random) -> tuple[str, str]:
        wordings = mix.SUBJECTS[doc_type]
        t = int(rng.random() * len(wordings))
        topic = int(rng.random() * len(self.topics))
        wording = wordings[t]
        period: Any = None
        if "{period}" in wording:  # the month or quarter just ended
            prev = today.replace(day=1) - timedelta(days=1)
            if rng.random() < 0.5:
                period = ("m", prev.month, prev.year)
            else:
                period = ("q", (prev.month - 1) // 3, prev.year)
        key = (doc_type, t, topic, period, today.year)
        found = self.subjects.get(key)
        if found is None:
            if period is None:
                text_period = ""
            elif period[0] == "m":
                text_period = mix.PERIOD_MONTH.format(m=period[1], y=period[2])
            else:
                text_period = mix.PERIODS_QUARTER[period[1]].format(y=period[2])
            text = wording.format(topic=self.topics[topic][0], period=text_period,
                                  y=today.year, y5=today.year + 4).strip()
            found = self.subjects[key] = (text, fold(text))
        return found

    def _recipients(self, a: int, rng: random.Random) -> list[int]:
        """Indexes of the agencies a document of issuer `a` goes to (never itself)."""
        groups = self.w.groups
        random_ = rng.random
        low, high = mix.RECIPIENT_COUNTS[bisect(self.count_cw, random_() * self.count_cw[-1])][1:]
        n = low + int(random_() * (high - low + 1))
        issuer = self.w.issuers[a]
        if n >= 10 and issuer.group != "commune":  # a circular to the communes
            pool = groups["commune"]
            return sorted(rng.sample(pool, min(n, len(pool))))
        upward = issuer.group == "commune"
        chosen: set[int] = set()
        for _ in range(n * 2):
            roll = random_()
            if upward:
                group = "department" if roll < 0.55 else "province" if roll < 0.75 else \
                    "office" if roll < 0.9 else "commune"
            else:
                group = "department" if roll < 0.45 else "commune" if roll < 0.75 else \
                    "office" if roll < 0.9 else "province"
            pool = groups.get(group) or groups["department"]
            r = pool[int(random_() * len(pool))]
            if r != a:
                chosen.add(r)
            if len(chosen) >= n:
                break
        if not chosen:  # a lone agency in its group: anyone else
            chosen.add(next(i for i in range(len(self.w.issuers)) if i != a))
        return sorted(chosen)

    def take(self) -> Chunk:
        chunk, self.chunk = self.chunk, Chunk()
        return chunk


def _cumulative(weights: Any) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _office_moment(rng: random.Random) -> int:
    """Seconds after midnight inside office hours (mornings a little busier)."""
    (m0, m1), (a0, a1) = mix.HOURS
    roll = rng.random()
    if roll < 0.55:
        return m0 + int(roll / 0.55 * (m1 - m0))
    return a0 + int((roll - 0.55) / 0.45 * (a1 - a0))
