"""edXML-shaped envelope (QCVN 102:2016 header fields) with an enveloped XML-DSig by the agency.

Writes out/edxml-signed.xml and out/edxml-tampered.xml; verifies with signxml and xmlsec1.
The manifest carries the SHA-256 of each attachment, so the XML signature also binds the PDF.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import time
import uuid
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod, XMLSigner, XMLVerifier
from signxml.exceptions import InvalidDigest, InvalidSignature

from common import KEYSTORE_PASSPHRASE, OUT, PKI_DIR, VN_TZ

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
E = "{%s}" % NS


def el(parent, tag: str, text: str | None = None, **children: str):
    node = etree.SubElement(parent, E + tag)
    if text is not None:
        node.text = text
    for k, v in children.items():
        etree.SubElement(node, E + k).text = v
    return node


def build_envelope(pdf: bytes, pdf_name: str) -> etree._Element:
    root = etree.Element(E + "edXMLEnvelope", nsmap={"edXML": NS})
    header = el(root, "edXMLHeader")
    mh = el(header, "MessageHeader")
    el(mh, "From", OrganId="000.00.00.H56", OrganName="UBND tỉnh Thanh Hóa",
       OrganAdd="35 Đại lộ Lê Lợi, TP Thanh Hóa", Email="vanthu@thanhhoa.gov.vn")
    el(mh, "To", OrganId="000.00.01.H56", OrganName="Sở Nội vụ tỉnh Thanh Hóa")
    el(mh, "DocumentId", str(uuid.uuid4()))
    el(mh, "Code", CodeNumber="123", CodeNotation="QĐ-UBND")
    el(mh, "PromulgationInfo", Place="Thanh Hóa", PromulgationDate="2026-11-27")
    el(mh, "DocumentType", Type="1", TypeName="Quyết định")
    el(mh, "Subject", "Về việc thử nghiệm chữ ký số PAdES")
    el(mh, "SignerInfo", Competence="TM. Ủy ban nhân dân", Position="Chủ tịch", FullName="Nguyễn Văn An")
    el(mh, "OtherInfo", Priority="0", SphereOfPromulgation="Toàn tỉnh", PageAmount="2")
    el(mh, "ResponseDate", "2026-12-04")
    thl = el(header, "TraceHeaderList")
    el(thl, "TraceHeader", OrganId="000.00.00.H56",
       Timestamp=datetime.now(VN_TZ).isoformat(timespec="seconds"))
    el(thl, "Bussiness", BussinessDocType="0", BussinessDocReason="Văn bản mới")
    # signxml puts an enveloped signature where this placeholder is
    etree.SubElement(header, "{%s}Signature" % DS, Id="placeholder", nsmap={"ds": DS})
    body = el(root, "edXMLBody")
    ref = el(el(body, "Manifest"), "Reference", ContentId=f"cid:{uuid.uuid4()}",
             ContentType="application/pdf", AttachmentName=pdf_name)
    el(ref, "DigestSHA256", base64.b64encode(hashlib.sha256(pdf).digest()).decode())
    return root


def load_agency():
    key, cert, chain = pkcs12.load_key_and_certificates(
        (PKI_DIR / "keystore" / "agency-thanhhoa.p12").read_bytes(), KEYSTORE_PASSPHRASE)
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode()  # noqa: E731
    return key, [pem(cert)] + [pem(c) for c in chain if "Root" not in c.subject.rfc4514_string()]


def sign(root: etree._Element) -> bytes:
    key, certs = load_agency()
    signer = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256)
    signed = signer.sign(root, key=key, cert=certs)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def verify_signxml(xml: bytes) -> str:
    try:
        res = XMLVerifier().verify(xml, ca_pem_file=str(PKI_DIR / "certs" / "root.cert.pem"))
        # Use res.signed_xml (what the signature covers), never the raw input, downstream.
        der = base64.b64decode(res.signature_xml.findtext(f".//{{{DS}}}X509Certificate"))
        subject = x509.load_der_x509_certificate(der).subject.rfc4514_string()
        return f"OK signed by {subject}; covered root <{etree.QName(res.signed_xml).localname}>"
    except (InvalidSignature, InvalidDigest) as e:
        return f"REFUSED: {type(e).__name__}: {e}"


def verify_xmlsec1(path) -> str:
    cmd = ["xmlsec1", "--verify", "--enabled-reference-uris", "empty",
           "--trusted-pem", str(PKI_DIR / "certs" / "root.cert.pem"), str(path)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return f"rc={p.returncode} " + " | ".join(p.stderr.strip().splitlines()[-2:])


def main() -> None:
    pdf = (OUT / "doc-signed.pdf").read_bytes()
    t0 = time.perf_counter()
    xml = sign(build_envelope(pdf, "123-QD-UBND.pdf"))
    t1 = time.perf_counter()
    (OUT / "edxml-signed.xml").write_bytes(xml)
    print(f"signed envelope: {len(xml)} bytes in {1000 * (t1 - t0):.1f} ms")
    print("signxml:", verify_signxml(xml), f"({1000 * (time.perf_counter() - t1):.1f} ms)")
    print("xmlsec1:", verify_xmlsec1(OUT / "edxml-signed.xml"))
    tampered = xml.replace("123</edXML:CodeNumber>".encode(), "124</edXML:CodeNumber>".encode())
    (OUT / "edxml-tampered.xml").write_bytes(tampered)
    print("tampered signxml:", verify_signxml(tampered))
    print("tampered xmlsec1:", verify_xmlsec1(OUT / "edxml-tampered.xml"))


if __name__ == "__main__":
    main()
