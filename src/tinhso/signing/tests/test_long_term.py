"""B-LT signatures stay valid long after signing: their chain and embedded revocation data are
judged at the time their timestamp proves. Judged "today" a year later, the OCSP answers and
CRLs embedded at signing are stale and the validation would fail."""

from __future__ import annotations

import datetime as dt

import pytest

from tinhso.signing import validation, validation_cache
from tinhso.signing.tests.test_pades import signed  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_year_later(monkeypatch):
    """Every validation context that is not given a moment believes it is a year from now."""
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=366)
    real = validation_cache.ValidationContext

    def context(*args, **kwargs):
        kwargs["moment"] = kwargs.get("moment") or later
        return real(*args, **kwargs)

    monkeypatch.setattr(validation_cache, "ValidationContext", context)
    return later


def test_both_signatures_are_still_valid_a_year_later(pki, signed, a_year_later):  # noqa: F811
    report = validation.pdf_validate(signed)
    assert report.error == ""
    assert [c.ok for c in report.signatures] == [True, True], report
    assert all(c.timestamp and c.timestamp < a_year_later for c in report.signatures)
    assert not report.unsigned_changes


def test_the_timestamp_time_is_what_the_token_says(pki, signed):  # noqa: F811
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    sigs = PdfFileReader(BytesIO(signed), strict=False).embedded_regular_signatures
    times = [validation._timestamp_time(s) for s in sigs]
    checks = validation.pdf_validate(signed).signatures
    assert times == [c.timestamp for c in checks]
    assert all(t is not None and t.tzinfo is not None for t in times)
