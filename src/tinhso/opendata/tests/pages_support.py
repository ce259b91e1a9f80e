"""For the page tests: the usage counters (`opendata.usage`) kept in memory for the whole
test and thrown away after it, so that no batch is written in the middle of a query count
(a batch is due after 10 seconds) or after the test's rows are gone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tinhso.opendata import usage


@pytest.fixture
def quiet_usage(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    usage.discard()
    monkeypatch.setattr(usage, "FLUSH_SECONDS", 10.0**9)
    monkeypatch.setattr(usage, "FLUSH_HITS", 10**9)
    yield
    usage.discard()
