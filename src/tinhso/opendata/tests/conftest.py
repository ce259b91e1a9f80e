"""Each open data test starts with an empty usage buffer, written only when the test says
(`usage.flush`): a batch written on its own in the middle of a test would add queries to what
a query-count test measures. Uploaded files and datastore tables go to the test's own
temporary folders."""

import pytest

from tinhso.opendata import usage


@pytest.fixture(autouse=True)
def _usage_buffer(monkeypatch):
    usage.discard()
    monkeypatch.setattr(usage, "FLUSH_HITS", 10**9)
    monkeypatch.setattr(usage, "FLUSH_SECONDS", float(10**9))
    yield
    usage.discard()


@pytest.fixture(autouse=True)
def _storage_dirs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TINHSO_DATASTORE_DIR = tmp_path / "datastore"
