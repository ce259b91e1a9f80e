"""How good a dataset is as open data: a score out of 100 from five criteria, each with its
points, its label and a hint to fix it. A pure calculator: `quality_score(facts, now)` reads a
`Facts` (built from the CKAN dictionary the services already made, `facts_from_package`, so
storing the score costs no extra query) and touches no database.

The criteria and their points:

- licence (20): an open licence (`licenses.LICENSES[...].is_open`) 20, a declared closed one 5,
  none 0;
- description (15): the publisher's own text, 15 from `DESCRIPTION_GOOD` characters, 10 from
  `DESCRIPTION_SHORT`, 5 for less, 0 when empty;
- formats (25): the best resource on a scale like Tim Berners-Lee's five stars (`FORMAT_STARS`):
  a document (PDF, DOCX, HTML) 1 star, a proprietary table (XLS, XLSX) 2, an open
  machine-readable format (CSV, JSON, GeoJSON, XML, ODS) or linked data 3 stars;
- freshness (25): the last update of the data against the declared update frequency; full
  within one period, 10 during the grace (`GRACE`, a quarter of the period, at least a day),
  0 once stale; "irregular" and "never" cannot go stale; no frequency declared scores 0;
- DCAT-AP (15): what our own feed (`dcat.add_dataset`) would say about the dataset against the
  DCAT-AP 3.0.1 shapes (`../shared/standards/dcat-ap-3.0.1/dcat-ap-SHACL.ttl`): the mandatory
  properties (sh:minCount 1) of dcat:DatasetShape (dct:title, dct:description: ours falls back to
  the title, which validates but says nothing) and of dcat:DistributionShape (dcat:accessURL),
  counted twice, and the recommended ones (dcat:distribution, dcat:keyword, dcat:theme,
  dct:accrualPeriodicity, dct:spatial, dct:temporal; each distribution's dct:format and
  dct:license).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.opendata.licenses import LICENSES

POINTS = {"license": 20, "description": 15, "formats": 25, "freshness": 25, "dcat": 15}

DESCRIPTION_SHORT = 50  # characters: something said
DESCRIPTION_GOOD = 200  # characters: what, where from, how collected, what the columns are

# Stars of a resource format (5-star open data, the licence star counted apart).
FORMAT_STARS = {
    "PDF": 1,
    "DOC": 1,
    "DOCX": 1,
    "HTML": 1,
    "TXT": 1,
    "ZIP": 1,
    "JPG": 1,
    "PNG": 1,
    "XLS": 2,
    "XLSX": 2,
    "SHP": 2,
    "CSV": 3,
    "TSV": 3,
    "JSON": 3,
    "GEOJSON": 3,
    "XML": 3,
    "ODS": 3,
    "KML": 3,
    "RDF": 3,
    "TTL": 3,
    "JSONLD": 3,
    "API": 3,
}
STAR_POINTS = {0: 0, 1: 8, 2: 15, 3: 25}

# The period each update frequency promises; "irregular" and "never" promise none.
PERIODS = {
    "continuous": dt.timedelta(days=1),
    "daily": dt.timedelta(days=1),
    "weekly": dt.timedelta(days=7),
    "monthly": dt.timedelta(days=31),
    "quarterly": dt.timedelta(days=92),
    "annual": dt.timedelta(days=366),
}
NO_PROMISE = ("irregular", "never")


def grace(period: dt.timedelta) -> dt.timedelta:
    """How long past its period a dataset is due but not yet stale."""
    return max(dt.timedelta(days=1), period / 4)


@dataclass(frozen=True)
class Distribution:
    format: str = ""
    has_access_url: bool = True


@dataclass(frozen=True)
class Facts:
    """What the score reads about one dataset."""

    title: str = ""
    notes: str = ""
    license_id: str = ""
    frequency: str = ""
    distributions: tuple[Distribution, ...] = ()
    # The last change of the data itself: the newest resource's `last_modified` (else its
    # metadata change), else the dataset's creation (an empty dataset starts the clock).
    data_updated: dt.datetime | None = None
    keywords: int = 0
    themes: int = 0
    spatial: int = 0
    temporal: bool = False


@dataclass(frozen=True)
class Criterion:
    code: str
    points: int
    max_points: int
    label: Promise | str
    hint: Promise | str  # empty when nothing is left to fix

    @property
    def full(self) -> bool:
        return self.points >= self.max_points


@dataclass(frozen=True)
class Quality:
    score: int
    criteria: tuple[Criterion, ...]
    # When the data stops being fresh (None: the frequency promises nothing, or none declared).
    stale_after: dt.datetime | None
    stale: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "stale": self.stale,
            "stale_after": self.stale_after.isoformat() if self.stale_after else None,
            "criteria": [
                {"code": c.code, "points": c.points, "max_points": c.max_points}
                for c in self.criteria
            ],
        }


LABELS: dict[str, Promise] = {
    "license": _("Giấy phép mở"),
    "description": _("Mô tả bộ dữ liệu"),
    "formats": _("Định dạng máy đọc được"),
    "freshness": _("Cập nhật đúng tần suất"),
    "dcat": _("Đủ thông tin theo DCAT-AP"),
}


def _license(f: Facts) -> Criterion:
    lic = LICENSES.get(f.license_id)
    if lic is not None and lic.is_open:
        return Criterion("license", 20, 20, LABELS["license"], "")
    if lic is not None and f.license_id != "notspecified":
        return Criterion(
            "license",
            5,
            20,
            LABELS["license"],
            _(
                "Giấy phép đã chọn không phải giấy phép mở: chọn CC-BY 4.0 hoặc "
                "ODbL để mọi người được dùng lại dữ liệu."
            ),
        )
    return Criterion(
        "license",
        0,
        20,
        LABELS["license"],
        _("Chưa chọn giấy phép: chọn một giấy phép mở (ví dụ CC-BY 4.0)."),
    )


def _description(f: Facts) -> Criterion:
    n = len(" ".join(f.notes.split()))
    if n >= DESCRIPTION_GOOD:
        return Criterion("description", 15, 15, LABELS["description"], "")
    hint = _(
        "Mô tả rõ dữ liệu gồm những gì, lấy từ đâu, thu thập thế nào và ý nghĩa các cột "
        "(ít nhất 200 ký tự)."
    )
    if n >= DESCRIPTION_SHORT:
        return Criterion("description", 10, 15, LABELS["description"], hint)
    if n > 0:
        return Criterion("description", 5, 15, LABELS["description"], hint)
    return Criterion(
        "description",
        0,
        15,
        LABELS["description"],
        _("Chưa có mô tả: viết vài câu về nội dung, nguồn và cách thu thập dữ liệu."),
    )


def format_stars(fmt: str) -> int:
    return FORMAT_STARS.get(fmt.strip().upper().lstrip("."), 1 if fmt.strip() else 0)


def _formats(f: Facts) -> Criterion:
    stars = max((format_stars(d.format) for d in f.distributions), default=0)
    points = STAR_POINTS[stars]
    if stars >= 3:
        hint: Promise | str = ""
    elif stars == 0:
        hint = _("Chưa có tài nguyên nào: thêm tệp dữ liệu, tốt nhất là CSV hoặc JSON.")
    else:
        hint = _(
            "Thêm bản CSV, JSON hoặc GeoJSON của dữ liệu để máy đọc được mà không cần "
            "phần mềm riêng (PDF < XLSX < CSV)."
        )
    return Criterion("formats", points, 25, LABELS["formats"], hint)


def stale_after(frequency: str, data_updated: dt.datetime | None) -> dt.datetime | None:
    """The moment the data goes stale: last update + period + grace."""
    period = PERIODS.get(frequency)
    if period is None or data_updated is None:
        return None
    return data_updated + period + grace(period)


def _freshness(f: Facts, now: dt.datetime) -> Criterion:
    label = LABELS["freshness"]
    if f.frequency in NO_PROMISE:
        return Criterion("freshness", 25, 25, label, "")
    period = PERIODS.get(f.frequency)
    if period is None:
        return Criterion(
            "freshness",
            0,
            25,
            label,
            _("Khai báo tần suất cập nhật để người dùng biết khi nào có dữ liệu mới."),
        )
    if f.data_updated is None:
        return Criterion("freshness", 0, 25, label, _("Chưa có dữ liệu: thêm tài nguyên."))
    age = now - f.data_updated
    if age <= period:
        return Criterion("freshness", 25, 25, label, "")
    hint = _(
        "Dữ liệu chưa được cập nhật theo tần suất đã khai báo: tải lên bản mới, hoặc "
        "sửa tần suất cho đúng thực tế."
    )
    if age <= period + grace(period):
        return Criterion("freshness", 10, 25, label, hint)
    return Criterion("freshness", 0, 25, label, hint)


def dcat_checks(f: Facts) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """(mandatory, recommended) DCAT-AP 3.0.1 properties our feed gives the dataset, by name."""
    dists = f.distributions
    mandatory = [
        ("dct:title", bool(f.title.strip())),
        ("dct:description", bool(f.notes.strip())),
        ("dcat:accessURL", all(d.has_access_url for d in dists)),
    ]
    lic = LICENSES.get(f.license_id)
    recommended = [
        ("dcat:distribution", bool(dists)),
        ("dcat:keyword", f.keywords > 0),
        ("dcat:theme", f.themes > 0),
        ("dct:accrualPeriodicity", bool(f.frequency)),
        ("dct:spatial", f.spatial > 0),
        ("dct:temporal", f.temporal),
        (
            "dct:format",
            bool(dists)
            and all(d.format.strip().upper().lstrip(".") in _DCAT_FORMATS for d in dists),
        ),
        ("dct:license", bool(dists) and lic is not None and f.license_id != "notspecified"),
    ]
    return mandatory, recommended


# The formats the feed can name as an EU file type (`dcat.FORMATS`; kept here so the
# calculator imports no rdflib).
_DCAT_FORMATS = frozenset(
    {
        "CSV",
        "XLSX",
        "XLS",
        "ODS",
        "JSON",
        "GEOJSON",
        "XML",
        "PDF",
        "DOCX",
        "DOC",
        "ZIP",
        "HTML",
        "TXT",
        "RDF",
        "TTL",
        "JSONLD",
        "SHP",
        "KML",
    }
)


def _dcat(f: Facts) -> Criterion:
    mandatory, recommended = dcat_checks(f)
    earned = 2 * sum(ok for _, ok in mandatory) + sum(ok for _, ok in recommended)
    total = 2 * len(mandatory) + len(recommended)
    points = 15 * earned // total
    missing = [name for name, ok in mandatory + recommended if not ok]
    hint: Promise | str = ""
    if missing:
        hint = _("Bổ sung để bộ dữ liệu đầy đủ theo DCAT-AP: %(missing)s.") % {
            "missing": ", ".join(missing)
        }
    return Criterion("dcat", points, 15, LABELS["dcat"], hint)


def quality_score(facts: Facts, now: dt.datetime) -> Quality:
    criteria = (
        _license(facts),
        _description(facts),
        _formats(facts),
        _freshness(facts, now),
        _dcat(facts),
    )
    until = (
        None if facts.frequency in NO_PROMISE else stale_after(facts.frequency, facts.data_updated)
    )
    return Quality(
        score=sum(c.points for c in criteria),
        criteria=criteria,
        stale_after=until,
        stale=until is not None and now > until,
    )


def _when(value: Any) -> dt.datetime | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        when = value
    else:
        when = dt.datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def facts_from_package(pkg: dict[str, Any]) -> Facts:
    """The facts of a CKAN package dictionary (`dictize.package_dict`)."""
    resources = pkg.get("resources") or []
    open_data = pkg.get("access_level", "open") == "open"
    updates = [_when(r.get("last_modified") or r.get("metadata_modified")) for r in resources]
    known = [u for u in updates if u is not None]
    return Facts(
        title=str(pkg.get("title") or ""),
        notes=str(pkg.get("notes") or ""),
        license_id=str(pkg.get("license_id") or ""),
        frequency=str(pkg.get("frequency") or ""),
        distributions=tuple(
            # The feed gives a non-open dataset's distributions the resource_show call.
            Distribution(
                format=str(r.get("format") or ""),
                has_access_url=not open_data or bool(r.get("url")),
            )
            for r in resources
        ),
        data_updated=max(known) if known else _when(pkg.get("metadata_created")),
        keywords=len(pkg.get("tags") or []),
        themes=len(pkg.get("groups") or []),
        spatial=len(pkg.get("spatial_units") or []),
        temporal=bool(pkg.get("temporal_start") or pkg.get("temporal_end")),
    )
