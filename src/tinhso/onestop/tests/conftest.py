"""Fixtures shared by the one-stop tests."""

import pytest


@pytest.fixture
def media(settings, tmp_path):
    """Stored dossier files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
