"""Signed PDFs of documents and their attachments on disk: MEDIA_ROOT/documents/<yyyy>/<mm>/<uuid4 hex>.pdf, written
through a temporary file renamed into place, so a reader never sees half a file. A file is
written before the transaction that records it commits; the service deletes it when that
transaction fails (a killed process can leave one behind that no row names: harmless)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.core.storage import read_checked, store

STORAGE_DIR = "documents"


@dataclass(frozen=True)
class Stored:
    storage_path: str  # relative to MEDIA_ROOT
    sha256: str
    size: int

    @property
    def absolute(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.storage_path


def pdf_write(data: bytes, *, at: dt.datetime | None = None) -> Stored:
    stored = store([data], folder=STORAGE_DIR, ext="pdf", at=at)
    return Stored(stored.storage_path, stored.sha256, stored.size)


def pdf_read(storage_path: str, sha256: str, *, changed: str = "") -> bytes:
    """The stored bytes, refused when they are not what was recorded (`changed` says what
    the file is; by default a signed document's file)."""
    return read_checked(storage_path, sha256,
                        changed=changed or _("Tệp văn bản đã ký bị thay đổi trên đĩa."))
