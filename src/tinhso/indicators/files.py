"""Evidence files of entered figures: PDF, JPEG or PNG recognised by their first bytes (the
one-stop upload check, `onestop.files.file_check`), at most TINHSO_MAX_UPLOAD_BYTES each,
written to MEDIA_ROOT/indicators/<yyyy>/<mm>/<uuid4 hex>.<ext> through a temporary file
renamed into place, with the SHA-256 computed while writing and checked when read. Files are
written before the transaction that records them; the service removes them if it rolls back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.storage import read_checked, store
from tinhso.onestop.files import Upload, file_check

STORAGE_DIR = "indicators"
MAX_FILES = 10


@dataclass(frozen=True)
class Written:
    upload: Upload
    storage_path: str
    sha256: str
    size: int

    @property
    def absolute(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.storage_path


def evidence_check(files: Iterable[tuple[str, Any]], *, field: str = "files") -> list[Upload]:
    uploads = [file_check(name, source, field=field) for name, source in files]
    if len(uploads) > MAX_FILES:
        raise DomainError.for_field(field, _("Tối đa %(n)d tệp minh chứng mỗi lần.")
                                    % {"n": MAX_FILES}, code="too_many")
    return uploads


def evidence_write(upload: Upload, *, at: dt.datetime) -> Written:
    stored = store(upload.chunks(), folder=STORAGE_DIR, ext=upload.ext, at=at)
    return Written(upload, stored.storage_path, stored.sha256, stored.size)


def evidence_discard(written: Iterable[Written]) -> None:
    for w in written:
        w.absolute.unlink(missing_ok=True)


def evidence_read(storage_path: str, sha256: str) -> bytes:
    """The stored bytes, refused when they are not what was recorded."""
    return read_checked(storage_path, sha256, changed=_("Tệp minh chứng bị thay đổi trên đĩa."))
