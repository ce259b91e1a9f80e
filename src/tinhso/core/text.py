"""Text as the platform stores and searches it.

Vietnamese text arrives in two Unicode shapes (precomposed NFC from most keyboards, decomposed
NFD from macOS and some PDF copies); we store NFC only, so that equal words are equal bytes.
Search folds both sides to lowercase ASCII without tone marks ("Đăng ký" -> "dang ky").
"""

from __future__ import annotations

import unicodedata

# Control characters other than tab, newline and carriage return have no place in a name or a
# comment and are a classic way to smuggle text past a reviewer.
_FORBIDDEN = {chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)} | {chr(0x7F)}
# Bidirectional overrides and zero-width characters hide or reorder what a reader sees.
_FORBIDDEN |= {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
               "\u2069", "\u200b", "\u200e", "\u200f", "\ufeff"}


class UnsafeText(ValueError):
    """Text with control or invisible reordering characters."""


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC, stripped, with no control or bidi-override characters; raises UnsafeText."""
    value = nfc(value).strip()
    bad = _FORBIDDEN if multiline else _FORBIDDEN | {"\n", "\r", "\t"}
    if any(ch in bad for ch in value):
        raise UnsafeText("contains control or invisible characters")
    return value


def fold(value: str) -> str:
    """Lowercase ASCII-ish form for diacritics-insensitive matching: 'Đăng Ký' -> 'dang ky'."""
    value = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Mn")
    return " ".join(value.lower().split())
