from __future__ import annotations

import pytest

from tinhso.directory.services import units_import


@pytest.fixture
def thanh_hoa(db):
    """Thanh Hóa's current and pre-2025 units, imported from the installed packages."""
    return units_import(province_codes=["38"])
