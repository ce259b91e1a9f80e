"""`q` on PostgreSQL goes through the full-text index (`opendata/fulltext.py`; SQLite matches
the same words without it): whole words,
tone marks ignored, `word*` as a prefix; whatever the text, a search answers (never a 500),
and Python splits words exactly as the generated column does."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.core.text import fold
from tinhso.opendata import fulltext
from tinhso.opendata.tests.test_search import search
from tinhso.opendata.tests.world import dataset, publisher, two_agencies

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the full-text index is PostgreSQL's"
)
VECTOR = importlib.import_module("tinhso.opendata.migrations.0008_search_vector").VECTOR
TSQUERY_SIGNS = "&|!:*()'\\<>-\"+~^[]{}?/"


@pytest.fixture
def catalog():
    health, finance = two_agencies()
    a, b = publisher(health), publisher(finance)
    dataset(
        a,
        health,
        "ho-so-tiem-chung",
        title="Hồ sơ tiêm chủng mở rộng",
        notes="Báo cáo “Dân số” năm 2024 (bản-chính).",
    )
    dataset(
        b, finance, "giao-thong", title="Giao thông nông thôn", notes="Đường giao thông theo xã."
    )
    return health, finance


def test_the_query_is_built_from_words_never_from_the_text():
    assert fulltext.tsquery("Hồ SƠ tiêm*") == "'ho' & 'so' & 'tiem':*"
    assert fulltext.tsquery("a&b|!c:*(d)'e\\f") == "'a' & 'b' & 'c' & 'd' & 'e' & 'f'"
    assert fulltext.tsquery("“dân số” — 2024…") == "'dan' & 'so' & '2024'"
    assert fulltext.tsquery("!!! *") == ""
    assert fulltext.tsquery("x" * 100) is None
    assert fulltext.tsquery(" ".join(str(i) for i in range(20))).count("&") == 9


def test_words_match_whole_words_not_parts_of_words(client, catalog):
    """On both databases: the index on PostgreSQL, the same word boundaries on SQLite."""
    assert search(client, q="ho so")["count"] == 1
    assert search(client, q="ho")["count"] == 1  # not "giao tHOng"
    assert search(client, q="thon")["count"] == 1  # "thôn", not "thông"
    assert search(client, q="tie")["count"] == 0
    assert search(client, q="tie*")["count"] == 1
    assert search(client, q="th*")["count"] == 2  # "thôn", "thử" (both agencies' names)
    assert search(client, q="tiem* chu*")["count"] == 1
    assert search(client, q="dân số 2024 bản chính")["count"] == 1  # quotes, dashes, brackets
    assert search(client, q='"ho so tiem"')["count"] == 1
    assert search(client, q='"so ho"')["count"] == 0  # a phrase keeps its order
    assert search(client, q="-ho")["count"] == 1
    assert search(client, q="giao OR tiem")["count"] == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(alphabet=st.sampled_from(TSQUERY_SIGNS + " aơđ1*:"), max_size=30) | st.text(max_size=30)
)
def test_any_q_answers_never_a_server_error(client, catalog, q):
    r = client.get("/api/3/action/package_search", {"q": q, "rows": "1"})
    assert r.status_code in (200, 400), (q, r.content)  # 400: a Search Query Error, or NUL


@on_postgresql
@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=60).filter(lambda t: "\x00" not in t)
    | st.text(alphabet=st.sampled_from(" -.,“”…·ab1ơ" + TSQUERY_SIGNS), max_size=60)
    | st.builds(lambda n: "a" * n + " b", st.integers(95, 105))
)
def test_python_splits_words_as_the_generated_column_does(text):
    folded = fold(text)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(array_agg(lexeme), '{}') FROM unnest("  # noqa: S608 (a constant)
            + VECTOR.replace("search_folded", "%s::text")
            + ")",
            [folded],
        )
        lexemes = set(cursor.fetchone()[0])
    assert lexemes == {w for w in fulltext.words(folded) if len(w) <= fulltext.LONGEST_WORD}
