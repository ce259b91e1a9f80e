"""Stored dossier files: uploaded components, supplements and results.

Only PDF, JPEG and PNG are accepted, recognised by their first bytes (never by the file name
or the content type a client claims), at most settings.TINHSO_MAX_UPLOAD_BYTES (10 MB) each.
A PDF is refused when it carries JavaScript (or XFA, or an action that launches a program),
embedded files, or is encrypted: officers open components in their browser, and components
are reused in later dossiers and may be signed. The check is the cheap byte scan of
`signing.pdfcheck.pdf_component_check` (about 0.05 ms of CPU on a one-page PDF); the PDF is
parsed only when the scan cannot clear it.
A file is written to MEDIA_ROOT/dossiers/<yyyy>/<mm>/<uuid4 hex>.<ext> through a temporary
file renamed into place (os.replace), so a reader never sees half a file; its SHA-256 is
computed while writing. Files are written before the transaction that records them commits;
the caller deletes them if that transaction fails, and `tinhso files cleanup` removes what a
killed process left behind (files no row references, older than an hour).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.catalog.models import RequiredDocument
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.storage import HEAD, detect_type, max_upload_bytes, store
from tinhso.core.text import UnsafeText, clean_text
from tinhso.onestop.models import Dossier, DossierFile
from tinhso.onestop.rollups import rollup_bump_many
from tinhso.signing.pdfcheck import pdf_component_check

STORAGE_DIR = "dossiers"
CHUNK = 64 * 1024


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


@dataclass
class Upload:
    """One uploaded file, checked but not yet written."""

    name: str
    source: Any  # bytes, or a file-like object (Django UploadedFile, BytesIO, open file)
    size: int
    ext: str
    content_type: str
    document_id: int | None = None

    def chunks(self) -> Iterator[bytes]:
        if isinstance(self.source, bytes | bytearray | memoryview):
            data = bytes(self.source)
            for i in range(0, len(data), CHUNK):
                yield data[i:i + CHUNK]
            return
        if hasattr(self.source, "seek"):
            self.source.seek(0)
        if hasattr(self.source, "chunks"):
            yield from self.source.chunks(CHUNK)
            return
        while True:
            block = self.source.read(CHUNK)
            if not block:
                return
            yield block


def _size_and_head(source: Any) -> tuple[int, bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return len(data), data[:HEAD]
    if not hasattr(source, "read"):
        raise TypeError("upload must be bytes or a file-like object")
    size = getattr(source, "size", None)
    if hasattr(source, "seek"):
        source.seek(0)
        head = source.read(HEAD)
        if size is None:
            source.seek(0, os.SEEK_END)
            size = source.tell()
        source.seek(0)
    else:  # not seekable: read it whole (bounded by the limit + 1)
        data = source.read(max_upload_bytes() + 1)
        return len(data), data[:HEAD]
    return int(size), bytes(head)


def file_check(name: str, source: Any, *, field: str = "files",
               document_id: int | None = None) -> Upload:
    """Check one upload (type by content, size, name) without writing anything. An `Upload`
    already checked (by the API, per part, to name the part at fault) is returned as it is."""
    if isinstance(source, Upload):
        return source
    try:
        clean = clean_text(str(name or ""))
    except UnsafeText:
        raise DomainError.for_field(field, _("Tên tệp chứa ký tự không hợp lệ.")) from None
    clean = os.path.basename(clean.replace("\\", "/"))[:255] or "tep"
    size, head = _size_and_head(source)
    limit = max_upload_bytes()
    if size > limit:
        raise DomainError.for_field(
            field,
            _("Tệp “%(name)s” quá lớn (%(size)s MB); tối đa %(limit)s MB mỗi tệp.")
            % {"name": clean, "size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"},
            code="too_large",
        )
    if size == 0:
        raise DomainError.for_field(field, _("Tệp “%(name)s” rỗng.") % {"name": clean},
                                    code="empty")
    kind = detect_type(head)
    if kind is None:
        raise DomainError.for_field(
            field,
            _("Tệp “%(name)s” không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp).")
            % {"name": clean},
            code="file_type",
        )
    if kind[0] == "pdf":
        pdf_component_check(_content(source), field=field, name=clean)
    return Upload(clean, source, size, kind[0], kind[1], document_id)


def _content(source: Any) -> bytes:
    """All of an upload's bytes (within the limit, checked by the caller), the source left at
    its start for the writer."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(max_upload_bytes() + 1)
    if hasattr(source, "seek"):
        source.seek(0)
    return bytes(data)


@dataclass
class Written:
    upload: Upload
    storage_path: str  # relative to MEDIA_ROOT
    sha256: str
    size: int

    @property
    def absolute(self) -> Path:
        return media_root() / self.storage_path


def file_write(upload: Upload, *, at: dt.datetime | None = None, sync: bool = True) -> Written:
    """Write an upload atomically under MEDIA_ROOT/dossiers/<yyyy>/<mm>/; no database access.
    `sync=False`: see `core.storage.store`."""
    stored = store(
        upload.chunks(), folder=STORAGE_DIR, ext=upload.ext, at=at, limit=max_upload_bytes(),
        too_large=lambda: DomainError.for_field(
            "files", _("Tệp “%(name)s” quá lớn.") % {"name": upload.name}, code="too_large"),
        sync=sync)
    return Written(upload, stored.storage_path, stored.sha256, stored.size)


def file_discard(written: Iterable[Written]) -> None:
    """Remove files written for a transaction that did not commit."""
    for w in written:
        w.absolute.unlink(missing_ok=True)


def file_row(*, dossier: Dossier, written: Written, kind: str, actor: Any,
             at: dt.datetime, save: bool = True) -> DossierFile:
    """The DossierFile row for a written file (inside the caller's transaction); with
    save=False unsaved, for the caller to insert in bulk."""
    row = DossierFile(
        dossier=dossier, kind=kind, document_id=written.upload.document_id,
        name=written.upload.name, content_type=written.upload.content_type, size=written.size,
        sha256=written.sha256, storage_path=written.storage_path, uploaded_at=at,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if save:
        row.save()
    return row


def file_store(*, dossier: Dossier, upload_bytes_or_file: Any, name: str, kind: str,
               document: RequiredDocument | None = None, actor: Any,
               at: dt.datetime | None = None) -> DossierFile:
    """Check, write and record one file of `dossier`. Inside a transaction the file is removed
    again if the transaction rolls back before commit (`tinhso files cleanup` covers a kill)."""
    from django.db import transaction

    at = at or timezone.now()
    if kind not in DossierFile.Kind.values:
        raise DomainError.for_field("kind", _("Loại tệp không hợp lệ."))
    if document is not None and document.version_id != dossier.version_id:
        raise DomainError.for_field("files", _("Thành phần hồ sơ không thuộc thủ tục này."))
    upload = file_check(name, upload_bytes_or_file,
                        document_id=document.pk if document is not None else None)
    written = file_write(upload, at=at)
    try:
        with transaction.atomic():
            row = file_row(dossier=dossier, written=written, kind=kind, actor=actor, at=at)
            audit_record(actor=actor, action="dossier.file_stored", obj=dossier,
                         data={"file": row.pk, "name": row.name, "sha256": row.sha256,
                               "kind": kind})
    except BaseException:
        file_discard([written])
        raise
    return row


def _same_applicant(a: Dossier, b: Dossier) -> bool:
    if a.applicant_id and b.applicant_id:
        return a.applicant_id == b.applicant_id
    return bool(a.applicant_id_number) and a.applicant_id_number == b.applicant_id_number


def file_reuse(*, dossier: Dossier, source_file: DossierFile, actor: Any,
               document: RequiredDocument | None = None,
               at: dt.datetime | None = None) -> DossierFile:
    """Attach a component already digitized in an earlier dossier of the same applicant. The
    stored bytes are shared by a hard link (a copy where the filesystem cannot link), the new
    row points back with `reused_from`. Never across applicants."""
    from django.db import transaction

    at = at or timezone.now()
    source_dossier = source_file.dossier
    if not source_file.is_digitized or source_file.kind == DossierFile.Kind.SLIP:
        raise DomainError.for_field("files", _("Giấy tờ “%(name)s” chưa được số hóa.")
                                    % {"name": source_file.name})
    if source_dossier.pk == dossier.pk or not _same_applicant(source_dossier, dossier):
        raise NotAllowed(_("Chỉ được dùng lại giấy tờ đã số hóa của chính người nộp."))
    src = media_root() / source_file.storage_path
    rel = Path(source_file.storage_path).parent / f"{uuid.uuid4().hex}{src.suffix}"
    dst = media_root() / rel
    try:
        os.link(src, dst)
    except OSError:
        import shutil

        shutil.copyfile(src, dst)
    try:
        with transaction.atomic():
            # The dossier's first reused file counts it in the rollup (counter `reused`); the
            # dossier's row lock keeps two attachments at once from both counting it.
            list(Dossier.objects.select_for_update().filter(pk=dossier.pk).values_list("pk"))
            first = not DossierFile.objects.filter(dossier=dossier,
                                                   reused_from__isnull=False).exists()
            row = DossierFile.objects.create(
                dossier=dossier, kind=DossierFile.Kind.COMPONENT,
                document=document or source_file.document, name=source_file.name,
                content_type=source_file.content_type, size=source_file.size,
                sha256=source_file.sha256, storage_path=rel.as_posix(), uploaded_at=at,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                is_digitized=True, reused_from=source_file,
            )
            audit_record(actor=actor, action="dossier.file_reused", obj=dossier,
                         data={"file": row.pk, "from": source_file.pk})
            if first:
                rollup_bump_many(dossier, {"reused": 1}, dossier.submitted_at)
    except BaseException:
        dst.unlink(missing_ok=True)
        raise
    return row


def file_open(file: DossierFile):  # type: ignore[no-untyped-def]
    """The stored bytes, for a view that has already checked the reader may see the dossier."""
    return (media_root() / file.storage_path).open("rb")


def orphan_files(*, older_than: dt.timedelta = dt.timedelta(hours=1),
                 now: dt.datetime | None = None) -> Iterator[Path]:
    """Stored files that no DossierFile row references and that are older than `older_than`
    (younger ones may belong to a submission still in its transaction)."""
    root = media_root() / STORAGE_DIR
    if not root.exists():
        return
    cutoff = (now or timezone.now()).timestamp() - older_than.total_seconds()
    batch: list[Path] = []

    def flush() -> Iterator[Path]:
        rels = {p.relative_to(media_root()).as_posix(): p for p in batch}
        known = set(DossierFile.objects.filter(storage_path__in=list(rels))
                    .values_list("storage_path", flat=True))
        for rel, path in rels.items():
            if rel not in known:
                yield path
        batch.clear()

    for path in root.rglob("*"):
        if not path.is_file():
            continue
        try:
            if path.stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue
        batch.append(path)
        if len(batch) >= 500:
            yield from flush()
    if batch:
        yield from flush()


def files_cleanup(*, older_than: dt.timedelta = dt.timedelta(hours=1),
                  dry_run: bool = False) -> list[Path]:
    removed = []
    for path in list(orphan_files(older_than=older_than)):
        if not dry_run:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
