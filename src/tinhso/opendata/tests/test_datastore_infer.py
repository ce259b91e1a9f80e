"""Type inference over the whole file, as properties: whatever the rows, every value converts
to the column's type (the load never fails on its own inference), a column of whole numbers is
int, and one decimal or one word anywhere in it, however late, makes it numeric or text."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.opendata.datastore.loader import _write_table

ints = st.integers(min_value=-(10**15), max_value=10**15)
cells = st.one_of(
    ints.map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates().map(str),
    st.sampled_from(["", "N/A", "true", "FALSE", "007", "Hà Nội", " 12 ", "1e5", "-0"]),
    st.text(alphabet="abcđêơ0123456789/-:. ", max_size=12),
)


def load(tmp_path, columns: list[list[str]]):
    rows = max(len(c) for c in columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([f"c{i}" for i in range(len(columns))])
    for r in range(rows):
        writer.writerow([c[r] if r < len(c) else "" for c in columns])
    source = tmp_path / "in.csv"
    source.write_text(buf.getvalue(), encoding="utf-8")
    part = tmp_path / "out.duckdb"
    part.unlink(missing_ok=True)
    built = _write_table(source, part, tmp_path)
    con = duckdb.connect(str(part), read_only=True)
    try:
        return built, con.execute("SELECT * EXCLUDE (_full_text) FROM data ORDER BY _id").fetchall()
    finally:
        con.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(cells, min_size=1, max_size=30), min_size=1, max_size=4))
def test_any_cells_load_and_convert_to_their_column_type(tmp_path, columns):
    built, rows = load(tmp_path, columns)
    assert built.rows == max(len(c) for c in columns) and built.rejected == 0
    assert len(rows) == built.rows


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(ints, min_size=1, max_size=50),
    st.integers(min_value=0, max_value=50),
    st.sampled_from([("2.5", "numeric"), ("nhiều", "text"), ("N/A", "int")]),
)
def test_one_late_value_decides_for_the_whole_column(tmp_path, numbers, at, odd):
    value, expected = odd
    cells_ = [str(n) for n in numbers]
    assert load(tmp_path, [cells_])[0].fields[0]["type"] == "int"
    cells_.insert(min(at, len(cells_)), value)
    built, rows = load(tmp_path, [cells_])
    assert built.fields[0]["type"] == expected


@pytest.mark.parametrize(
    ("cells_", "expected"),
    [
        (["001", "002"], "text"),
        (["0", "10"], "int"),
        (["0.5", "-0.25"], "numeric"),
        (["01/02/2024", "31/12/2024"], "date"),
        (["2024-02-30"], "text"),
        (["true", "False"], "bool"),
        (["", "N/A"], "text"),
    ],
)
def test_kinds_of_columns(tmp_path, cells_, expected):
    assert load(tmp_path, [cells_])[0].fields[0]["type"] == expected
