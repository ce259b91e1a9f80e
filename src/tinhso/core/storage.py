"""Files under MEDIA_ROOT written once, atomically and durably, and read back checked.

Every app that keeps files (dossier components and results, signed documents, evidence of
entered indicators) stores them the same way: under `<MEDIA_ROOT>/<folder>/<yyyy>/<mm>/` with a
random name, written to a temporary name, `fsync`ed, then renamed, so a reader never sees half a
file and a crash leaves at most a `.part` file; the SHA-256 is recorded with the row that names
the file, and checked whenever the file is read."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from tinhso.core.errors import DomainError

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# The file types people upload (dossier components and results, documents' attachments,
# signature images, evidence): (magic prefix, extension, content type). Recognised by their
# first bytes, never by a name or the type a client claims.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)
HEAD = max(len(s[0]) for s in SIGNATURES)


def max_upload_bytes() -> int:
    """The largest file a person may upload (settings.TINHSO_MAX_UPLOAD_BYTES)."""
    return int(getattr(settings, "TINHSO_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def detect_type(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of a PDF, JPEG or PNG from its first bytes, else None."""
    for magic, ext, content_type in SIGNATURES:
        if head.startswith(magic):
            return ext, content_type
    return None


@dataclass(frozen=True)
class StoredFile:
    storage_path: str  # relative to MEDIA_ROOT
    sha256: str
    size: int

    @property
    def absolute(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.storage_path


def store(chunks: Iterable[bytes], *, folder: str, ext: str, at: dt.datetime | None = None,
          limit: int | None = None, too_large: Callable[[], Exception] | None = None,
          sync: bool = True) -> StoredFile:
    """Write `chunks` as a new file of `folder` (dated by `at`, Vietnam time); past `limit`
    bytes, stop and raise `too_large()` with nothing left behind. With `sync=False` the file
    is not yet `fsync`ed: the caller makes it durable (`Syncing`) before it commits the row
    that names it."""
    local = timezone.localtime(at or timezone.now())
    rel_dir = Path(folder) / f"{local:%Y}" / f"{local:%m}"
    target_dir = Path(settings.MEDIA_ROOT) / rel_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    rel = rel_dir / f"{uuid.uuid4().hex}.{ext}"
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for block in chunks:
                size += len(block)
                if limit is not None and size > limit:
                    raise (too_large() if too_large else ValueError("file too large"))
                digest.update(block)
                out.write(block)
            out.flush()
            if sync:
                os.fsync(out.fileno())
        os.replace(tmp, target_dir / rel.name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StoredFile(rel.as_posix(), digest.hexdigest(), size)


class Syncing:
    """Files written with `store(sync=False)` being `fsync`ed on other threads while the
    request goes on (the database work of a submission): `wait()` before committing the rows
    that name them. Each `fsync` waits for the disk (a journal commit, ~3-7 ms here) with the
    interpreter lock released; two files side by side also share a commit. A failure
    (EIO, a full disk) is raised by `wait()`, so the transaction does not commit."""

    _pool: tuple[int, ThreadPoolExecutor] | None = None  # per process: threads do not fork

    def __init__(self, paths: Iterable[Path]) -> None:
        pool = Syncing._pool
        if pool is None or pool[0] != os.getpid():
            pool = Syncing._pool = (os.getpid(), ThreadPoolExecutor(4, "fsync"))
        self._futures = [pool[1].submit(_fsync, p) for p in paths]

    def wait(self) -> None:
        for future in self._futures:
            future.result()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_checked(storage_path: str, sha256: str, *, changed: str) -> bytes:
    """The stored bytes; a 500 problem with the message `changed` when they are not what was
    recorded (the disk was tampered with or is failing)."""
    data = (Path(settings.MEDIA_ROOT) / storage_path).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DomainError(message=changed, status=500, code="file_corrupted")
    return data
