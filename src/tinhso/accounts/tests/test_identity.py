import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.accounts.identity import (
    CITIZEN_ID_PROVINCE_CODES,
    IdentityError,
    normalize_tax_code,
    parse_citizen_id,
)

TODAY = dt.date(2026, 11, 27)


@given(
    province=st.sampled_from(sorted(CITIZEN_ID_PROVINCE_CODES)),
    year=st.integers(1900, 2026),
    female=st.booleans(),
    tail=st.integers(0, 999_999),
)
def test_any_well_formed_citizen_id_is_accepted_and_read_back(province, year, female, tail):
    century_sex = 2 * ((year - 1900) // 100) + int(female)
    number = f"{province}{century_sex}{year % 100:02d}{tail:06d}"
    parsed = parse_citizen_id(number, today=TODAY)
    assert parsed.province_code == province
    assert parsed.birth_year == year
    assert parsed.sex == ("female" if female else "male")


@given(st.text(max_size=20))
def test_random_text_is_never_taken_for_a_citizen_id_unless_it_is_one(text):
    try:
        parsed = parse_citizen_id(text, today=TODAY)
    except IdentityError:
        return
    assert len(parsed.number) == 12 and parsed.number.isdigit()


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("03820001234", "11 digits"),
        ("0382000123456", "13 digits"),
        ("03820001234a", "a letter"),
        ("003200012345", "province 003 does not exist"),
        ("099200012345", "province 099 does not exist"),
        ("038230012345", "born in 2030: the future"),
        ("０３８２００１２３４５６", "full-width digits"),
    ],
)
def test_malformed_citizen_ids_are_refused(number, why):
    with pytest.raises(IdentityError):
        parse_citizen_id(number, today=TODAY)


def test_citizen_id_with_spaces_is_read_as_its_digits():
    assert parse_citizen_id("038 2 05 012345", today=TODAY).birth_year == 2005


@pytest.mark.parametrize("code", ["0100109106", "0100109106-001", "0100109106001"])
def test_valid_tax_codes_are_normalised(code):
    assert normalize_tax_code(code).startswith("0100109106")


@pytest.mark.parametrize("code", ["0100109107", "010010910", "abcdefghij", "0100109106-01", ""])
def test_tax_codes_with_a_wrong_check_digit_or_shape_are_refused(code):
    with pytest.raises(IdentityError):
        normalize_tax_code(code)
