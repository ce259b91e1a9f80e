"""Fixtures shared by the one-stop tests."""

import pytest

from tinhso.signing.tests.conftest import (  # noqa: F401 - fixtures pytest finds by name
    pki,
    pki_session,
)


@pytest.fixture
def media(settings, tmp_path):
    """Stored dossier files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
