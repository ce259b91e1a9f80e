"""Dossier codes: agency code, local date, a sequence per agency and day, fixed width, unique
under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from hypothesis import given
from hypothesis import strategies as st

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.onestop.codes import (
    InvalidDossierCode,
    format_dossier_code,
    is_dossier_code,
    next_dossier_code,
    parse_dossier_code,
)
from tinhso.onestop.models import DayCounter
from tinhso.onestop.tests.world import vn

agency_codes = st.builds(
    lambda a, b, c, letter, d: f"{a:03d}.{b:02d}.{c:02d}.{letter}{d:02d}",
    st.integers(0, 999), st.integers(0, 99), st.integers(0, 99),
    st.sampled_from("ABGHKXZ"), st.integers(0, 99),
)
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@given(agency_codes, days, st.integers(1, 10**6))
def test_every_formatted_code_parses_back_to_its_parts(agency, day, seq):
    code = format_dossier_code(agency, day, seq)
    parsed = parse_dossier_code(code)
    assert (parsed.agency_code, parsed.day, parsed.sequence) == (agency, day, seq)
    assert str(parsed) == code
    assert parse_dossier_code(f"  {code.lower()} ") == parsed


@given(st.text(max_size=40))
def test_arbitrary_text_either_parses_or_is_refused_cleanly(text):
    try:
        parsed = parse_dossier_code(text)
    except InvalidDossierCode:
        assert not is_dossier_code(text)
    else:
        assert str(parsed) == text.strip().upper()


def test_the_width_is_fixed_at_four_and_grows_past_9999():
    day = dt.date(2025, 11, 27)
    assert format_dossier_code("000.01.01.H56", day, 1) == "000.01.01.H56-251127-0001"
    assert format_dossier_code("000.01.01.H56", day, 9999) == "000.01.01.H56-251127-9999"
    assert format_dossier_code("000.01.01.H56", day, 10000) == "000.01.01.H56-251127-10000"
    for bad in ["000.01.01.H56-251127-001", "000.01.01.H56-251127-00001",
                "000.01.01.H56-251127-0000", "000.01.01.H56-251332-0001", "0001",
                "000.01.01-251127-0001"]:
        assert not is_dossier_code(bad), bad


@pytest.mark.django_db
def test_sequences_count_per_agency_and_local_day():
    a, b = AgencyFactory(), AgencyFactory()
    with transaction.atomic():
        codes = [next_dossier_code(a, vn(2025, 11, 27, 8, 0)) for _ in range(3)]
        other = next_dossier_code(b, vn(2025, 11, 27, 8, 0))
        # 23:30 UTC on the 26th is already the 27th in Vietnam.
        late_utc = next_dossier_code(a, dt.datetime(2025, 11, 26, 23, 30, tzinfo=dt.UTC))
        next_day = next_dossier_code(a, vn(2025, 11, 28, 0, 5))
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    assert other.endswith("-251127-0001")
    assert late_utc.endswith("-251127-0004")
    assert next_day.endswith("-251128-0001")


@pytest.mark.django_db
def test_a_rolled_back_submission_gives_its_number_back():
    a = AgencyFactory()
    try:
        with transaction.atomic():
            next_dossier_code(a, vn(2025, 11, 27, 8, 0))
            raise RuntimeError
    except RuntimeError:
        pass
    with transaction.atomic():
        assert next_dossier_code(a, vn(2025, 11, 27, 9, 0)).endswith("-0001")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL")
def test_codes_are_unique_when_many_desks_submit_at_once():
    agency = AgencyFactory()
    codes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work():
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    codes.append(next_dossier_code(agency, vn(2025, 11, 27, 8, 0)))
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(codes) == len(set(codes)) == 80
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, 81))
    assert DayCounter.objects.get(agency=agency).last == 80
