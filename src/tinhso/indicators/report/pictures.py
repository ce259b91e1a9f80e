"""The report's charts as pictures in the docx.

Word documents hold raster pictures, so the server-drawn SVG (`core.charts`, the same one the
pdf shows) is rasterised to PNG by resvg (the `resvg-py` wheel: Rust, no system library),
with the project's Noto Serif cut (`core.fonts`) as the only font, so Vietnamese letters come
out the same on any machine. The SVG goes into the file as well, through Office's
`asvg:svgBlip` extension of the picture: Word 2016 and later draw the vector chart, LibreOffice
and older Word the PNG. Each picture carries the chart's title and its series in words as
alternative text; the numbers are also in the appendix tables."""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import unescape

from tinhso.core import fonts

ZOOM = 2  # the 640 px wide SVG becomes 1280 px: about 210 dpi across a 6-inch column
FAMILY = "Noto Serif"  # the family name inside `fonts.noto_serif`'s cut
SVG_CONTENT_TYPE = "image/svg+xml"
SVG_BLIP_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # Office's URI for the SVG extension
ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def svg_png(svg: str, *, zoom: float = ZOOM) -> bytes:
    """The SVG drawn as a PNG on white, `zoom` times its pixel size. Text is set in the
    project's Noto Serif cut whatever family the SVG names; without the font package (a
    dependency), in the machine's fonts."""
    import resvg_py

    try:
        font_files = [str(fonts.noto_serif(400))]
    except fonts.FontMissing:
        font_files = []
    return bytes(resvg_py.svg_to_bytes(
        svg_string=svg, zoom=zoom, background="white",
        font_files=font_files or None, skip_system_fonts=bool(font_files),
        font_family=FAMILY if font_files else None,
        serif_family=FAMILY if font_files else None,
        sans_serif_family=FAMILY if font_files else None))


def alt_text(svg: str) -> str:
    """The chart's <title> and <desc> (the series in words), as a screen reader says them."""
    parts = [unescape(m.group(1)) for tag in ("title", "desc")
             if (m := re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", svg, re.DOTALL))]
    return ". ".join(p.strip() for p in parts if p.strip())


def add_chart(doc: Any, svg: str, caption: str, *, width: Any) -> None:
    """Appends the chart centred at `width`, then its caption (style "Caption")."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True  # the caption stays under its chart
    shape = paragraph.add_run().add_picture(io.BytesIO(svg_png(svg)), width=width)
    inline = shape._inline
    inline.docPr.set("descr", alt_text(svg))

    package = doc.part.package
    part = Part(PackURI(package.next_partname("/word/media/image%d.svg")), SVG_CONTENT_TYPE,
                svg.encode("utf-8"), package)
    rid = doc.part.relate_to(part, RT.IMAGE)
    blip = inline.find(f".//{{{A}}}blip")
    ext_list = etree.SubElement(blip, f"{{{A}}}extLst")
    ext = etree.SubElement(ext_list, f"{{{A}}}ext", uri=SVG_BLIP_EXT)
    svg_blip = etree.SubElement(ext, f"{{{ASVG}}}svgBlip", nsmap={"asvg": ASVG})
    svg_blip.set(f"{{{R}}}embed", rid)

    doc.add_paragraph(caption, style="Caption")
