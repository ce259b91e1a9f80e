"""Number and notation in the decree's form: formatting and reading back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.documents.kinds import ABBREVIATIONS, UNIT_NOTATION_TYPES, DocType
from tinhso.documents.notation import (
    InvalidNotation,
    Notation,
    format_notation,
    parse_notation,
)

abbreviation = st.from_regex(r"\A[A-ZĐ][A-Za-zĐđ0-9]{0,9}\Z")
numbers = st.integers(min_value=1, max_value=10**7)
doc_types = st.sampled_from(list(DocType))


def test_every_type_has_an_abbreviation_except_letters_without_one():
    assert set(DocType) - set(ABBREVIATIONS) == {DocType.CONG_VAN, DocType.THU_CONG}
    assert len(set(ABBREVIATIONS.values())) == len(ABBREVIATIONS)


@pytest.mark.parametrize(("number", "doc_type", "agency", "unit", "expected"), [
    (5, DocType.QUYET_DINH, "UBND", "", "05/QĐ-UBND"),
    (123, DocType.QUYET_DINH, "UBND", "", "123/QĐ-UBND"),
    (15, DocType.QUY_DINH, "BNV", "", "15/QyĐ-BNV"),
    (9, DocType.TO_TRINH, "SNV", "", "09/TTr-SNV"),
    (10, DocType.DE_AN, "SGDĐT", "", "10/ĐA-SGDĐT"),
    (45, DocType.CONG_VAN, "SNN", "VP", "45/SNN-VP"),
    (5, DocType.CONG_VAN, "BNV", "VP", "05/BNV-VP"),
])
def test_notations_are_written_as_the_decree_shows(number, doc_type, agency, unit, expected):
    assert format_notation(number, doc_type, agency, unit) == expected


@pytest.mark.parametrize("bad", ["5/QĐ-UBND", "00/QĐ-UBND", "05 /QĐ-UBND", "05/QĐ - UBND",
                                 "05/QĐUBND", "05/QĐ-UBND-VP", "-1/QĐ-UBND", "", "05/QĐ-",
                                 "005/QĐ-UBND"])
def test_malformed_notations_are_refused(bad):
    with pytest.raises(InvalidNotation):
        parse_notation(bad)


def test_a_notation_without_its_type_is_read_as_a_letter_unless_it_names_a_type():
    assert parse_notation("45/SNN-VP") == Notation(45, DocType.CONG_VAN, "SNN", "VP")
    assert parse_notation("05/QĐ-UBND") == Notation(5, DocType.QUYET_DINH, "UBND")
    # Thanh tra tỉnh's letters and a tờ trình read alike; the type settles it.
    assert parse_notation("12/TTr-VP", doc_type=DocType.CONG_VAN).agency == "TTr"
    with pytest.raises(InvalidNotation):
        parse_notation("05/QĐ-UBND", doc_type=DocType.NGHI_QUYET)


@given(numbers, doc_types, abbreviation, abbreviation)
def test_a_formatted_notation_reads_back_the_same(number, doc_type, agency, unit):
    unit = unit if doc_type in UNIT_NOTATION_TYPES else ""
    printed = format_notation(number, doc_type, agency, unit)
    assert " " not in printed
    assert printed.startswith(f"0{number}/" if number < 10 else f"{number}/")
    assert parse_notation(printed, doc_type=doc_type) == Notation(number, doc_type, agency, unit)
    assert str(parse_notation(f"  {printed} ", doc_type=doc_type)) == printed


@given(st.integers(max_value=0), doc_types)
def test_there_is_no_number_zero(number, doc_type):
    with pytest.raises(InvalidNotation):
        format_notation(number, doc_type, "UBND", "VP")


@given(st.text(max_size=30))
def test_reading_any_text_either_succeeds_or_says_it_is_invalid(value):
    try:
        parsed = parse_notation(value)
    except InvalidNotation:
        return
    assert str(parsed) == value.strip()
