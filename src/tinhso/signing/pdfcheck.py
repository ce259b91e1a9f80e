"""Whether an uploaded PDF may be kept and signed: a PDF by its content (never its name or the
type a client claims), within the upload limit, readable, not encrypted, with at least one
page, and without active or hidden content: no JavaScript (nor XFA forms, which carry scripts,
nor actions that launch programs) and no embedded files (a signed PDF should show everything
it carries: an embedded file is signed unseen).

The check walks every object reachable from the document's catalogue, dereferencing each once
(a bounded walk: a PDF of more objects than `MAX_OBJECTS` is refused as unreadable rather than
read for ever). It is used before a PDF is signed on behalf of an agency (documents'
attachments, one-stop results) and on what another installation sends (exchange); it never
modifies the file. Refusals are `DomainError`s naming the form field.

The walk costs a few milliseconds even on a one-page PDF, too much for every component of
every citizen submission. `pdf_scan` is the cheap first look those uploads get
(`pdf_component_check`): the PDF is parsed and walked only when its bytes could hide what the
walk looks for. Every dictionary key and action type is a PDF name, written in the file's
bytes, unless (a) the name is spelt with `#xx` escapes, or (b) the dictionary sits in a
compressed object stream (PDF 1.5+, which most producers use), or (c) the file is encrypted.
So the scan looks for the names themselves (`/JavaScript`, `/JS`, `/Launch`, `/XFA`,
`/EmbeddedFile`, `/EF`, `/Encrypt`, ...), for a name escaping a letter or digit (a legitimate
producer escapes only spaces, delimiters and non-ASCII), inflates every zlib stream (an
object stream is found whatever its dictionary claims, since every stream is tried) and
looks in what comes out, and gives up (the full check then runs) on whatever it cannot read
for sure: a filter other than Flate that an object stream could use, a PNG predictor (which
hides the names in row differences), a broken or oversized zlib stream."""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from tinhso.core.errors import DomainError
from tinhso.core.storage import max_upload_bytes

log = logging.getLogger(__name__)

MAX_OBJECTS = 200_000
# Keys whose presence means script or a program to run.
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/XFA", "/RichMedia"})
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/RichMediaExecute", "/ImportData"})
EMBEDDED_KEYS = frozenset({"/EmbeddedFiles", "/EF"})
EMBEDDED_TYPES = frozenset({"/EmbeddedFile"})
EMBEDDED_SUBTYPES = frozenset({"/FileAttachment"})

# `pdf_scan`. The names the walk refuses on, and /Encrypt (an encrypted file's strings and streams are
# unreadable to the scan); as prefixes, so /JS also catches /JSx (a parse too many is harmless).
_MARKERS = re.compile(rb"/(?:JavaScript|JS|Launch|XFA|EmbeddedFile|EF|FileAttachment|RichMedia"
                      rb"|ImportData|Encrypt)")
# What the scan cannot see through: the other filters an object stream could be encoded with,
# and the PNG/TIFF predictors (the inflated bytes are then row differences).
_OPAQUE = re.compile(rb"/(?:ASCIIHexDecode|AHx|ASCII85Decode|A85|LZWDecode|LZW|RunLengthDecode"
                     rb"|Crypt|Predictor|RL(?![^\x00\t\n\x0c\r ()<>\[\]{}/%]))")
# A name with #xx escapes (/J#61vaScript is /JavaScript): decoded, then looked at as above.
# Every name looked for is letters, so only escapes among letters and digits matter.
_ESCAPED = re.compile(rb"/[A-Za-z0-9]*#[0-9A-Fa-f]{2}(?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})*")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_SPACE = b"\x00\t\n\x0c\r "
# An object stream starts with the numbers of its objects (a reader's lexer skips whitespace
# and comments first): what does not start so is no object stream to any reader.
OBJECT_STREAM_START = frozenset(bytes([c]) for c in b"0123456789+-.%")
PEEK = 64
_NEXT_LINE = re.compile(rb"[^\r\n]{0,256}?(?:\r\n|\n|\r)")
MAX_INFLATE = 64 * 1024 * 1024  # bytes inflated by one scan before it gives up


class Unsafe(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _refuse(field: str, message: str, code: str, data: bytes | None = None) -> DomainError:
    if data is not None:  # logged by content, not name (a file name may name a person)
        log.warning("pdfcheck: refused a PDF on %s: %s (%d bytes, sha256 %s)", field, code,
                    len(data), hashlib.sha256(data).hexdigest())
    return DomainError.for_field(field, message, code=code)


def _judge(d: generic.DictionaryObject) -> None:
    keys = set(d.keys())
    if keys & ACTIVE_KEYS:
        raise Unsafe("javascript")
    if str(d.get("/S", "")) in ACTIVE_ACTIONS:
        raise Unsafe("javascript")
    if keys & EMBEDDED_KEYS or str(d.get("/Type", "")) in EMBEDDED_TYPES \
            or str(d.get("/Subtype", "")) in EMBEDDED_SUBTYPES:
        raise Unsafe("embedded_file")


def _walk(reader: PdfFileReader) -> None:
    """Every object reachable from the trailer, each once; Unsafe at the first bad one."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer_view.raw_get("/Root")]
    count = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, generic.IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            count += 1
            if count > MAX_OBJECTS:
                raise Unsafe("unreadable")
            obj = obj.get_object()
        if isinstance(obj, generic.DictionaryObject):  # streams too (their dictionary)
            _judge(obj)
            stack.extend(obj.raw_get(k) for k in obj.keys())
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(obj.raw_get(i) for i in range(len(obj)))


def _zlib_header(head: bytes) -> bool:
    return len(head) == 2 and head[0] & 0x0F == 8 and not head[1] & 0x20 \
        and (head[0] << 8 | head[1]) % 31 == 0


def _suspicious(buf: bytes) -> bool:
    if _MARKERS.search(buf) or _OPAQUE.search(buf):
        return True
    for m in _ESCAPED.finditer(buf):
        name = _ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), m.group())
        if _MARKERS.match(name) or _OPAQUE.match(name):
            return True
    return False


def pdf_scan(data: bytes) -> bool:
    """Whether `data` (a PDF) needs the full check: True when its bytes, or those of one of
    its zlib streams once inflated, show a name the check refuses on, or when the scan cannot
    be sure (see the module's description). False clears the file without parsing it."""
    if _suspicious(data):
        return True
    view = memoryview(data)
    budget = MAX_INFLATE
    at = data.find(b"stream")
    while at >= 0:
        keyword_end = at + 6
        at = data.find(b"stream", keyword_end)
        if data[keyword_end - 9:keyword_end - 6] == b"end":
            continue
        for start in _stream_starts(data, keyword_end):
            if not _zlib_header(data[start:start + 2]):
                continue  # not Flate (an image's DCT data, say): no reader inflates it
            inflater = zlib.decompressobj()
            try:
                out = inflater.decompress(view[start:], PEEK)
                if out.lstrip(PDF_SPACE)[:1] not in OBJECT_STREAM_START \
                        and out.strip(PDF_SPACE):
                    continue  # a font, an image, a profile: no object stream's "n offset"
                out += inflater.decompress(inflater.unconsumed_tail, budget)
            except zlib.error:
                return True
            if not inflater.eof and inflater.unconsumed_tail:
                return True  # past the budget (the input left after the end is no concern)
            budget -= len(out)
            if _suspicious(out):
                return True
    return False


def _stream_starts(data: bytes, keyword_end: int) -> set[int]:
    """Where a reader may take a stream's data to start: after the end of line that follows
    the `stream` keyword (CRLF or LF; a lone CR too), or, for readers that skip to the next
    line (pdf.js), after the first end of line within the next bytes."""
    starts = {keyword_end + (2 if data[keyword_end:keyword_end + 2] == b"\r\n" else 1)}
    line = _NEXT_LINE.match(data, keyword_end)
    if line is not None:
        starts.add(line.end())
    return starts


def _opens_without_password(reader: PdfFileReader) -> bool:
    """Whether an encrypted file opens with the empty user password (then it is decrypted)."""
    try:
        return reader.decrypt(b"").status != AuthStatus.FAILED
    except (PdfError, ValueError, TypeError, KeyError, NotImplementedError):
        return False  # a certificate (public-key) handler or an unknown one: not for us to open


def too_large(size: int, *, field: str = "file", name: str = "") -> DomainError | None:
    """The refusal of an upload of `size` bytes past the limit (to check before reading it),
    or None."""
    limit = max_upload_bytes()
    if size <= limit:
        return None
    return _refuse(field, _("Tệp “%(name)s” quá lớn (%(size)s MB); tối đa %(limit)s MB mỗi "
                            "tệp.") % {"name": name or _("tệp"), "size": f"{size / 1048576:.1f}",
                                       "limit": f"{limit / 1048576:g}"}, "too_large")


def pdf_upload_check(data: bytes, *, field: str = "file", name: str = "") -> None:
    """Refuse `data` (DomainError on `field`) unless it is a PDF that may be kept and signed."""
    refusal = too_large(len(data), field=field, name=name)
    if refusal is not None:
        raise refusal
    pdf_content_check(data, field=field, name=name)


def pdf_component_check(data: bytes, *, field: str = "files", name: str = "") -> None:
    """The check of a PDF a citizen submits (the caller has checked its size): `pdf_scan`,
    then the full check only when the scan cannot clear the file. A PDF the scan clears is
    not parsed, so a truncated one without any suspicious name still passes (the officer sees
    that it does not open); one the scan sends on must be readable. A file locked with an owner
    password only (printing or copying restricted, as banks send statements) opens for anyone,
    so it is accepted once its decrypted content passes the same walk; one that needs a password
    to open is refused."""
    if pdf_scan(data):
        pdf_content_check(data, field=field, name=name, open_encryption=True)


def pdf_content_check(data: bytes, *, field: str = "file", name: str = "",
                      open_encryption: bool = False) -> None:
    """The full check without the size limit (exchange packages have their own). With
    `open_encryption`, a file encrypted without a user password is read with the empty one and
    checked; otherwise any encryption is refused (a file to be signed must not be)."""
    label = name or _("tệp")
    if not data:
        raise _refuse(field, _("Tệp “%(name)s” rỗng.") % {"name": label}, "empty", data)
    if not data.startswith(b"%PDF-"):
        raise _refuse(field, _("Tệp “%(name)s” không phải tệp PDF (kiểm tra theo nội dung "
                               "tệp).") % {"name": label}, "not_pdf", data)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted and not (open_encryption and _opens_without_password(reader)):
            raise Unsafe("encrypted")
        pages = int(reader.root["/Pages"]["/Count"])
        if pages < 1:
            raise Unsafe("no_pages")
        _walk(reader)
    except Unsafe as exc:
        messages = {
            "encrypted": _("Tệp “%(name)s” được đặt mật khẩu hoặc mã hóa: hãy tải lên bản "
                           "không đặt mật khẩu."),
            "no_pages": _("Tệp “%(name)s” không có trang nào."),
            "javascript": _("Tệp “%(name)s” chứa JavaScript hoặc lệnh tự chạy, không được "
                            "chấp nhận."),
            "embedded_file": _("Tệp “%(name)s” chứa tệp khác đính kèm ẩn bên trong, không "
                               "được chấp nhận: hãy gửi từng tài liệu thành một tệp riêng."),
            "unreadable": _("Không đọc được tệp “%(name)s”: tệp bị hỏng hoặc không đầy đủ."),
        }
        raise _refuse(field, messages[exc.code] % {"name": label}, exc.code, data) from None
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            RecursionError, AssertionError):  # pyHanko asserts, e.g. an object stream's /Type
        raise _refuse(field, _("Không đọc được tệp “%(name)s”: tệp bị hỏng hoặc không đầy "
                               "đủ.") % {"name": label}, "unreadable", data) from None
