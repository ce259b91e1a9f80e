"""Signed PDFs of documents on disk: MEDIA_ROOT/documents/<yyyy>/<mm>/<uuid4 hex>.pdf, written
through a temporary file renamed into place, so a reader never sees half a file. A file is
written before the transaction that records it commits; the service deletes it when that
transaction fails (a killed process can leave one behind that no row names: harmless)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError

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
    local = timezone.localtime(at or timezone.now())
    rel_dir = Path(STORAGE_DIR) / f"{local:%Y}" / f"{local:%m}"
    target_dir = Path(settings.MEDIA_ROOT) / rel_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    rel = rel_dir / f"{uuid.uuid4().hex}.pdf"
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".doc-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target_dir / rel.name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Stored(rel.as_posix(), hashlib.sha256(data).hexdigest(), len(data))


def pdf_read(storage_path: str, sha256: str) -> bytes:
    """The stored bytes, refused when they are not what was recorded."""
    data = (Path(settings.MEDIA_ROOT) / storage_path).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DomainError(message=_("Tệp văn bản đã ký bị thay đổi trên đĩa."), status=500,
                          code="file_corrupted")
    return data
