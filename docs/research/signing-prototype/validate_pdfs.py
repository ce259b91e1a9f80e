"""Validate signed PDFs: pyHanko (offline, dev root only), AdES-LTA, pdfsig (NSS), qpdf --check.

Also the negative cases: one byte changed, an unsigned incremental change, a revoked signer,
an expired signer.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

os.environ["TZ"] = "Asia/Ho_Chi_Minh"
time.tzset()

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.general import SigningError  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp  # noqa: E402
from pyhanko.sign.validation.ades import (  # noqa: E402
    ades_lta_validation,
    simulate_future_ades_lta_validation,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore  # noqa: E402
from pyhanko.sign.validation.policy_decl import (  # noqa: E402
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.authority import CertTrustAnchor  # noqa: E402
from pyhanko_certvalidator.context import CertValidationPolicySpec  # noqa: E402
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, REQUIRE_REVINFO  # noqa: E402
from pyhanko_certvalidator.registry import SimpleTrustManager  # noqa: E402

from common import OUT, PKI_DIR, InProcessTimeStamper, load_arch, signing_vc, trust_roots  # noqa: E402
from sign_pdfs import load_signer, sign  # noqa: E402

NSSDB = OUT / "nssdb"


def pyhanko_validate(pdf: bytes, arch) -> list[dict]:
    """Offline: trust only the dev root, revocation data must come from the file (DSS)."""
    r = PdfFileReader(BytesIO(pdf), strict=False)
    dss = DocumentSecurityStore.read_dss(r)
    results = []
    for sig in r.embedded_regular_signatures:
        vc = dss.as_validation_context({"trust_roots": trust_roots(arch), "allow_fetching": False,
                                        "revocation_mode": "hard-fail"})
        st = validate_pdf_signature(sig, vc)
        results.append({
            "field": sig.field_name, "signer": st.signing_cert.subject.human_friendly.split(",")[0],
            "intact": st.intact, "valid": st.valid, "trusted": st.trusted, "revoked": st.revoked,
            "coverage": st.coverage.name, "modification": st.modification_level.name,
            "docmdp_ok": st.docmdp_ok, "timestamp_ok": bool(st.timestamp_validity and st.timestamp_validity.valid),
            "ts_time": str(st.timestamp_validity.timestamp) if st.timestamp_validity else None,
            "bottom_line": st.bottom_line,
        })
    for ts in r.embedded_timestamp_signatures:
        vc = dss.as_validation_context({"trust_roots": trust_roots(arch), "allow_fetching": False})
        st = validate_pdf_timestamp(ts, vc)
        results.append({"field": ts.field_name, "doc_timestamp": str(st.timestamp),
                        "intact": st.intact, "valid": st.valid, "trusted": st.trusted})
    return results


def ades_lta(pdf: bytes, arch, future=None) -> list[str]:
    """ETSI EN 319 102-1 validation using only what is embedded (no fetching).

    Needs B-LTA (a document timestamp) to have proof of existence; `future` simulates a
    validation at that time (after the signers' certificates expired)."""
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[CertTrustAnchor(c) for c in trust_roots(arch)]),
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO))
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY, fetcher_backend=None)))
    r = PdfFileReader(BytesIO(pdf), strict=False)
    out = []
    for sig in r.embedded_regular_signatures:
        if future is None:
            res = asyncio.run(ades_lta_validation(sig, spec))
        else:
            res = asyncio.run(simulate_future_ades_lta_validation(sig, spec, future))
        out.append(f"{sig.field_name}: {res.ades_subindic or 'PASSED'} "
                   f"{getattr(res.api_status, 'bottom_line', '')}")
    return out


def nss_db(arch) -> Path:
    """pdfsig validates chains against an NSS db; import the dev root with CT,C,C trust."""
    if not (NSSDB / "cert9.db").exists():
        NSSDB.mkdir(parents=True, exist_ok=True)
        subprocess.run(["certutil", "-N", "-d", f"sql:{NSSDB}", "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{NSSDB}", "-n", "tinhso-dev-root", "-t", "CT,C,C",
                        "-i", str(PKI_DIR / "certs" / "root.cert.pem")], check=True)
    return NSSDB


def pdfsig(path: Path, *extra: str) -> tuple[list[str], list[str], str]:
    """pdfsig exits 0 whether or not signatures are valid: parse its text."""
    p = subprocess.run(["pdfsig", "-nssdir", f"sql:{NSSDB}", *extra, str(path)],
                       capture_output=True, text=True)
    out = p.stdout + p.stderr
    return (re.findall(r"Signature Validation: (.*)", out),
            re.findall(r"Certificate Validation: (.*)", out), out)


def qpdf_check(path: Path) -> str:
    p = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    return f"rc={p.returncode} " + (p.stdout.strip().splitlines() or [""])[-1]


def flip_byte(pdf: bytes) -> bytes:
    """Change one byte inside signed content (a page content stream)."""
    i = pdf.index(b"stream", len(pdf) // 10) + 40
    return pdf[:i] + bytes([pdf[i] ^ 0x01]) + pdf[i + 1:]


def unsigned_append(pdf: bytes) -> bytes:
    """A well-formed incremental update that draws "ĐÃ SỬA" on page 1, without any signature."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStamp, TextStampStyle
    from sign_pdfs import SERIF
    w = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    style = TextStampStyle(stamp_text="ĐÃ SỬA", border_width=0, text_box_style=TextBoxStyle(
        font=GlyphAccumulatorFactory(SERIF), font_size=24))
    TextStamp(w, style).apply(0, 100, 700)
    out = BytesIO()
    w.write(out)
    return out.getvalue()


def report(title: str, path: Path, arch) -> None:
    pdf = path.read_bytes()
    print(f"\n== {title}: {path.name}")
    try:
        for r in pyhanko_validate(pdf, arch):
            print("  pyHanko:", r)
    except Exception as e:  # noqa: BLE001
        print("  pyHanko raised:", type(e).__name__, e)
    sv, cv, _ = pdfsig(path, "-no-ocsp")
    print("  pdfsig signature:", sv, "certificate:", cv)
    print("  qpdf --check:", qpdf_check(path))


def main() -> None:
    arch = load_arch()
    nss_db(arch)
    signed = OUT / "doc-signed.pdf"
    report("good document", signed, arch)
    report("good attachment", OUT / "attachment-signed.pdf", arch)
    print("  AdES-LTA on B-LT (embedded data only):", ades_lta(signed.read_bytes(), arch))
    lta = OUT / "doc-signed-lta.pdf"
    report("good document, agency signature B-LTA", lta, arch)
    print("  AdES-LTA on B-LTA:", ades_lta(lta.read_bytes(), arch))
    from datetime import datetime, timezone
    future = datetime.now(timezone.utc) + timedelta(days=365 * 4)
    print("  AdES-LTA simulated in 4 years (officer cert expired):", ades_lta(lta.read_bytes(), arch, future))

    (OUT / "tampered-byte.pdf").write_bytes(flip_byte(signed.read_bytes()))
    report("one byte changed", OUT / "tampered-byte.pdf", arch)
    (OUT / "tampered-append.pdf").write_bytes(unsigned_append(signed.read_bytes()))
    report("unsigned incremental change", OUT / "tampered-append.pdf", arch)

    # revoked signer: our signing path refuses; a foreign signer that skips the check produces a
    # signature that validates as revoked.
    doc = (OUT / "doc.pdf").read_bytes()
    ctx = (arch, signing_vc(arch), InProcessTimeStamper(arch))
    for label in ("officer-revoked", "officer-expired"):
        try:
            sign(doc, load_signer(label), "X", 0, (10, 10, 100, 60), None, ctx, "test")
            print(f"\n{label}: SIGNED (unexpected)")
        except SigningError as e:
            cause = e.__cause__ or e.__context__
            print(f"\n{label}: pyHanko refused to sign: {e} <- {type(cause).__name__}: {cause}")
    meta = signers.PdfSignatureMetadata(field_name="X", md_algorithm="sha256")
    out = BytesIO()
    signers.PdfSigner(meta, signer=load_signer("officer-revoked"), timestamper=ctx[2]).sign_pdf(
        IncrementalPdfFileWriter(BytesIO(doc)), output=out)
    (OUT / "revoked-signed.pdf").write_bytes(out.getvalue())
    r = PdfFileReader(BytesIO(out.getvalue()))
    st = validate_pdf_signature(r.embedded_signatures[0], signing_vc(arch, ))
    print("revoked signer, validated with revocation fetched in-process:",
          {"intact": st.intact, "valid": st.valid, "trusted": st.trusted, "revoked": st.revoked,
           "bottom_line": st.bottom_line})
    sv, cv, _ = pdfsig(OUT / "revoked-signed.pdf", "-no-ocsp")
    print("  pdfsig -no-ocsp:", sv, cv)
    _ = timedelta


if __name__ == "__main__":
    main()
