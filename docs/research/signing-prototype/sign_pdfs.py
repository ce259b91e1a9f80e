"""Personal + agency PAdES B-LT signatures (visible, with images) and the attachment signature.

Writes out/doc-personal.pdf, out/doc-signed.pdf, out/attachment-signed.pdf.
"""

from __future__ import annotations

import os
import time

os.environ["TZ"] = "Asia/Ho_Chi_Minh"  # pyHanko stamps %(ts)s in tzlocal's zone
time.tzset()

import json  # noqa: E402
from io import BytesIO  # noqa: E402

from pyhanko.pdf_utils import images, layout  # noqa: E402
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.pdf_utils.text import TextBoxStyle  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402
from pyhanko.sign.fields import SigSeedSubFilter  # noqa: E402
from pyhanko.stamp import TextStampStyle  # noqa: E402

from common import KEYSTORE_PASSPHRASE, OUT, PKI_DIR, InProcessTimeStamper, load_arch, signing_vc  # noqa: E402
from make_pdfs import NOTO  # noqa: E402

# Noto Serif (fontpkg-noto-serif, already a project dependency) renders Vietnamese correctly in
# pyHanko stamps; Liberation Serif and DejaVu Serif come out with broken spacing and missing glyphs.
# make_font.py makes a static Vietnamese subset of it: same look, ~10x cheaper per signature.
SERIF = str(OUT / "NotoSerif-VN.ttf") if (OUT / "NotoSerif-VN.ttf").exists() else NOTO
ISO_VN = "%Y-%m-%dT%H:%M:%S+07:00"  # Python 3.11 has no %:z; TZ is pinned to Asia/Ho_Chi_Minh (no DST)


def load_signer(label: str) -> signers.SimpleSigner:
    """The key is only ever read from an encrypted PKCS#12; a wrong passphrase raises."""
    return signers.SimpleSigner.load_pkcs12(
        str(PKI_DIR / "keystore" / f"{label}.p12"), passphrase=KEYSTORE_PASSPHRASE)


def personal_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="Ký bởi: %(signer)s\nThời gian: %(ts)s",
        timestamp_format=ISO_VN,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(SERIF), font_size=7),
        background=images.PdfImage(str(OUT / "signature.png")),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(bottom=18)),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MIN),
        border_width=0,
    )


def seal_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="", background=images.PdfImage(str(OUT / "seal.png")),
        background_opacity=1.0, border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT),
    )


def attachment_style(number_notation: str, agency: str) -> TextStampStyle:
    return TextStampStyle(
        stamp_text=f"{agency}\nSố: {number_notation}\nThời gian ký: %(ts)s",
        timestamp_format=ISO_VN,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(SERIF), font_size=10),
        border_width=0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MAX,
            inner_content_scaling=layout.InnerScaling.NO_SCALING),
    )


def sign(pdf: bytes, signer, field: str, page: int, box, style, ctx, reason: str,
         bytes_reserved: int | None = 16384, lta: bool = False) -> bytes:
    """bytes_reserved skips pyHanko's dry-run CMS build used to size /Contents (~25% of the cost)."""
    arch, vc, tsa = ctx
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=True, use_pades_lta=lta, validation_context=vc,
        reason=reason, location="Thanh Hóa",
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, timestamper=tsa, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(field, on_page=page, box=tuple(box)),
    )
    out = BytesIO()
    pdf_signer.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf), strict=False), output=out,
                        bytes_reserved=bytes_reserved)
    return out.getvalue()


def context():
    arch = load_arch()
    return arch, signing_vc(arch), InProcessTimeStamper(arch)


def main() -> None:
    boxes = json.loads((OUT / "boxes.json").read_text())
    ctx = context()
    officer, agency = load_signer("officer-an"), load_signer("agency-thanhhoa")
    doc = (OUT / "doc.pdf").read_bytes()
    t0 = time.perf_counter()
    p = boxes["personal"]
    doc1 = sign(doc, officer, "ChuKyCaNhan", p["page"], p["box"], personal_style(), ctx,
                "Ký ban hành")
    t1 = time.perf_counter()
    (OUT / "doc-personal.pdf").write_bytes(doc1)
    a = boxes["agency"]
    doc2 = sign(doc1, agency, "ChuKyCoQuan", a["page"], a["box"], seal_style(), ctx,
                "Phát hành 123/QĐ-UBND")
    t2 = time.perf_counter()
    (OUT / "doc-signed.pdf").write_bytes(doc2)
    t3 = time.perf_counter()
    doc_lta = sign(doc1, agency, "ChuKyCoQuan", a["page"], a["box"], seal_style(), ctx,
                   "Phát hành 123/QĐ-UBND", lta=True)
    print(f"agency signature at B-LTA (adds a document timestamp): {1000 * (time.perf_counter() - t3):.0f} ms")
    (OUT / "doc-signed-lta.pdf").write_bytes(doc_lta)
    att = boxes["attachment"]
    att_pdf = sign((OUT / "attachment.pdf").read_bytes(), agency, "ChuKyCoQuanPhuLuc", att["page"],
                   att["box"], attachment_style("123/QĐ-UBND", "UBND tỉnh Thanh Hóa"), ctx,
                   "Phát hành 123/QĐ-UBND")
    (OUT / "attachment-signed.pdf").write_bytes(att_pdf)
    print(f"personal {1000 * (t1 - t0):.0f} ms, agency {1000 * (t2 - t1):.0f} ms (first run, cold)")
    print("sizes:", len(doc), len(doc1), len(doc2), len(att_pdf))


if __name__ == "__main__":
    main()
