"""The server-drawn SVG charts: well-formed XML with a title and a description, whatever the
series (empty, zeros, one point, gaps, huge or negative numbers)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from tinhso.indicators.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
values = st.one_of(st.none(), st.integers(min_value=-10**30, max_value=10**30),
                   st.floats(allow_nan=True, allow_infinity=True))
labels = st.text(min_size=0, max_size=40)


def _check(svg: str, title: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, the thing under test
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    found = root.find(f"{SVG}title")
    assert found is not None
    if title and title.isprintable():  # otherwise characters XML cannot hold were dropped
        assert found.text == title
    ids = root.get("aria-labelledby").split()
    assert {e.get("id") for e in root.iter() if e.get("id")} >= set(ids)
    assert root.find(f"{SVG}desc").text
    return root


@given(st.lists(st.tuples(labels, values), max_size=30), labels)
def test_any_series_gives_a_valid_line_chart(series, title):
    svg = line_chart(chart_id="c", title=title, labels=[a for a, _ in series],
                     values=[b for _, b in series])
    _check(svg, title)


@given(st.lists(st.tuples(labels, values), max_size=30), labels)
def test_any_series_gives_a_valid_bar_chart(series, title):
    svg = bar_chart(chart_id="c", title=title, labels=[a for a, _ in series],
                    values=[b for _, b in series])
    _check(svg, title)


def test_the_description_says_the_numbers_in_words():
    root = _check(line_chart(chart_id="t", title="Hồ sơ tiếp nhận", labels=["2021", "2022"],
                             values=[800000, 986337]), "Hồ sơ tiếp nhận")
    assert root.find(f"{SVG}desc").text == "2021: 800.000; 2022: 986.337"
    assert len(root.findall(f"{SVG}polyline")) == 1


def test_an_empty_or_flat_series_is_drawn_without_dividing_by_zero():
    for values_ in ([], [0, 0, 0], [5], [None, None]):
        names = [str(i) for i in range(len(values_))]
        _check(line_chart(chart_id="e", title="x", labels=names, values=values_), "x")
        _check(bar_chart(chart_id="e", title="x", labels=names, values=values_), "x")
    root = _check(line_chart(chart_id="e", title="x", labels=[], values=[]), "x")
    assert "Không có số liệu" in ET.tostring(root, encoding="unicode")
