"""The rendered document follows Decree 30/2020's layout (Appendix I): national heading and
motto, the issuing agency under its parent, number and notation, place and date, type and
subject, body, signature block, recipients; every Vietnamese letter survives as text (the
embedded font has the glyphs), read back by an independent tool (poppler's pdftotext)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from tinhso.documents.models import DocType
from tinhso.documents.pdf import date_words, fill_registration, render_document
from tinhso.documents.tests.world import make_world

PDFTOTEXT, PDFFONTS = shutil.which("pdftotext"), shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(
    PDFTOTEXT is None or PDFFONTS is None,
    reason="pdftotext/pdffonts (poppler-utils) are not installed: the page cannot be read "
    "back. Install them with `apt-get install poppler-utils`.",
)
pytestmark = [pytest.mark.django_db, needs_poppler]
# Every letter with a tone mark or a Vietnamese vowel, lower and upper case.
# (In words of six, so that the line can wrap.)
_LETTERS = ("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
            "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ")
ALL_LETTERS = " ".join(_LETTERS[i:i + 6] for i in range(0, len(_LETTERS), 6))


def _run(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool, *args, str(path), *(["-"] if tool == PDFTOTEXT else [])],  # noqa: S603
                         capture_output=True, check=True).stdout.decode()
    return unicodedata.normalize("NFC", out)


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_a_decision_reads_back_in_the_decrees_order_with_every_letter(tmp_path):
    w = make_world()
    doc = w.draft(doc_type=DocType.QUYET_DINH,
                  subject="Về việc phê duyệt kế hoạch chuyển đổi số năm 2026",
                  body=f"Điều 1. Phê duyệt kế hoạch.\nĐiều 2. Kiểm tra chữ: {ALL_LETTERS}.")
    rendered = render_document(doc, signer_title="GIÁM ĐỐC", signer_name="Lãnh đạo SNN")
    pdf = fill_registration(rendered.pdf, notation="12/QĐ-SNN", issued_on=dt.date(2026, 3, 5))
    lines = _lines(_run(PDFTOTEXT, pdf, tmp_path, "-layout"))
    text = "\n".join(lines)

    def at(fragment: str) -> int:
        found = [i for i, line in enumerate(lines) if fragment in line]
        assert found, f"{fragment!r} not on the page:\n{text}"
        return found[0]

    # National heading and motto, top right; the agency top left, on the same first lines.
    heading, motto = at("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), at("Độc lập - Tự do - Hạnh phúc")
    agency = at("SỞ NÔNG NGHIỆP")  # the agency's name, in capitals (it may wrap)
    assert heading <= 1 and motto == heading + 1 and agency <= motto
    # Number and notation, then place and date (filled at registration), then type and subject.
    number, date = at("Số: 12/QĐ-SNN"), at(date_words(dt.date(2026, 3, 5)))
    kind, subject = at("QUYẾT ĐỊNH"), at("Về việc phê duyệt kế hoạch chuyển đổi số năm 2026")
    assert motto < number <= date < kind < subject
    # Body, signature block, recipients.
    body, signer = at("Điều 1. Phê duyệt kế hoạch."), at("GIÁM ĐỐC")
    recipients = at("Nơi nhận:")
    assert subject < body < signer and body < recipients
    assert at(w.stc.agency.name) > recipients and at("Lưu: VT, VP.") > recipients
    # Every Vietnamese letter came back as itself: the embedded font maps all of them.
    assert ALL_LETTERS in " ".join(text.split())


def test_the_fonts_are_embedded_and_map_to_unicode(tmp_path):
    w = make_world()
    rendered = render_document(w.draft(), signer_title="GIÁM ĐỐC", signer_name="Lãnh đạo SNN")
    rows = _run(PDFFONTS, rendered.pdf, tmp_path).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        # name type encoding emb sub uni object ID: emb, sub, uni are the 5th-3rd from the end
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row
    # Our Noto Serif cuts, under the family name the page's CSS gives them (documents/pdf.py)
    assert {row.split()[0].split("+")[-1] for row in rows} >= {"Document-Serif-Bold"}, rows
