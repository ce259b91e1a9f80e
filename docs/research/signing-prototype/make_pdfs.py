"""Render a Decree-30-shaped document and an attachment with WeasyPrint; make signer/seal PNGs.

Writes out/doc.pdf, out/attachment.pdf, out/boxes.json (signature boxes in PDF points,
found from WeasyPrint's layout by element id), out/signature.png, out/seal.png.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from fontpkg_noto_serif import __file__ as noto_pkg
from PIL import Image, ImageDraw, ImageFont
from weasyprint import HTML

from common import OUT

NOTO = str(next((Path(noto_pkg).parent / "files").glob("NotoSerif[[]*.ttf")))
PX = 0.75  # CSS px -> PDF pt


def signature_png(path: Path) -> None:
    """A blue handwritten-looking stroke on a transparent background."""
    w, h = 600, 240
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    pts = [(40 + t * 5, 120 + 60 * math.sin(t / 9) * math.exp(-t / 160) + 25 * math.sin(t / 2.3))
           for t in range(0, 105)]
    d.line(pts, fill=(20, 40, 200, 255), width=7, joint="curve")
    d.line([(80, 190), (560, 150)], fill=(20, 40, 200, 255), width=5)
    im.save(path)


def seal_png(path: Path, diameter_px: int = 472) -> None:
    """A round red seal (40 mm at 300 dpi), transparent outside and between strokes."""
    s = diameter_px
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    red = (220, 20, 30, 235)
    d.ellipse((6, 6, s - 6, s - 6), outline=red, width=12)
    d.ellipse((70, 70, s - 70, s - 70), outline=red, width=5)
    font = ImageFont.truetype(NOTO, 34)
    text = "ỦY BAN NHÂN DÂN TỈNH THANH HÓA * "
    r = s / 2 - 42
    for i, ch in enumerate(text):
        ang = -math.pi / 2 + 2 * math.pi * i / len(text)
        glyph = Image.new("RGBA", (48, 48), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((24, 24), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(ang) - 90, resample=Image.BICUBIC)
        im.alpha_composite(glyph, (int(s / 2 + r * math.cos(ang) - 24), int(s / 2 + r * math.sin(ang) - 24)))
    star = [(s / 2 + (60 if k % 2 == 0 else 24) * math.cos(-math.pi / 2 + k * math.pi / 5),
             s / 2 + (60 if k % 2 == 0 else 24) * math.sin(-math.pi / 2 + k * math.pi / 5)) for k in range(10)]
    d.polygon(star, fill=red)
    im.save(path)


CSS = f"""
@font-face {{ font-family: NotoSerif; src: url("file://{NOTO}"); }}
@page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
body {{ font-family: NotoSerif; font-size: 13pt; line-height: 1.35; }}
table.head {{ width: 100%; border-collapse: collapse; text-align: center; font-size: 12pt; }}
.b {{ font-weight: bold; }} .c {{ text-align: center; }} .i {{ font-style: italic; }}
.sigblock {{ display: flex; justify-content: space-between; margin-top: 8mm; page-break-inside: avoid; }}
.recipients {{ font-size: 11pt; width: 45%; }}
.signer {{ width: 50%; text-align: center; }}
#sig-personal {{ width: 60mm; height: 26mm; margin: 2mm auto; }}
"""

BODY = "<p>Căn cứ Luật Tổ chức chính quyền địa phương; Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư; xét đề nghị của Giám đốc Sở Nội vụ,</p>"


def doc_html() -> str:
    paras = "".join(
        f"<p>Điều {i}. Tiếng Việt có dấu đầy đủ: ă â đ ê ô ơ ư, Ặ Ấ Ầ Ẩ Ẫ Ậ, ỹ ỷ ỵ. "
        "Các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành Quyết định này. " * 3 + "</p>"
        for i in range(1, 6))
    return f"""<html><head><meta charset="utf-8"><style>{CSS}</style></head><body>
<table class="head"><tr><td>ỦY BAN NHÂN DÂN<br><span class="b">TỈNH THANH HÓA</span></td>
<td><span class="b">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</span><br><span class="b">Độc lập - Tự do - Hạnh phúc</span></td></tr>
<tr><td>Số: 123/QĐ-UBND</td><td class="i">Thanh Hóa, ngày 27 tháng 11 năm 2026</td></tr></table>
<p class="c b" style="margin-top:8mm">QUYẾT ĐỊNH</p><p class="c b">Về việc thử nghiệm chữ ký số PAdES</p>
<p class="c b">CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH THANH HÓA</p>{BODY}{paras}
<div class="sigblock"><div class="recipients"><b><i>Nơi nhận:</i></b><br>- Như Điều 3;<br>- Lưu: VT.</div>
<div class="signer"><b>CHỦ TỊCH</b><div id="sig-personal"></div><b>Nguyễn Văn An</b></div></div>
</body></html>"""


def attachment_html() -> str:
    return f"""<html><head><meta charset="utf-8"><style>{CSS}</style></head><body>
<p class="c b" style="margin-top:25mm">PHỤ LỤC</p><p class="c i">(Kèm theo Quyết định số 123/QĐ-UBND)</p>
<p>Danh sách đơn vị: Sở Nội vụ; Sở Nông nghiệp và Môi trường; Văn phòng UBND tỉnh.</p></body></html>"""


def find_box(document, element_id: str) -> dict:
    """Locate an element in WeasyPrint's layout; return page index and a PDF-space box (pt)."""
    for page_no, page in enumerate(document.pages):
        page_h = page.height * PX
        for box in page._page_box.descendants():
            el = getattr(box, "element", None)
            if el is not None and el.get("id") == element_id and box.element_tag == "div":
                x, y = box.border_box_x() * PX, box.border_box_y() * PX
                w, h = box.border_width() * PX, box.border_height() * PX
                return {"page": page_no, "box": [round(x, 2), round(page_h - y - h, 2),
                                                 round(x + w, 2), round(page_h - y, 2)]}
    raise LookupError(element_id)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    signature_png(OUT / "signature.png")
    seal_png(OUT / "seal.png")
    document = HTML(string=doc_html()).render()
    document.write_pdf(OUT / "doc.pdf")
    HTML(string=attachment_html()).write_pdf(OUT / "attachment.pdf")
    personal = find_box(document, "sig-personal")
    x0, y0, x1, y1 = personal["box"]
    seal_mm = 36
    seal = seal_mm / 25.4 * 72
    # seal covers about a third of the signer image, on its left
    sx0 = x0 + (x1 - x0) / 3 - seal
    cy = (y0 + y1) / 2
    boxes = {"personal": personal,
             "agency": {"page": personal["page"], "box": [round(sx0, 2), round(cy - seal / 2, 2),
                                                         round(sx0 + seal, 2), round(cy + seal / 2, 2)]},
             "attachment": {"page": 0, "box": [595 - 42 - 200, 842 - 14 - 42, 595 - 42, 842 - 14]}}
    (OUT / "boxes.json").write_text(json.dumps(boxes, indent=1))
    print(json.dumps(boxes), "pages:", len(document.pages))
    import make_font
    make_font.main()


if __name__ == "__main__":
    main()
