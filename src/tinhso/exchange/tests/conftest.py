"""The signing app's session PKI (made once, rows re-inserted per test), and a sender and a
receiver agency with their peers (`net.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tinhso.signing.tests.conftest import (  # noqa: F401 - fixtures pytest finds by name
    Pki,
    _restore,
    pki_session,
    two_page_pdf,
)


@pytest.fixture(scope="session")
def exchange_pki_dir(pki_session: Any) -> Path:  # noqa: F811
    """The directory of this conftest's session PKI (another app's session PKI, made later in
    the same run, would point the settings elsewhere)."""
    from django.conf import settings

    return Path(settings.TINHSO_SIGNING_PKI_DIR)


@pytest.fixture
def pki(db: Any, pki_session: Any, exchange_pki_dir: Path, settings: Any) -> Pki:  # noqa: F811
    """As the signing app's `pki`, made robust to test ordering: pytest-django runs
    transactional tests last, after other apps' session PKIs may have been made."""
    from tinhso.accounts.models import User
    from tinhso.directory.models import Agency
    from tinhso.signing import devpki
    from tinhso.signing.models import Certificate

    if Path(settings.TINHSO_SIGNING_PKI_DIR) != exchange_pki_dir:
        settings.TINHSO_SIGNING_PKI_DIR = exchange_pki_dir
        settings.TINHSO_SIGNING_KEY_SECRET = "test-key-encryption-secret"
        devpki.reset()
    snap, names = pki_session
    _restore(snap)
    return Pki(
        admin=User.objects.get(pk=names["admin"]), agency=Agency.objects.get(pk=names["agency"]),
        signer=User.objects.get(pk=names["signer"]),
        personal=Certificate.objects.get(pk=names["personal"]),
        organization=Certificate.objects.get(pk=names["organization"]),
        other_personal=Certificate.objects.get(pk=names["other_personal"]),
        expired=Certificate.objects.get(pk=names["expired"]),
        directory=exchange_pki_dir,
    )


@pytest.fixture
def net(pki, two_page_pdf, settings, tmp_path):  # noqa: F811
    from tinhso.exchange.tests.net import make_net

    settings.MEDIA_ROOT = tmp_path / "media"
    return make_net(pki, two_page_pdf)
