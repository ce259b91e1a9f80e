"""The size limit on resource uploads, enforced while the body streams in.

A request whose declared length is already too large is refused before a byte of it is read;
otherwise `SizeLimit` sits first among the request's upload handlers and counts the bytes of the
file parts as they arrive: past the limit the part is skipped (its temporary file closed and
removed, the rest of the body read and dropped) and `oversize` is set, so the caller answers with
a field error on `upload` and nothing is stored. CKAN refuses the same way: its uploader raises
`ValidationError({"upload": ["File upload too large"]})` (ckan/lib/uploader.py), which its API
answers with 409. The limit is TINHSO_OPENDATA_MAX_UPLOAD_BYTES (default 200 MB)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tinhso.core.errors import DomainError

DEFAULT_MAX_UPLOAD_BYTES = 200 * 2**20
# Room in a multipart body for the form's other fields and the part headers.
FORM_ALLOWANCE = 1 * 2**20


def max_upload_bytes() -> int:
    return int(getattr(settings, "TINHSO_OPENDATA_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def limit_text() -> str:
    """The limit as people read it: "200 MB" (or bytes, when under a megabyte)."""
    limit = max_upload_bytes()
    if limit >= 2**20:
        return f"{limit // 2**20} MB"
    return ngettext("%(n)d byte", "%(n)d byte", limit) % {"n": limit}


def too_big_message() -> str:
    return _("Tệp lớn quá %(limit)s.") % {"limit": limit_text()}


def too_big() -> DomainError:
    return DomainError.for_field("upload", too_big_message(), code="too_big")


def declared_too_big(request: HttpRequest) -> bool:
    """The body's declared length already exceeds the limit (with room for the other fields)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_upload_bytes() + FORM_ALLOWANCE


class SizeLimit(FileUploadHandler):
    """Counts the bytes of every file part in the request; a part that takes the total past the
    limit is skipped, and `oversize` says so. Passes every chunk on to the next handler."""

    def __init__(self, request: HttpRequest | None = None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = max_upload_bytes() if limit is None else limit
        self.total = 0
        self.oversize = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.oversize:
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.total += len(raw_data)
        if self.total > self.limit:
            self.oversize = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def limit_uploads(request: HttpRequest) -> SizeLimit:
    """Put the limit first among the request's upload handlers. Must run before the body is
    parsed (before anything reads request.POST, the CSRF check included)."""
    handler = SizeLimit(request)
    request.upload_handlers.insert(0, handler)
    return handler
