"""The quality calculator on its own: the score stays within 0..100, improving any criterion
never lowers it, and freshness turns stale exactly at last update + period + grace."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.opendata.licenses import LICENSES
from tinhso.opendata.quality import (
    DESCRIPTION_GOOD,
    PERIODS,
    POINTS,
    Distribution,
    Facts,
    facts_from_package,
    grace,
    quality_score,
)

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
FREQUENCIES = ["", *PERIODS, "irregular", "never"]
FORMATS = ["", "PDF", "DOCX", "XLSX", "XLS", "CSV", "JSON", "GEOJSON", "TTL", "weird"]

distributions = st.lists(
    st.builds(Distribution, format=st.sampled_from(FORMATS), has_access_url=st.booleans()),
    max_size=4,
).map(tuple)
facts = st.builds(
    Facts,
    title=st.text(max_size=20),
    notes=st.text(max_size=400),
    license_id=st.sampled_from(["", "notspecified", "nonsense", *LICENSES]),
    frequency=st.sampled_from(FREQUENCIES),
    distributions=distributions,
    data_updated=st.none()
    | st.datetimes(
        min_value=dt.datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2026, 6, 15),  # noqa: DTZ001 (naive bounds: hypothesis adds the zone)
        timezones=st.just(dt.UTC),
    ),
    keywords=st.integers(0, 3),
    themes=st.integers(0, 3),
    spatial=st.integers(0, 3),
    temporal=st.booleans(),
)


def score(f: Facts, now: dt.datetime = NOW) -> int:
    return quality_score(f, now).score


def test_the_criteria_add_up_to_a_hundred():
    best = Facts(
        title="Dân số",
        notes="x" * DESCRIPTION_GOOD,
        license_id="cc-by-4.0",
        frequency="annual",
        distributions=(Distribution("CSV"),),
        data_updated=NOW,
        keywords=1,
        themes=1,
        spatial=1,
        temporal=True,
    )
    q = quality_score(best, NOW)
    assert sum(POINTS.values()) == 100
    assert {c.code: c.max_points for c in q.criteria} == POINTS
    assert q.score == 100 and all(c.full and not c.hint for c in q.criteria)
    assert score(Facts()) < 10


@given(facts)
@settings(max_examples=300)
def test_the_score_is_between_0_and_100_and_every_shortfall_has_a_hint(f):
    q = quality_score(f, NOW)
    assert 0 <= q.score <= 100
    assert q.score == sum(c.points for c in q.criteria)
    for c in q.criteria:
        assert 0 <= c.points <= c.max_points
        assert c.full or str(c.hint)


LICENSE_ORDER = ["", "other-closed", "cc-by-4.0"]
NOTES_ORDER = ["", "ngắn", "x" * 60, "x" * DESCRIPTION_GOOD]
FORMAT_ORDER = [
    (),
    (Distribution("PDF"),),
    (Distribution("PDF"), Distribution("XLSX")),
    (Distribution("XLSX"), Distribution("CSV")),
]


@given(facts)
@settings(max_examples=100)
def test_a_better_licence_description_or_format_never_lowers_the_score(f):
    for field, order in (
        ("license_id", LICENSE_ORDER),
        ("notes", NOTES_ORDER),
        ("distributions", FORMAT_ORDER),
    ):
        scores = [score(_with(f, **{field: v})) for v in order]
        assert scores == sorted(scores), (field, scores)


@given(facts, st.sampled_from(list(PERIODS)))
@settings(max_examples=100)
def test_newer_data_never_lowers_the_score(f, frequency):
    f = _with(f, frequency=frequency)
    ages = [dt.timedelta(days=d) for d in (1000, 400, 100, 40, 10, 3, 0)]
    scores = [score(_with(f, data_updated=NOW - a)) for a in ages]
    assert scores == sorted(scores)


@given(facts)
@settings(max_examples=100)
def test_each_dcat_property_added_never_lowers_the_score(f):
    steps = [
        dict(keywords=1),
        dict(themes=1),
        dict(spatial=1),
        dict(temporal=True),
        dict(title="Tên"),
    ]
    for n in range(len(steps) + 1):
        for chosen in itertools.combinations(steps, n):
            better = f
            for step in chosen:
                better = _with(better, **step)
            assert score(better) >= score(f)


def _with(f: Facts, **changes) -> Facts:
    return Facts(**{**f.__dict__, **changes})


def test_freshness_boundaries_for_every_frequency():
    for frequency, period in PERIODS.items():
        edge = period + grace(period)
        f = Facts(frequency=frequency, distributions=(Distribution("CSV"),))

        def at(age, f=f):
            q = quality_score(_with(f, data_updated=NOW - age), NOW)
            return next(c.points for c in q.criteria if c.code == "freshness"), q.stale

        assert at(period) == (25, False), frequency  # a full period: fresh
        assert at(period + dt.timedelta(seconds=1)) == (10, False), frequency  # due
        assert at(edge) == (10, False), frequency  # the last moment of grace
        assert at(edge + dt.timedelta(seconds=1)) == (0, True), frequency  # stale
    monthly = quality_score(Facts(frequency="monthly", data_updated=NOW), NOW)
    assert monthly.stale_after == NOW + dt.timedelta(days=31) + dt.timedelta(days=7, hours=18)


def test_irregular_data_and_undeclared_frequencies_never_go_stale():
    old = NOW - dt.timedelta(days=3000)
    for frequency in ("irregular", "never", ""):
        q = quality_score(Facts(frequency=frequency, data_updated=old), NOW)
        assert not q.stale and q.stale_after is None
    points = {
        f: next(
            c.points
            for c in quality_score(Facts(frequency=f, data_updated=old), NOW).criteria
            if c.code == "freshness"
        )
        for f in ("irregular", "")
    }
    assert points == {"irregular": 25, "": 0}  # no frequency declared: nothing promised


def test_dcat_hint_names_the_missing_properties():
    q = quality_score(Facts(title="T", notes="", distributions=(Distribution("XYZ", False),)), NOW)
    hint = str(next(c.hint for c in q.criteria if c.code == "dcat"))
    for prop in ("dct:description", "dcat:accessURL", "dcat:keyword", "dct:format"):
        assert prop in hint
    assert "dct:title" not in hint


def test_facts_from_a_ckan_package():
    pkg = {
        "title": "T",
        "notes": "N",
        "license_id": "cc-by",
        "frequency": "weekly",
        "access_level": "open",
        "metadata_created": "2026-01-01T00:00:00",
        "tags": [{}],
        "groups": [],
        "spatial_units": [{}, {}],
        "temporal_start": "2025-01-01",
        "resources": [
            {
                "url": "https://x.vn/a.csv",
                "format": "CSV",
                "last_modified": "2026-05-01T00:00:00",
                "metadata_modified": "2026-06-01T00:00:00",
            },
            {
                "url": "",
                "format": "PDF",
                "last_modified": None,
                "metadata_modified": "2026-03-01T00:00:00",
            },
        ],
    }
    f = facts_from_package(pkg)
    assert f.data_updated == dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    assert f.distributions == (Distribution("CSV", True), Distribution("PDF", False))
    assert (f.keywords, f.themes, f.spatial, f.temporal) == (1, 0, 2, True)
    restricted = facts_from_package({**pkg, "access_level": "agencies"})
    assert all(d.has_access_url for d in restricted.distributions)  # resource_show is given
    empty = facts_from_package({**pkg, "resources": []})
    assert empty.data_updated == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
