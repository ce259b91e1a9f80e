from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tinhso.catalog.codes import (
    InvalidProcedureCode,
    is_procedure_code,
    parse_procedure_code,
    validate_procedure_code,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def _n(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


national = st.builds(lambda k, n: f"{k}.{n}", st.sampled_from("123456789"), _n(6))
suffix = st.builds(lambda a, b, c, letter, d: f"{a}.{b}.{c}.{letter}{d}",
                   _n(3), _n(2), _n(2), st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), _n(2))
full_code = st.builds(lambda base, s: f"{base}.{s}", national, suffix)


@given(national)
def test_any_well_formed_national_code_is_accepted(code: str) -> None:
    parsed = parse_procedure_code(code)
    assert str(parsed) == code
    assert parsed.suffix == ""


@given(full_code)
def test_any_well_formed_provincial_code_is_accepted_and_split(code: str) -> None:
    parsed = parse_procedure_code(code)
    assert str(parsed) == code
    assert code.startswith(parsed.base + ".")
    validate_procedure_code(code)


@given(st.text(max_size=30))
def test_random_strings_are_rejected_unless_they_are_codes(text: str) -> None:
    import re

    looks_right = re.fullmatch(
        r"\s*[1-9]\.[0-9]{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Za-z][0-9]{2})?\s*", text
    )
    assert is_procedure_code(text) == bool(looks_right)


@pytest.mark.parametrize("code", ["1.001193", "2.000539", "1.001234.000.00.00.H56",
                                  "3.000181.000.00.00.H22", "2.000884.000.00.00.G01"])
def test_real_codes_are_accepted(code: str) -> None:
    assert is_procedure_code(code)


@pytest.mark.parametrize("code", [
    "", "1", "1.00119", "1.0011933", "0.001193", "1-001193", "1.001193.000.00.00",
    "1.001193.000.00.00.56", "1.0011 93", "1.٠٠١١٩٣", "1.001193.000.00.00.H5", "a.001193",
    "1.001193.000.00.00.H56.1",
])
def test_malformed_codes_are_rejected(code: str) -> None:
    with pytest.raises(InvalidProcedureCode):
        parse_procedure_code(code)


def test_a_lowercase_suffix_letter_is_normalised_but_not_valid_as_stored() -> None:
    assert str(parse_procedure_code(" 1.001193.000.00.00.h56\n")) == "1.001193.000.00.00.H56"
    with pytest.raises(ValidationError):
        validate_procedure_code("1.001193.000.00.00.h56")
