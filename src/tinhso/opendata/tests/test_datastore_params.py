"""The parsers of datastore_search's parameters: whatever a caller sends, they return names
of the table's own columns (never anything else that could reach SQL) or refuse with a
ParamError; well-formed input reads back as it was written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.opendata.datastore.params import (
    ParamError,
    parse_fields,
    parse_filters,
    parse_q,
    parse_search,
    parse_sort,
)

COLUMNS = {
    "_id": "int",
    "xa": "text",
    "dân số": "int",
    'tên "cũ"': "text",
    "a,b": "text",
    "giá desc": "numeric",
}
names = st.sampled_from(sorted(COLUMNS))


def written(name: str, desc: bool | None) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    return quoted + {None: "", True: " desc", False: " ASC"}[desc]


@given(st.lists(st.tuples(names, st.sampled_from([None, True, False])), min_size=1, max_size=6))
def test_a_written_sort_reads_back(items):
    text = ", ".join(written(n, d) for n, d in items)
    assert parse_sort(text, COLUMNS) == tuple((n, bool(d)) for n, d in items)
    assert parse_sort([written(n, d) for n, d in items], COLUMNS) == parse_sort(text, COLUMNS)


@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(st.text(max_size=20), max_size=4),
        st.integers(),
        st.none(),
        st.dictionaries(st.text(max_size=5), st.text()),
    )
)
def test_any_sort_gives_known_columns_or_a_clear_refusal(value):
    try:
        parsed = parse_sort(value, COLUMNS)
    except ParamError:
        return
    assert all(name in COLUMNS and isinstance(desc, bool) for name, desc in parsed)


@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(st.one_of(st.text(max_size=10), names), max_size=5),
        st.none(),
    )
)
def test_any_fields_give_known_columns_or_a_clear_refusal(value):
    try:
        parsed = parse_fields(value, COLUMNS)
    except ParamError:
        return
    assert set(parsed) <= set(COLUMNS)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)
)


@given(
    st.dictionaries(
        st.one_of(names, st.text(max_size=8)),
        st.one_of(
            scalars,
            st.lists(scalars, max_size=4),
            st.dictionaries(st.text(max_size=3), scalars, max_size=2),
        ),
        max_size=4,
    )
)
def test_any_filters_give_known_columns_and_plain_values(value):
    try:
        parsed = parse_filters(value, COLUMNS)
    except ParamError:
        return
    assert set(parsed) <= set(COLUMNS)
    for values in parsed.values():
        assert all(v is None or isinstance(v, str | int | float | bool) for v in values)


@given(st.one_of(st.text(max_size=40), st.dictionaries(names, st.text(max_size=20))))
def test_q_folds_words_without_tone_marks(value):
    terms, by_field = parse_q(value, COLUMNS)
    for term in [*terms, *(t for ts in by_field.values() for t in ts)]:
        assert term == term.lower().strip() and "đ" not in term and term


def test_sort_and_q_examples():
    assert parse_sort("xa, dân số desc", COLUMNS) == (("xa", False), ("dân số", True))
    assert parse_sort("giá desc", COLUMNS) == (("giá desc", False),)
    assert parse_sort('"giá desc" DESC', COLUMNS) == (("giá desc", True),)
    assert parse_sort('"a,b" desc', COLUMNS) == (("a,b", True),)
    assert parse_q("Hà  NỘI", COLUMNS) == (("ha", "noi"), {})
    assert parse_q('{"xa": "Đồng"}', COLUMNS) == ((), {"xa": ("dong",)})
    assert parse_q("{ha noi", COLUMNS) == (("{ha", "noi"), {})  # not JSON: words, as CKAN
    for bad in ("xa;drop", "xa,,_id", '"xa', "xa sideways", "_full_text"):
        with pytest.raises(ParamError):
            parse_sort(bad, COLUMNS)


def test_parse_search_names_every_bad_parameter():
    from tinhso.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        parse_search(
            {
                "sort": "x",
                "fields": ["y"],
                "filters": "[1]",
                "q": ["a"],
                "limit": -1,
                "offset": "z",
                "include_total": "maybe",
                "records_format": "xml",
            },
            COLUMNS,
        )
    assert {e.field for e in caught.value.errors} == {
        "sort",
        "fields",
        "filters",
        "q",
        "limit",
        "offset",
        "include_total",
        "records_format",
    }
    assert parse_search({"limit": 50_000}, COLUMNS).limit == 32_000
