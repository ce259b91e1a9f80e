"""Pure-speed replacements inside pyHanko and asn1crypto, for validating signed PDFs.

Neither changes a result; each is applied only to the library version it was written
against (`install` leaves other versions alone and says so in the log), and
`tests/test_speedups.py` fails loudly when the replaced function's source changes, so an
upgrade means reading the new code before extending the version lists.

- pyHanko reads a hex string (`<...>`, e.g. a signature's /Contents: ~10,000 hex digits) one
  character at a time, about five times per signature while validating. `read_hex_string`
  finds the closing `>` in bulk; if anything but hex digits and PDF whitespace comes before
  it (a comment, a bad character, the end of the file), it rewinds and lets pyHanko's own
  reader handle the string, errors included.
- pyHanko reads every name and keyword (`/Type`, `true`, `obj`...) up to the next delimiter,
  and each object header's numbers up to the next whitespace, one character at a time too;
  `read_until_delimiter` and `read_until_whitespace` find the end with a regular expression
  over a small chunk and leave the stream exactly where pyHanko's would; a name without
  escapes is decoded as the ASCII it is (`decode_name`), byte by byte only otherwise.
- asn1crypto compares certificate names (RFC 5280) after RFC 4518 string preparation, which
  it caches only on the parsed name object: every document parses its certificates afresh,
  so the same few names were prepared again for every signature. The preparation is a pure
  function of the string (it never reads `self`): it is memoised per process.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import inspect
import logging
import os
import re
from collections.abc import Callable
from typing import Any

import asn1crypto
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE
from pyhanko.version import __version__ as pyhanko_version

log = logging.getLogger(__name__)

PYHANKO_VERSIONS = ("0.38.0",)
ASN1CRYPTO_VERSIONS = ("1.5.1",)
# SHA-256 of the source of each replaced function, as written against the versions above.
ORIGINAL_SOURCES = {
    "pyhanko.pdf_utils.generic.read_hex_string_from_stream":
        "2004d63b8e1ce3d9a894ab0912667f0f056ffb290b95c7615e59b36b883233e2",
    "pyhanko.pdf_utils.generic._decode_name":
        "963405df0a1e5d065bee31c001a23282daaa69306db2be73f67ee1f9cf9c74a9",
    "pyhanko.pdf_utils.misc.read_until_delimiter":
        "1c951935fdb8d4b72c7c15662aaddfdf8ea5f5f56296c8e8f7bec2603533fd5c",
    "pyhanko.pdf_utils.misc.read_until_whitespace":
        "a7166f4bfc43dcda710021a0f496f41298c7cf0843066456e6957d244b34582d",
    "pyhanko.pdf_utils.misc._read_until_class":
        "d532d57667257cc8fa86aef3488336e36f6cb2af8ae3c5de124e00383bb1eaf9",
    # not replaced: diff_policy.py's shortcut reproduces its verdict for DSS revisions
    "pyhanko.sign.diff_analysis.policies.StandardDiffPolicy.apply":
        "8151331fb16fc7e435a149d6024d14f3194b8387f50269ef5da74998c0600a1a",
    "asn1crypto.x509.NameTypeAndValue._ldap_string_prep":
        "1e534b7794dcfc3f0a42ca932a38ccf2bd16d9cae39b2446809932099a02ad8e",
}

_HEX_ONLY = re.compile(rb"[0-9a-fA-F]*")
_CHUNK = 16384
_DELIMITER = re.compile(b"[" + re.escape(PDF_WHITESPACE + PDF_DELIMITERS) + b"]")
_WHITESPACE = re.compile(b"[" + re.escape(PDF_WHITESPACE) + b"]")
_NAME_CHUNK = 64
# What a name may hold unescaped: printable ASCII but "#" and the delimiters.
_PLAIN_NAME = re.compile(
    b"[" + re.escape(bytes(b for b in range(0x21, 0x7F) if b not in b"#%()/<>[]{}")) + b"]*")

_original_read_hex: Callable[[Any], Any] = generic.read_hex_string_from_stream
_original_read_until_delimiter: Callable[[Any], bytes] = generic.read_until_delimiter
_original_read_until_whitespace: Callable[..., bytes] = misc.read_until_whitespace
_original_decode_name: Callable[[bytes], Any] = generic._decode_name
_original_prep: Callable[[Any, str], str] = asn1_x509.NameTypeAndValue._ldap_string_prep


def source_digest(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def read_hex_string(stream: Any) -> Any:
    """`generic.read_hex_string_from_stream`, reading the string in bulk."""
    start = stream.tell()
    stream.read(1)  # "<"
    parts: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:  # no ">" before the end: pyHanko raises its own error
            stream.seek(start, os.SEEK_SET)
            return _original_read_hex(stream)
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        parts.append(chunk)
    raw = b"".join(parts)
    digits = raw.translate(None, PDF_WHITESPACE)
    if b"%" in raw or not _HEX_ONLY.fullmatch(digits):
        stream.seek(start, os.SEEK_SET)
        return _original_read_hex(stream)
    stream.seek(start + 1 + len(raw) + 1, os.SEEK_SET)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def read_until_delimiter(stream: Any) -> bytes:
    """`misc.read_until_delimiter` (as imported by `generic`): the bytes up to the next PDF
    whitespace or delimiter, the stream left on that character (at the end if none)."""
    parts: list[bytes] = []
    while True:
        start = stream.tell()
        chunk = stream.read(_NAME_CHUNK)
        if not chunk:
            return b"".join(parts)
        found = _DELIMITER.search(chunk)
        if found is not None:
            parts.append(chunk[:found.start()])
            stream.seek(start + found.start(), os.SEEK_SET)
            return b"".join(parts)
        parts.append(chunk)


def read_until_whitespace(stream: Any, maxchars: int | None = None) -> bytes:
    """`misc.read_until_whitespace`: the bytes up to the next PDF whitespace, which is
    consumed (the end of the stream if none); with `maxchars`, pyHanko's own."""
    if maxchars is not None:
        return _original_read_until_whitespace(stream, maxchars)
    parts: list[bytes] = []
    while True:
        start = stream.tell()
        chunk = stream.read(_NAME_CHUNK)
        if not chunk:
            return b"".join(parts)
        found = _WHITESPACE.search(chunk)
        if found is not None:
            parts.append(chunk[:found.start()])
            stream.seek(start + found.start() + 1, os.SEEK_SET)
            return b"".join(parts)
        parts.append(chunk)


def decode_name(name_bytes: bytes) -> Any:
    """`generic._decode_name` (the bytes after "/"): a name without escapes is its ASCII text;
    anything else (escapes, bytes that must be escaped) is pyHanko's to decode or refuse."""
    if _PLAIN_NAME.fullmatch(name_bytes):
        return generic.NameObject("/" + name_bytes.decode("ascii"))
    return _original_decode_name(name_bytes)


@functools.lru_cache(maxsize=4096)
def _prepped(string: str) -> str:
    return _original_prep(None, string)


def ldap_string_prep(self: Any, string: str) -> str:
    """`NameTypeAndValue._ldap_string_prep`, memoised on the string."""
    return _prepped(string)


_installed: set[str] = set()


def install() -> set[str]:
    """Apply the replacements that fit the installed library versions; idempotent.
    Returns the names of the replaced functions."""
    if pyhanko_version in PYHANKO_VERSIONS:
        generic.read_hex_string_from_stream = read_hex_string
        _installed.add("pyhanko.pdf_utils.generic.read_hex_string_from_stream")
        generic.read_until_delimiter = read_until_delimiter
        generic._decode_name = decode_name
        _installed.add("pyhanko.pdf_utils.generic._decode_name")
        _installed.add("pyhanko.pdf_utils.generic.read_until_delimiter")
        misc.read_until_whitespace = read_until_whitespace
        _installed.add("pyhanko.pdf_utils.misc.read_until_whitespace")
    else:
        log.warning("pyHanko %s: bulk hex string reader not installed (written for %s)",
                    pyhanko_version, ", ".join(PYHANKO_VERSIONS))
    if asn1crypto.__version__ in ASN1CRYPTO_VERSIONS:
        asn1_x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep  # type: ignore[method-assign]
        _installed.add("asn1crypto.x509.NameTypeAndValue._ldap_string_prep")
    else:
        log.warning("asn1crypto %s: name preparation not memoised (written for %s)",
                    asn1crypto.__version__, ", ".join(ASN1CRYPTO_VERSIONS))
    return set(_installed)
