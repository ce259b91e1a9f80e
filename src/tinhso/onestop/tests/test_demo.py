"""The demo year of dossiers: sized like the report, consistent with the rollups and the rules
of the lifecycle, and loaded once."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from tinhso.catalog.demo import load_catalog
from tinhso.directory.demo import demo_agency_roles, load_agencies
from tinhso.directory.services import units_import
from tinhso.onestop import demo
from tinhso.onestop.demo import REPORT_ON_TIME_RATE, REPORT_RECEIVED, load_dossiers
from tinhso.onestop.models import DayCounter, Dossier, DossierEvent, DossierStat, Payment
from tinhso.onestop.rollups import rollups_aggregate, rollups_diff, rollups_months_diff
from tinhso.onestop.status import ENDED, OPEN, RESOLVED, Channel, Status, Timeliness

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 27, 10, 30, tzinfo=TZ)


@pytest.fixture
def province(db, media):  # the digitized components' files go to a temporary MEDIA_ROOT
    units_import(province_codes=["38"])
    load_agencies("38")
    load_catalog(agencies=demo_agency_roles("38"))
    return "38"


def _totals() -> Counter[str]:
    totals: Counter[str] = Counter()
    for counts in rollups_aggregate(province_code="38").values():
        totals.update(counts)
    return totals


def test_a_small_year_matches_the_report_and_its_rollups(province):
    created = load_dossiers(province_code=province, scale=0.002, now=NOW)

    assert created == Dossier.objects.count()
    assert rollups_diff(province_code=province) == []  # stored rows == recomputation
    assert rollups_months_diff(province_code=province) == []  # months == days summed
    totals = _totals()
    assert totals["submitted"] == created
    assert abs(totals["received"] - REPORT_RECEIVED * 0.002) <= REPORT_RECEIVED * 0.002 * 0.02
    resolved = totals["resolved_early"] + totals["resolved_on_time"] + totals["resolved_late"]
    on_time = (totals["resolved_early"] + totals["resolved_on_time"]) / resolved
    assert abs(on_time - REPORT_ON_TIME_RATE) <= 0.005
    assert 0.94 <= resolved / totals["received"] <= 0.98  # the report: 96.02%
    assert totals["resolved_early"] > totals["resolved_on_time"] > totals["resolved_late"] > 0
    assert totals["supplement_requested"] > 0 and totals["paid_total"] > 0


def test_the_year_has_digitized_components_and_ratings_that_stats_verify_recounts(province):
    from django.core.management import call_command

    from tinhso.onestop.files import file_open
    from tinhso.onestop.models import DossierFile, Rating
    from tinhso.onestop.services import RATING_INDICATORS

    load_dossiers(province_code=province, scale=0.002, now=NOW)
    call_command("stats", "verify")  # raises CommandError when a counter disagrees
    totals = Counter[str]()
    for counts in rollups_aggregate(province_code=province).values():
        totals.update(counts)
    # Digitization: about 65% of the dossiers submitted (50% rising to 80% of those received).
    assert 0.55 <= totals["digitized"] / totals["submitted"] <= 0.75
    files = list(DossierFile.objects.filter(kind=DossierFile.Kind.COMPONENT,
                                            reused_from__isnull=True)
                 .select_related("dossier", "document"))  # reuse, results: test_demo_eresults_*
    assert len(files) == totals["digitized"] == len({f.dossier_id for f in files})
    for f in files:
        assert f.kind == DossierFile.Kind.COMPONENT and f.is_digitized and f.reused_from_id is None
        with file_open(f) as handle:  # an officer who opens it gets a PDF, as recorded
            data = handle.read()
        assert data.startswith(b"%PDF-") and len(data) == f.size
        assert hashlib.sha256(data).hexdigest() == f.sha256
        assert f.dossier.received_at is not None and f.uploaded_at <= f.dossier.received_at
        assert f.document is None or f.document.version_id == f.dossier.version_id
    # Ratings: about a tenth of the returned dossiers, after their return, mostly satisfied.
    returned = Dossier.objects.filter(status=Status.RETURNED).count()
    assert 0.07 * returned <= totals["rated"] <= 0.12 * returned
    assert 0.85 <= totals["rating_points"] / (18 * totals["rated"]) <= 0.96
    time_score = {Timeliness.EARLY: 2, Timeliness.ON_TIME: 1, Timeliness.LATE: 0}
    for r in Rating.objects.select_related("dossier"):
        assert r.dossier.status == Status.RETURNED
        assert r.dossier.returned_at < r.rated_at <= NOW
        assert set(r.scores) == set(RATING_INDICATORS)
        assert set(r.scores.values()) <= {0, 1, 2} and r.total == sum(r.scores.values())
        assert r.scores["total_time"] == time_score[r.dossier.timeliness]


def test_demo_dossiers_follow_the_lifecycle_rules(province):
    load_dossiers(province_code=province, scale=0.002, now=NOW)
    start = NOW - dt.timedelta(days=365)
    for d in Dossier.objects.all():
        assert start <= d.submitted_at <= NOW
        assert re.fullmatch(r"000\.\d\d\.\d\d\.H56-\d{6}-\d{4}", d.code)
        assert d.code.split("-")[1] == d.submitted_at.astimezone(TZ).strftime("%y%m%d")
        assert d.form_data == {"demo": True}
        assert len(d.applicant_id_number) in (10, 12) and d.applicant_name
        if d.received_at:
            assert d.submitted_at <= d.received_at <= NOW and d.due_at > d.received_at
        if d.status in RESOLVED:
            assert d.received_at <= d.resolved_at <= NOW
            local_resolved, local_due = d.resolved_at.astimezone(TZ), d.due_at.astimezone(TZ)
            expected = (Timeliness.EARLY if local_resolved.date() < local_due.date() else
                        Timeliness.ON_TIME if d.resolved_at <= d.due_at else Timeliness.LATE)
            assert d.timeliness == expected
        else:
            assert d.resolved_at is None and d.timeliness == ""
        assert (d.returned_at is not None) == (d.status == Status.RETURNED)
        assert (d.ended_at is not None) == (d.status in ENDED)
        if d.status in ENDED:
            assert d.end_reason
        if d.status in (Status.SUPPLEMENT, Status.PAYING):
            assert d.paused_at is not None and d.resumed_status is not None
        else:
            assert d.paused_at is None
        if d.status in OPEN:
            assert d.received_at is not None
    # The history ends in the dossier's status and never jumps back in time.
    last: dict[int, tuple[dt.datetime, int]] = {}
    for e in DossierEvent.objects.order_by("dossier_id", "at", "pk"):
        previous = last.get(e.dossier_id)
        if previous is None:
            assert e.action == "submit" and e.from_status is None
        else:
            assert e.at >= previous[0]
        last[e.dossier_id] = (e.at, e.to_status)
    statuses = dict(Dossier.objects.values_list("pk", "status"))
    assert {pk: s for pk, (_at, s) in last.items()} == statuses
    # Channels: mostly desk and online, a little by post; fees paid through the gateway online.
    channels = Counter(Dossier.objects.values_list("channel", flat=True))
    assert channels[Channel.ONLINE] > 0.35 * len(statuses)
    assert 0 < channels[Channel.POSTAL] < 0.05 * len(statuses)
    assert Payment.objects.filter(state=Payment.State.PAID).exists()


def test_codes_continue_and_day_counters_hold_the_last_sequence(province):
    load_dossiers(province_code=province, scale=0.002, now=NOW)
    by_agency_day: dict[tuple[int, str], list[int]] = {}
    for code, agency in Dossier.objects.values_list("code", "receiving_agency_id"):
        _prefix, day, seq = code.rsplit("-", 2)
        by_agency_day.setdefault((agency, day), []).append(int(seq))
    for (agency, day), seqs in by_agency_day.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        on = dt.date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
        counter = DayCounter.objects.get(agency_id=agency, day=on)
        assert counter.last == len(seqs)


def test_loading_again_changes_nothing_and_replace_loads_afresh(province):
    first = load_dossiers(province_code=province, scale=0.001, now=NOW)
    stats = DossierStat.objects.count()
    assert load_dossiers(province_code=province, scale=0.001, now=NOW) == 0
    assert Dossier.objects.count() == first and DossierStat.objects.count() == stats

    again = load_dossiers(province_code=province, scale=0.001, now=NOW, replace=True)
    assert again == Dossier.objects.count() > 0
    assert rollups_diff(province_code=province) == []


def test_the_report_year_has_quiet_tet_and_weekends(province):
    load_dossiers(province_code=province, year=2022, scale=0.002)
    per_day = Counter(d.astimezone(TZ).date()
                      for d in Dossier.objects.values_list("submitted_at", flat=True))
    tet = [dt.date(2022, 1, 31) + dt.timedelta(days=k) for k in range(5)]
    rush = [dt.date(2022, 1, 17) + dt.timedelta(days=k) for k in range(5)]  # Mon-Fri before
    assert sum(per_day[d] for d in tet) * 10 < sum(per_day[d] for d in rush)
    weekends = [d for d in per_day if d.weekday() >= 5]
    weekdays = [d for d in per_day if d.weekday() < 5]
    assert (sum(per_day[d] for d in weekends) / max(1, len(weekends))
            < 0.3 * sum(per_day[d] for d in weekdays) / len(weekdays))
    assert min(per_day) >= dt.date(2022, 1, 1) and max(per_day) <= dt.date(2022, 12, 31)
    # Nothing happens after the year: the rollups end with it too.
    assert not DossierStat.objects.filter(day__gt=dt.date(2022, 12, 31)).exists()
    assert rollups_diff(province_code=province) == []


@pytest.mark.django_db(transaction=True)
def test_loading_outside_a_transaction_writes_every_chunk(province, monkeypatch):
    # Outside any transaction (PostgreSQL here, or a file database) chunks are written by a
    # second connection while the next one is generated: nothing may be lost on the way.
    monkeypatch.setattr(demo, "CHUNK", 100)
    created = load_dossiers(province_code=province, scale=0.0005, now=NOW)
    assert created == Dossier.objects.count() > 0
    assert DossierEvent.objects.values("dossier_id").distinct().count() == created
    assert rollups_diff(province_code=province) == []


@pytest.mark.parametrize("scale", [0, -1, 50])
def test_a_scale_out_of_range_is_refused_before_anything_is_written(scale):
    with pytest.raises(ValueError, match="scale"):
        load_dossiers(province_code="38", scale=scale, now=NOW)


def test_the_demo_clock_keeps_the_deadline_engine_s_time(province):
    # The demo counts working time in integer seconds for speed; every due moment it plans
    # must be the one the deadline engine (core.calendar) gives.
    from tinhso.core.calendar import calendar_for_province
    from tinhso.onestop.demo._clock import Clock

    cal = calendar_for_province(province)
    first = dt.date(2025, 1, 1)
    clock = Clock(cal, first, 2 * 366)
    rng = random.Random(7)  # noqa: S311 - a reproducible sample, not a secret
    for _ in range(3000):
        at = rng.randrange(366 * 86_400)
        seconds = rng.choice([0, 60, 3600, 4 * 3600 + 1800, 8 * 3600, 28_800 * rng.randint(1, 40),
                              rng.randrange(1, 28_800 * 20)])
        expected = cal.add_working_time(clock.local(at), dt.timedelta(seconds=seconds))
        assert clock.local(clock.add(at, seconds)) == expected
        pause_end = at + rng.randrange(5 * 86_400)
        due = clock.add(at, 28_800 * 5)
        shifted = cal.shift_due(clock.local(due), clock.local(at), clock.local(pause_end))
        assert clock.local(clock.shift(due, at, pause_end)) == shifted
    assert clock.pg(0) == int((clock.utc(0) - dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
                              .total_seconds()) * 1_000_000
    assert clock.sqlite(3600) == clock.utc(3600).strftime("%Y-%m-%d %H:%M:%S")


def _content() -> list[tuple]:
    return sorted(Dossier.objects.values_list(
        "submitted_at", "procedure_id", "channel", "status", "received_at", "due_at",
        "resolved_at", "returned_at", "timeliness", "applicant_name", "applicant_address",
        "agency_id", "receiving_agency_id", "revision"))


def test_the_same_seed_makes_the_same_year(province):
    load_dossiers(province_code=province, scale=0.001, now=NOW, seed=5)
    first = _content()
    load_dossiers(province_code=province, scale=0.001, now=NOW, seed=5, replace=True)
    assert _content() == first
    load_dossiers(province_code=province, scale=0.001, now=NOW, seed=6, replace=True)
    assert _content() != first


@pytest.mark.django_db(transaction=True)
def test_a_chunk_naming_a_missing_agency_is_refused(province, monkeypatch):
    # PostgreSQL as superuser skips the per-row foreign-key triggers and checks the chunk's
    # references in bulk instead; SQLite checks them at commit. Either way nothing dangles.
    from django.db import IntegrityError

    world_of = demo._world

    def broken_world(*args, **kwargs):
        world = world_of(*args, **kwargs)
        world.centre.agency_id = 10**9
        return world

    monkeypatch.setattr(demo, "_world", broken_world)
    with pytest.raises(IntegrityError):
        load_dossiers(province_code=province, scale=0.0005, now=NOW)
    assert not Dossier.objects.filter(receiving_agency_id=10**9).exists()


def _index_names(model, *, unique: bool | None = None) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name for name, info in found.items() if info.get("index")
            and (unique is None or bool(info.get("unique")) == unique)}


def _declared_everywhere() -> bool:
    from tinhso.onestop.demo._indexes import declared

    return all(set(declared(m)) <= _index_names(m) for m in (*demo.LOADED, *demo.ALSO_LOADED))


@pytest.mark.django_db(transaction=True)
def test_a_first_load_sets_the_plain_indexes_aside_and_builds_them_again(province,
                                                                        monkeypatch):
    # Into empty tables the plain indexes are dropped while the rows go in (building one from
    # the finished table is several times cheaper than keeping it up row by row); the unique
    # ones stay, and every declared index is there again at the end.
    during: list[set[str]] = []
    store = demo._Writer.store

    def watching(self, chunk):
        during.append(_index_names(Dossier))
        return store(self, chunk)

    unique = _index_names(Dossier, unique=True)

    monkeypatch.setattr(demo._Writer, "store", watching)
    monkeypatch.setattr(demo, "CHUNK", 200)
    assert load_dossiers(province_code=province, scale=0.0005, now=NOW) > 0
    assert during
    assert "dossier_applicant" not in during[0] and "dossier_open_due" not in during[0]
    assert unique and unique <= during[0]  # codes stay unique while loading
    assert _declared_everywhere()
    assert rollups_diff(province_code=province) == []


@pytest.mark.django_db(transaction=True)
def test_a_load_that_fails_half_way_leaves_every_index_in_place(province, monkeypatch):
    from tinhso.onestop.demo._indexes import indexes_restore

    calls = 0
    store = demo._Writer.store

    def failing(self, chunk):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the disk is full")
        return store(self, chunk)

    monkeypatch.setattr(demo._Writer, "store", failing)
    monkeypatch.setattr(demo, "CHUNK", 100)
    with pytest.raises(RuntimeError, match="disk is full"):
        load_dossiers(province_code=province, scale=0.0005, now=NOW)
    assert _declared_everywhere()
    # A process killed outright cannot rebuild them: the next load (or this) does.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX dossier_open_due")
    assert not _declared_everywhere()
    assert indexes_restore(demo.LOADED) == ["dossier_open_due"]
    assert _declared_everywhere()


@pytest.mark.django_db(transaction=True)
def test_a_load_made_by_several_processes_agrees_with_its_rollups(province, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("loads are made by several processes on PostgreSQL only")
    monkeypatch.setattr(demo, "PARALLEL_FROM", 0)
    monkeypatch.setattr(demo, "CHUNK", 300)
    seen: list[int] = []
    created = load_dossiers(province_code=province, scale=0.002, now=NOW, progress=seen.append)
    assert created == Dossier.objects.count() == sum(seen) > 0
    assert len(seen) > 2  # the progress bar moves while the runs work
    assert DossierEvent.objects.values("dossier_id").distinct().count() == created
    # The runs' counts for each other's days were added, not lost or doubled.
    assert rollups_diff(province_code=province) == []
    assert rollups_months_diff(province_code=province) == []
    # Codes stay unique and the day counters hold each desk's last sequence of the day.
    codes = list(Dossier.objects.values_list("code", "receiving_agency_id", "submitted_at"))
    assert len({c for c, _, _ in codes}) == created
    last: dict[tuple[int, dt.date], int] = {}
    for code, agency, at in codes:
        key = (agency, at.astimezone(TZ).date())
        last[key] = max(last.get(key, 0), int(code.rsplit("-", 1)[1]))
    assert {(c.agency_id, c.day): c.last for c in DayCounter.objects.all()} == last
    assert _declared_everywhere()
    # No staging table is left behind.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'onestop_demo_spill%%'")
        assert cursor.fetchone()[0] == 0
