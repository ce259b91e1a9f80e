"""An outgoing document as PDF in the layout of Decree 30/2020/NĐ-CP (Appendix I): the
issuing agency and the national heading, number and notation, place and date, type and
subject, body, the signature block and "Nơi nhận".

The leader signs before the clerk gives the number (Art. 15: the number and date of issue
follow the competent person's signature). So the page is rendered with two empty, read-only
text fields where the number and notation and the date go (`number`, `date`), and the clerk's
revision fills them (`fill_registration`) just before the agency signature. Filling a form
field is a change an approval signature allows (pyHanko's "form filling" level): the personal
signature stays valid and the agency signature covers the filled page.

Boxes are found in WeasyPrint's layout by element id (docs/research/signing-prototype)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStamp, TextStampStyle

from tinhso.core import fonts
from tinhso.documents.kinds import UNIT_NOTATION_TYPES, DocType
from tinhso.documents.models import Document
from tinhso.signing.pades import Placement

PX = 0.75  # CSS px -> PDF pt
SIGNATURE_ID = "sig-personal"
FIELD_IDS = {"number": "field-number", "date": "field-date"}
READ_ONLY = 1
PRINT = 4
UNIT_PREFIXES = ("Thành phố", "Thị trấn", "Thị xã", "Tỉnh", "Huyện", "Quận", "Xã", "Phường")
_FONT_STYLES = (("normal", False, 400), ("normal", False, 700), ("italic", True, 400),
                ("italic", True, 700))


@dataclass(frozen=True)
class Rendered:
    """The unsigned PDF, where the personal signature goes, and the registration fields."""

    pdf: bytes
    signature: Placement
    fields: dict[str, Placement]


@lru_cache(maxsize=1)
def _font_faces() -> str:
    """Static Noto Serif cuts (core.fonts); empty without the font package, and the
    stylesheet falls back to Liberation Serif or DejaVu Serif."""
    rules = []
    for style, italic, weight in _FONT_STYLES:
        try:
            path = fonts.noto_serif(weight, italic=italic)
        except fonts.FontMissing:
            return ""
        rules.append("@font-face { font-family: 'Document Serif'; "
                     f"src: url('{path.as_uri()}') format('truetype'); "
                     f"font-weight: {weight}; font-style: {style}; }}")
    return "\n".join(rules)


def date_words(day: dt.date) -> str:
    """"ngày 05 tháng 3 năm 2026": days below 10 and months 1 and 2 take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_name(document: Document) -> str:
    """Where the document is issued (Appendix I): the proper name of the administrative unit
    where the issuing agency sits, without its kind ("Tỉnh Thanh Hóa" -> "Thanh Hóa")."""
    name = document.agency.unit.name.strip()
    for prefix in UNIT_PREFIXES:
        if name.lower().startswith(prefix.lower() + " "):
            return name[len(prefix) + 1:].strip()
    return name


def _recipients(document: Document) -> list[str]:
    names = [a.name for a in document.recipients.order_by("name")]
    lines = [f"{n};" for n in names] + list(document.recipient_lines)
    return lines or ["Lưu: VT."]


def _context(document: Document, *, signer_title: str, signer_name: str) -> dict[str, Any]:
    agency = document.agency
    return {
        "font_faces": _font_faces(),
        "parent_name": agency.parent.name if agency.parent is not None else "",
        "agency_name": agency.name, "place": place_name(document),
        "is_cong_van": document.doc_type in UNIT_NOTATION_TYPES,
        "type_name": str(DocType(document.doc_type).label), "subject": document.subject,
        "paragraphs": [p for p in document.body.splitlines() if p.strip()],
        "recipients": _recipients(document),
        "signer_title": signer_title, "signer_name": signer_name,
    }


def find_box(rendered: Any, element_id: str) -> Placement:
    """An element's border box in PDF points from the bottom left, and its page (0-based)."""
    for page_no, page in enumerate(rendered.pages):
        page_h = page.height * PX
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or element.get("id") != element_id:
                continue
            x, y = box.border_box_x() * PX, box.border_box_y() * PX
            w, h = box.border_width() * PX, box.border_height() * PX
            return Placement(page_no, (round(x, 2), round(page_h - y - h, 2), round(x + w, 2),
                                       round(page_h - y, 2)))
    raise LookupError(element_id)


def _add_fields(pdf: bytes, boxes: dict[str, Placement]) -> bytes:
    """Empty read-only text fields (number, date) for the clerk's revision to fill."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    root = writer.root
    helv = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica")}))
    refs = generic.ArrayObject()
    for name, where in boxes.items():
        page_ref = writer.find_page_for_modification(where.page)[0]
        page = page_ref.get_object()
        field = generic.DictionaryObject({
            generic.NameObject("/FT"): generic.NameObject("/Tx"),
            generic.NameObject("/T"): generic.TextStringObject(name),
            generic.NameObject("/V"): generic.TextStringObject(""),
            generic.NameObject("/Ff"): generic.NumberObject(READ_ONLY),
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
            generic.NameObject("/F"): generic.NumberObject(PRINT),
            generic.NameObject("/Rect"): generic.ArrayObject(
                generic.FloatObject(v) for v in where.box),
            generic.NameObject("/P"): page_ref,
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
        })
        ref = writer.add_object(field)
        refs.append(ref)
        annots = page.get("/Annots")
        if annots is None:
            page[generic.NameObject("/Annots")] = generic.ArrayObject([ref])
        else:
            annots.get_object().append(ref)
        writer.update_container(page)
    root[generic.NameObject("/AcroForm")] = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Fields"): refs,
        generic.NameObject("/DR"): generic.DictionaryObject({
            generic.NameObject("/Font"): generic.DictionaryObject({
                generic.NameObject("/Helv"): helv})}),
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
    }))
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def render_document(document: Document, *, signer_title: str, signer_name: str) -> Rendered:
    """The document ready for the personal signature, with the box it goes in."""
    from weasyprint import HTML

    html = render_to_string("documents/document.html",
                            _context(document, signer_title=signer_title,
                                     signer_name=signer_name))
    rendered = HTML(string=html, base_url=str(Path(__file__).parent)).render()
    boxes = {name: find_box(rendered, element_id) for name, element_id in FIELD_IDS.items()}
    pdf = _add_fields(rendered.write_pdf() or b"", boxes)
    return Rendered(pdf=pdf, signature=find_box(rendered, SIGNATURE_ID), fields=boxes)


def _stamp_style(italic: bool) -> TextStampStyle:
    font = GlyphAccumulatorFactory(str(fonts.noto_serif(400, italic=italic, layout=False)))
    return TextStampStyle(
        stamp_text="%(value)s", text_box_style=TextBoxStyle(font=font, font_size=12),
        border_width=0, background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(left=1),
            inner_content_scaling=layout.InnerScaling.NO_SCALING))


def _fields_by_name(writer: IncrementalPdfFileWriter) -> dict[str, Any]:
    form = writer.root.get("/AcroForm")
    if form is None:
        return {}
    found = {}
    for ref in form.get_object()["/Fields"]:
        field = ref.get_object()
        if field.get("/FT") == "/Tx":
            found[str(field["/T"])] = ref
    return found


def fill_registration(pdf: bytes, *, notation: str, issued_on: dt.date) -> bytes:
    """Write the number and notation and the date of issue into their fields, as a form-filling
    revision after the personal signature (the agency signature then covers it)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    fields = _fields_by_name(writer)
    values = {"number": (notation, False), "date": (date_words(issued_on), True)}
    for name, (value, italic) in values.items():
        ref = fields[name]
        field = ref.get_object()
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        stamp = TextStamp(writer, _stamp_style(italic),
                          text_params={"value": value},
                          box=layout.BoxConstraints(width=x2 - x1, height=y2 - y1))
        field[generic.NameObject("/V")] = generic.TextStringObject(value)
        xobject: Any = stamp.as_form_xobject()
        appearance = (xobject if isinstance(xobject, generic.IndirectObject)
                      else writer.add_object(xobject))
        field[generic.NameObject("/AP")] = generic.DictionaryObject(
            {generic.NameObject("/N"): appearance})
        writer.mark_update(ref)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
