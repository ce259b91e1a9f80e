"""Independent validators: poppler's pdfsig (through an NSS database) and qpdf."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStamp, TextStampStyle

from tinhso.core.fonts import noto_serif
from tinhso.signing.tests.conftest import tool_path


def pdfsig(path: Path, nssdb: Path) -> tuple[list[str], list[str]]:
    """pdfsig exits 0 whether or not the signatures hold: read its text. Returns the
    "Signature Validation:" and "Certificate Validation:" lines."""
    out = subprocess.run([tool_path("pdfsig"), "-nssdir", f"sql:{nssdb}", "-no-ocsp",  # noqa: S603
                          str(path)], capture_output=True, text=True, check=False)
    text = out.stdout + out.stderr
    return (re.findall(r"Signature Validation: (.*)", text),
            re.findall(r"Certificate Validation: (.*)", text))


def qpdf_check(path: Path) -> int:
    """0: clean; 2: errors; 3: warnings."""
    return subprocess.run([tool_path("qpdf"), "--check", str(path)],  # noqa: S603
                          capture_output=True, check=False).returncode


def flip_byte(pdf: bytes) -> bytes:
    """One byte changed inside the first page's content, which both signatures cover."""
    i = pdf.index(b"stream", len(pdf) // 10) + 40
    return pdf[:i] + bytes([pdf[i] ^ 0x01]) + pdf[i + 1:]


def append_unsigned_change(pdf: bytes) -> bytes:
    """A well-formed incremental update that writes "ĐÃ SỬA" on page 1, with no signature."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    style = TextStampStyle(stamp_text="ĐÃ SỬA", border_width=0, text_box_style=TextBoxStyle(
        font=GlyphAccumulatorFactory(str(noto_serif(400, layout=False))), font_size=24))
    TextStamp(writer, style).apply(0, 100, 700)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
