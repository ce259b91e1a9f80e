"""PDFs crafted to carry what `signing.pdfcheck` refuses, for every way a PDF comes in
(documents' attachments, exchange packages, one-stop results and components).

Each `make(pdf)` takes a clean PDF and returns it changed; `CRAFTED` pairs each with the
refusal code the full check gives. `HIDDEN` are made from nothing, with the active content
where a plain byte scan would not see it (in a compressed object stream, or spelt with #xx
escapes), for the cheap scan of citizen uploads."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter, copy_into_new_writer

n = generic.NameObject


def _update(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    change(writer)
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _js(code: str = "app.alert('x')") -> generic.DictionaryObject:
    return generic.DictionaryObject({n("/S"): n("/JavaScript"),
                                     n("/JS"): generic.TextStringObject(code)})


def open_action_javascript(pdf: bytes) -> bytes:
    """/OpenAction: a JavaScript action run when the file is opened."""
    def change(w: IncrementalPdfFileWriter) -> None:
        w.root[n("/OpenAction")] = w.add_object(_js())
    return _update(pdf, change)


def names_javascript(pdf: bytes) -> bytes:
    """A document-level script: the catalogue's /Names /JavaScript name tree."""
    def change(w: IncrementalPdfFileWriter) -> None:
        tree = generic.DictionaryObject({n("/Names"): generic.ArrayObject(
            [generic.TextStringObject("init"), w.add_object(_js())])})
        w.root[n("/Names")] = generic.DictionaryObject({n("/JavaScript"): w.add_object(tree)})
    return _update(pdf, change)


def launch_action(pdf: bytes) -> bytes:
    """A Launch action (runs a program) opened with the file."""
    def change(w: IncrementalPdfFileWriter) -> None:
        w.root[n("/OpenAction")] = w.add_object(generic.DictionaryObject({
            n("/S"): n("/Launch"), n("/F"): generic.TextStringObject("cmd.exe")}))
    return _update(pdf, change)


def embedded_file(pdf: bytes) -> bytes:
    """An executable in the catalogue's /EmbeddedFiles."""
    def change(w: IncrementalPdfFileWriter) -> None:
        data = w.add_object(generic.StreamObject({n("/Type"): n("/EmbeddedFile")},
                                                 stream_data=b"MZ\x90\x00 not a document"))
        spec = w.add_object(generic.DictionaryObject({
            n("/Type"): n("/Filespec"), n("/F"): generic.TextStringObject("hoa-don.exe"),
            n("/EF"): generic.DictionaryObject({n("/F"): data})}))
        w.root[n("/Names")] = generic.DictionaryObject({n("/EmbeddedFiles"): generic.DictionaryObject(
            {n("/Names"): generic.ArrayObject([generic.TextStringObject("hoa-don.exe"), spec])})})
    return _update(pdf, change)


def encrypted(pdf: bytes) -> bytes:
    """Password-protected (user password "user")."""
    writer = copy_into_new_writer(PdfFileReader(BytesIO(pdf), strict=False))
    writer.encrypt("owner", "user")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated(pdf: bytes) -> bytes:
    """The first half of the file (an interrupted upload)."""
    return pdf[:len(pdf) // 2]


CRAFTED: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "open-action-javascript": (open_action_javascript, "javascript"),
    "names-javascript": (names_javascript, "javascript"),
    "launch": (launch_action, "javascript"),
    "embedded-file": (embedded_file, "embedded_file"),
    "encrypted": (encrypted, "encrypted"),
    "truncated": (truncated, "unreadable"),
}


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written byte by byte: objects 1.. as given (1 the catalogue), a classic xref
    table with the right offsets."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


_CONTENT = b"BT /F1 24 Tf 72 720 Td (Giay to) Tj ET"
_PAGE = (b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
         b"<< /Length %d >>\nstream\n%s\nendstream" % (len(_CONTENT), _CONTENT))


def clean_raw() -> bytes:
    """A one-page PDF without anything the check refuses."""
    return raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", *_PAGE)


def escaped_names() -> bytes:
    """/OpenAction << /S /J#61vaScript /J#53 (...) >>: /JavaScript and /JS spelt with #xx."""
    return raw_pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>", *_PAGE,
                   b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>")


def in_object_stream() -> bytes:
    """A JavaScript /OpenAction inside a compressed object stream (no /JavaScript nor /JS in
    the file's bytes), written by pyHanko with a cross-reference stream."""
    w = PdfFileWriter(stream_xrefs=True)
    page = generic.DictionaryObject({
        n("/Type"): n("/Page"), n("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(v) for v in (0, 0, 595, 842)]),
        n("/Contents"): w.add_object(generic.StreamObject(stream_data=_CONTENT))})
    w.insert_page(page)
    objstm = w.prepare_object_stream()
    w.root[n("/OpenAction")] = w.add_object(_js(), obj_stream=objstm)
    out = BytesIO()
    w.write(out)
    return out.getvalue()


def untyped_object_stream(after_keyword: bytes = b"\n") -> bytes:
    """An object stream whose dictionary has no /Type /ObjStm (some readers do not look at it),
    holding a JavaScript action the catalogue opens with; written by hand with a cross-reference
    stream, so the scan must inflate every stream to find it. `after_keyword`: what follows
    its `stream` keyword (spaces before the end of line, which pdf.js skips)."""
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    header = b"5 0 "
    objstm_data = zlib.compress(header + action)
    body = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>", *_PAGE,
            None,  # object 5: in the object stream 6
            b"<< /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream%s%s\nendstream"
            % (len(header), len(objstm_data), after_keyword, objstm_data)]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for i, obj in enumerate(body, start=1):
        if obj is None:
            continue
        offsets[i] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref_at = len(out)
    rows = [b"\x00\x00\x00\xff\xff"]
    for i in range(1, 8):
        if i == 5:
            rows.append(b"\x02\x00\x06\x00\x00")  # in object stream 6, index 0
        elif i == 7:
            rows.append(b"\x01" + xref_at.to_bytes(2, "big") + b"\x00\x00")
        else:
            rows.append(b"\x01" + offsets[i].to_bytes(2, "big") + b"\x00\x00")
    table = zlib.compress(b"".join(rows))
    out += (b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 2 2] /Root 1 0 R /Filter /FlateDecode "
            b"/Length %d >>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
            % (len(table), table, xref_at))
    return bytes(out)


HIDDEN: dict[str, Callable[[], bytes]] = {
    "escaped-names": escaped_names,
    "object-stream": in_object_stream,
    "untyped-object-stream": untyped_object_stream,
    "object-stream-after-spaces": lambda: untyped_object_stream(b"   \r\n"),
}


def owner_locked(pdf: bytes, extra: Callable[[bytes], bytes] | None = None) -> bytes:
    """Encrypted with an owner password only (printing or copying restricted): any reader opens
    it with the empty user password, as banks' statements do. `extra` changes it first."""
    writer = copy_into_new_writer(PdfFileReader(BytesIO(extra(pdf) if extra else pdf),
                                                strict=False))
    writer.encrypt("chu-so-huu", "")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
