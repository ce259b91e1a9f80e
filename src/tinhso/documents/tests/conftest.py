"""The signing app's session PKI (made once, rows re-inserted per test) for the documents'
signing tests, and pdfsig's NSS database."""

from __future__ import annotations

from typing import Any

import pytest

from tinhso.signing.tests import conftest as signing
from tinhso.signing.tests.conftest import (  # noqa: F401 - fixtures pytest finds by name
    nss_db,
    pki,
    pki_session,
)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The signing tests' banner (skipped tool checks), once, when they did not run too."""
    if not config.pluginmanager.is_registered(signing):
        signing.pytest_terminal_summary(terminalreporter, exitstatus, config)
