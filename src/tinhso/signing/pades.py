"""PAdES signatures on PDFs: the signer's personal signature, the agency's, and the agency's
signature on an attachment (Decree 30/2020/NĐ-CP, appendix).

Every signature is PAdES B-LT: the certificate chain, OCSP/CRL answers and an RFC 3161
timestamp are embedded, so the document stays verifiable after the certificate expires.
Callers name a `Certificate`; the key stays in the key store. A revoked, expired or not yet
valid certificate is refused twice: by our own check on the row, and by pyHanko's pre-sign
validation, which runs because a validation context (revocation required) is always passed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils import images, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.stamp import QRStampStyle, TextStampStyle
from pyhanko_certvalidator.errors import ExpiredError, RevokedError

from tinhso.core.fonts import noto_serif
from tinhso.signing import devpki
from tinhso.signing.errors import CertificateUnusable, SigningFailed
from tinhso.signing.images import seal_png, signature_png
from tinhso.signing.keystore import keystore
from tinhso.signing.models import SUBJECT_KINDS, Certificate, CertKind

VN = ZoneInfo("Asia/Ho_Chi_Minh")
RESERVE_BASE = 3072  # bytes: signed attributes, signature, timestamp token less certificates
MM = 72 / 25.4
SEAL_MM = 36.0
A = layout.AxisAlignment


@dataclass(frozen=True)
class Placement:
    """Where a signature appears: page (0-based) and box in PDF points from the bottom left
    (x1, y1, x2, y2)."""

    page: int
    box: tuple[float, float, float, float]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


def iso_vn(at: dt.datetime) -> str:
    """ISO 8601 in Vietnam time, e.g. 2026-11-27T14:10:37+07:00."""
    return at.astimezone(VN).isoformat(timespec="seconds")


def seal_placement(personal: Placement, diameter_mm: float = SEAL_MM) -> Placement:
    """The agency seal at actual size, its right edge a third of the way into the personal
    signature box, so it covers about a third of the signer's image on its left."""
    d = round(diameter_mm * MM, 2)
    x2 = round(personal.box[0] + personal.width / 3, 2)
    mid_y = round((personal.box[1] + personal.box[3]) / 2, 2)
    return Placement(personal.page, (x2 - d, mid_y - d / 2, x2, mid_y + d / 2))


def ensure_usable(certificate: Certificate, kind: str, at: dt.datetime | None = None) -> Certificate:
    """The certificate as the database has it now, if it may sign."""
    row = Certificate.objects.filter(pk=certificate.pk).first()
    at = at or timezone.now()
    if row is None or row.kind not in SUBJECT_KINDS or not row.pem:
        raise CertificateUnusable(_("Chứng thư số không dùng để ký được."))
    if row.kind != kind:
        raise CertificateUnusable(_("Chứng thư số không đúng loại cho chữ ký này."))
    if row.revoked_at is not None and row.revoked_at <= at:
        raise CertificateUnusable(_("Chứng thư số đã bị thu hồi."))
    if at < row.not_before:
        raise CertificateUnusable(_("Chứng thư số chưa có hiệu lực."))
    if at > row.not_after:
        raise CertificateUnusable(_("Chứng thư số đã hết hạn."))
    return row


def _font() -> GlyphAccumulatorFactory:
    return GlyphAccumulatorFactory(str(noto_serif(400, layout=False)))


@lru_cache(maxsize=64)
def _decoded(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image.convert("RGBA")


def _png_image(data: bytes) -> images.PdfImage:
    return images.PdfImage(_decoded(data))


def personal_style(image: bytes) -> TextStampStyle:
    return TextStampStyle(
        # The stamp is part of an official Vietnamese document: never translated.
        stamp_text="Ký bởi: %(signer)s\nThời gian: %(vn_time)s",
        text_box_style=TextBoxStyle(font=_font(), font_size=7),
        background=_png_image(image), background_opacity=1.0, border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=A.ALIGN_MID, y_align=A.ALIGN_MAX, margins=layout.Margins(bottom=18)),
        inner_content_layout=layout.SimpleBoxLayoutRule(x_align=A.ALIGN_MID, y_align=A.ALIGN_MIN),
    )


def seal_style(image: bytes) -> TextStampStyle:
    return TextStampStyle(
        stamp_text="", background=_png_image(image), background_opacity=1.0, border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=A.ALIGN_MID, y_align=A.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT),
    )


def attachment_style(agency_name: str, number_notation: str) -> TextStampStyle:
    return TextStampStyle(
        # Part of the official document: in Vietnamese whatever the user's language.
        stamp_text=f"{agency_name}\nSố: {number_notation.replace('%', '%%')}\n"
                   "Thời gian ký: %(vn_time)s",
        text_box_style=TextBoxStyle(font=_font(), font_size=10),
        border_width=0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=A.ALIGN_MAX, y_align=A.ALIGN_MAX,
            inner_content_scaling=layout.InnerScaling.NO_SCALING),
    )


def qr_attachment_style(agency_name: str, number_notation: str) -> QRStampStyle:
    """`attachment_style` with a QR code of the page where anyone checks the signed file
    (the signing call passes it as `url`)."""
    return QRStampStyle(
        stamp_text=f"{agency_name}\nSố: {number_notation.replace('%', '%%')}\n"
                   "Thời gian ký: %(vn_time)s\nKiểm tra: %(url)s",
        text_box_style=TextBoxStyle(font=_font(), font_size=7),
        border_width=0, innsep=2,
    )


def _refusal(exc: SigningError) -> Exception:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, RevokedError):
            return CertificateUnusable(_("Chứng thư số đã bị thu hồi."))
        if isinstance(cause, ExpiredError):
            return CertificateUnusable(_("Chứng thư số đã hết hạn."))
        cause = cause.__cause__ or cause.__context__
    return SigningFailed(_("Không ký được: %(reason)s") % {"reason": exc})


def reserve(cert: Any, pki: devpki.DevPki) -> int:
    """Hex digits reserved for /Contents (pyHanko counts hex): the CMS embeds the signer's
    certificate and chain and the TSA's certificate. A fixed size skips pyHanko's
    size-estimating dry run; a tight one keeps validation fast (the hex is tokenised). Too
    small fails loudly ("Final ByteRange payload larger than expected")."""
    certs = [cert, *pki.intermediates, *pki.roots, pki.tsa.tsa_cert]
    size = RESERVE_BASE + sum(len(c.dump()) for c in certs)
    return 2 * (-(-size // 1024) * 1024)


def sign_raw(pdf: bytes, row: Certificate, *, field: str, placement: Placement,
             style: TextStampStyle | QRStampStyle | None, reason: str, location: str = "",
             at: dt.datetime | None = None, url: str = "") -> bytes:
    """Sign as `row` without checking the row first (pyHanko's own check still runs); the
    public functions check the row, then call this."""
    pki = devpki.current()
    cert = devpki.load_pem_cert(row.pem)
    signer = keystore().signer(row.key_ref or row.label, cert, pki.intermediates + pki.roots)
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=True, use_pades_lta=False,
        validation_context=pki.signing_context(), reason=reason or None,
        location=location or None)
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, timestamper=pki.tsa, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(field, on_page=placement.page,
                                           box=placement.box))  # type: ignore[arg-type]
    out = BytesIO()
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        pdf_signer.sign_pdf(writer, output=out, bytes_reserved=reserve(cert, pki),
                            appearance_text_params={"vn_time": iso_vn(at or timezone.now()),
                                                    **({"url": url} if url else {})})
    except SigningError as exc:
        raise _refusal(exc) from exc
    except (PdfError, ValueError, KeyError) as exc:
        raise SigningFailed(_("Tệp PDF không ký được: %(reason)s") % {"reason": exc}) from exc
    return out.getvalue()


def _subject_name(row: Certificate) -> str:
    return row.common_name or row.subject_dn


def pdf_sign_personal(pdf: bytes, *, certificate: Certificate, placement: Placement,
                      image: bytes | None = None, field: str = "ChuKyCaNhan",
                      reason: str = "", location: str = "") -> bytes:
    """The signer's personal signature, visible in the signature block: the blue signature
    image (the uploaded one, or one drawn from the name), then "Ký bởi: <name>" and the time
    in ISO 8601 Vietnam time."""
    now = timezone.now()
    row = ensure_usable(certificate, CertKind.PERSONAL, now)
    style = personal_style(image or signature_png(_subject_name(row)))
    return sign_raw(pdf, row, field=field, placement=placement, style=style,
                    reason=reason, location=location, at=now)


def pdf_sign_agency(pdf: bytes, *, certificate: Certificate, placement: Placement,
                    seal: bytes | None = None, field: str = "ChuKyCoQuan",
                    reason: str = "", location: str = "") -> bytes:
    """The agency's signature: the red seal image at `placement` (see `seal_placement`)."""
    now = timezone.now()
    row = ensure_usable(certificate, CertKind.ORGANIZATION, now)
    style = seal_style(seal or seal_png(_subject_name(row)))
    return sign_raw(pdf, row, field=field, placement=placement, style=style,
                    reason=reason, location=location, at=now)


def attachment_placement(pdf: bytes, width: float = 230, height: float = 48,
                         margin: float = 20) -> Placement:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        page = PdfFileReader(BytesIO(pdf), strict=False).root["/Pages"]
        first = page["/Kids"][0].get_object() if "/Kids" in page else page
        x1, y1, x2, y2 = (float(v) for v in first.get("/MediaBox", page.get("/MediaBox")))
    except (PdfError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise SigningFailed(_("Tệp PDF không đọc được.")) from exc
    return Placement(0, (x2 - margin - width, y2 - margin - height, x2 - margin, y2 - margin))


def last_page_placement(pdf: bytes, width: float = 180, height: float = 64,
                        margin_x: float = 28, margin_y: float = 14) -> Placement:
    """A box at the bottom right of the last page, low in its bottom margin: where a reader
    looks for the signer of a document whose layout we do not control (an uploaded result;
    Decree 30/2020 puts the signature block at the bottom right of the last page)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        count = int(reader.root["/Pages"]["/Count"])
        page = reader.find_page_for_modification(count - 1)[0].get_object()
        node: Any = page
        for _depth in range(32):  # inherited from the page tree (bounded: a cycle is refused)
            if "/MediaBox" in node or "/Parent" not in node:
                break
            node = node["/Parent"].get_object()
        x1, y1, x2, y2 = (float(v) for v in node["/MediaBox"])
    except (PdfError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise SigningFailed(_("Tệp PDF không đọc được.")) from exc
    right = max(x2 - margin_x, x1 + width)
    return Placement(count - 1, (right - width, y1 + margin_y, right, y1 + margin_y + height))


def pdf_sign_attachment(pdf: bytes, *, certificate: Certificate, number_notation: str,
                        field: str = "ChuKyPhuLuc", reason: str = "", url: str = "") -> bytes:
    """The agency's signature on a separately filed attachment: top right of the first page,
    no image; the agency, the number and notation, and the signing time (and, given `url`, a
    QR code of it: where anyone can check the signed file)."""
    now = timezone.now()
    row = ensure_usable(certificate, CertKind.ORGANIZATION, now)
    if url:
        style: TextStampStyle | QRStampStyle = qr_attachment_style(_subject_name(row),
                                                                   number_notation)
        placement = attachment_placement(pdf, width=260, height=72)
    else:
        style = attachment_style(_subject_name(row), number_notation)
        placement = attachment_placement(pdf)
    return sign_raw(pdf, row, field=field, placement=placement, style=style,
                    reason=reason, at=now, url=url)


__all__: list[Any] = ["Placement", "seal_placement", "pdf_sign_personal", "pdf_sign_agency",
                      "pdf_sign_attachment", "last_page_placement", "iso_vn"]
