"""Suite-wide test setup."""

import pytest

from tinhso.core import db as core_db

# The test database may purge the audit log between tests; nothing else may.
core_db.AUDIT_PURGE_ALLOWED = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing is slow on purpose; tests check behaviour, not the cost of PBKDF2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks run in the test's own thread when enqueued (after commit), so a test
    sees their effect; the database worker is exercised by its own tests."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": []}}


@pytest.fixture(autouse=True)
def _fresh_catalog_cache():
    """Each test starts with no cached catalog reads (its database was rolled back)."""
    from tinhso.catalog.cache import catalog_cache_clear

    catalog_cache_clear()
    yield
    catalog_cache_clear()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Live-server request threads close their database connection after each request (as with
    CONN_MAX_AGE=0), so PostgreSQL can drop the test database at the end of the session."""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _no_usage_counts_left():
    """Open data use counted by a test (any test that reads a dataset) is forgotten after it:
    its rows went with the test's database, and a flush at exit would find no tables."""
    yield
    from tinhso.opendata import usage

    usage.discard()
