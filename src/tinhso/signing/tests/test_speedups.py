"""The speed-ups of validation change no verdict: the bulk readers read exactly what pyHanko's
readers read, the replaced library functions are the ones they were written against, the
validated-path cache answers only for the same inputs, and every kind of unsigned change
appended after both signatures is still caught."""

from __future__ import annotations

from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from hypothesis import given
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko_certvalidator import ValidationContext

from tinhso.signing import speedups, validation_cache
from tinhso.signing.diff_policy import DIFF_POLICY, StandardDiffPolicyWithDssShortcut
from tinhso.signing.tests.test_pades import sign_both
from tinhso.signing.validation import pdf_validate


def test_the_replaced_library_functions_are_the_ones_the_speedups_were_written_against():
    """Fails on a pyHanko or asn1crypto upgrade that touches a replaced function: read the new
    code, adapt `speedups.py`, then record the new digests and versions."""
    originals = {
        "pyhanko.pdf_utils.generic.read_hex_string_from_stream": speedups._original_read_hex,
        "pyhanko.pdf_utils.misc.read_until_delimiter": speedups._original_read_until_delimiter,
        "pyhanko.pdf_utils.misc.read_until_whitespace": speedups._original_read_until_whitespace,
        "pyhanko.pdf_utils.misc._read_until_class": misc._read_until_class,
        "pyhanko.pdf_utils.generic._decode_name": speedups._original_decode_name,
        "asn1crypto.x509.NameTypeAndValue._ldap_string_prep": speedups._original_prep,
        "pyhanko.sign.diff_analysis.policies.StandardDiffPolicy.apply": StandardDiffPolicy.apply,
    }
    assert set(originals) == set(speedups.ORIGINAL_SOURCES)
    for name, function in originals.items():
        assert speedups.source_digest(function) == speedups.ORIGINAL_SOURCES[name], name
    assert speedups.install() == {
        "pyhanko.pdf_utils.generic.read_hex_string_from_stream",
        "pyhanko.pdf_utils.generic.read_until_delimiter",
        "pyhanko.pdf_utils.generic._decode_name",
        "pyhanko.pdf_utils.misc.read_until_whitespace",
        "asn1crypto.x509.NameTypeAndValue._ldap_string_prep",
    }
    assert generic.read_hex_string_from_stream is speedups.read_hex_string


def _outcome(function, data: bytes, *args):
    stream = BytesIO(data)
    try:
        result = function(stream, *args)
    except Exception as exc:  # noqa: BLE001 - the same error class is what we compare
        return ("error", type(exc).__name__, stream.tell())
    return (type(result).__name__, bytes(result) if isinstance(result, bytes) else result,
            stream.tell())


HEXISH = st.lists(st.sampled_from(list(b"0123456789abcdefABCDEF \n\r\t\f\x00%>xZ<")),
                  max_size=80).map(bytes)
TOKENISH = st.lists(st.sampled_from(list(b"abcXYZ09#-_.+ \n\r\t\f\x00()<>[]{}/%")),
                    max_size=150).map(bytes)


@given(HEXISH, st.binary(max_size=20))
def test_bulk_hex_reader_reads_what_pyhanko_reads(body: bytes, tail: bytes):
    data = b"<" + body + tail
    assert _outcome(speedups.read_hex_string, data) == _outcome(speedups._original_read_hex,
                                                                data)


def test_bulk_hex_reader_reads_a_signature_sized_string():
    digits = bytes.hex(bytes(range(256)) * 40).encode()
    data = b"<" + digits[:5000] + b"\n" + digits[5000:] + b"> /ByteRange"
    assert _outcome(speedups.read_hex_string, data) == _outcome(speedups._original_read_hex,
                                                                data)


@given(TOKENISH)
def test_bulk_token_readers_read_what_pyhanko_reads(data: bytes):
    assert (_outcome(speedups.read_until_delimiter, data)
            == _outcome(speedups._original_read_until_delimiter, data))
    assert (_outcome(speedups.read_until_whitespace, data)
            == _outcome(speedups._original_read_until_whitespace, data))


@given(st.one_of(st.binary(max_size=30), TOKENISH, st.text(max_size=20).map(str.encode)))
def test_name_decoding_is_pyhankos(data: bytes):
    def decode(stream):
        return speedups.decode_name(stream.read())

    def original(stream):
        return speedups._original_decode_name(stream.read())

    fast, slow = _outcome(decode, data), _outcome(original, data)
    assert fast == slow
    if fast[0] != "error":
        assert type(speedups.decode_name(data)) is type(speedups._original_decode_name(data))


@given(st.text(max_size=40))
def test_memoised_name_preparation_is_asn1cryptos(value: str):
    try:
        expected = speedups._original_prep(None, value)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            speedups.ldap_string_prep(None, value)
        return
    assert speedups.ldap_string_prep(None, value) == expected


def test_names_still_compare_as_rfc_5280_says():
    a = asn1_x509.Name.build({"common_name": "Nguyễn  Văn An", "country_name": "VN"})
    b = asn1_x509.Name.build({"common_name": "nguyễn văn an", "country_name": "VN"})
    c = asn1_x509.Name.build({"common_name": "Nguyễn Văn Ân", "country_name": "VN"})
    assert a == b and a != c


@pytest.mark.django_db
def test_a_second_validation_reuses_the_validated_paths_and_reaches_the_same_verdict(
        pki, two_page_pdf):
    signed = sign_both(two_page_pdf, pki)
    validation_cache.path_cache.clear()
    first = pdf_validate(signed)
    hits = validation_cache.path_cache.hits
    second = pdf_validate(signed)
    assert first.ok and second == first
    assert validation_cache.path_cache.hits > hits


def test_only_contexts_made_for_validation_use_the_path_cache(pki):
    root = validation_cache.parsed_certificate(pki_root_der(pki))
    plain = ValidationContext(trust_roots=[root])
    assert validation_cache.PathCache.key(root, plain, None) is None
    ours = validation_cache.validation_context(None, [root], allow_fetching=False,
                                               revocation_mode="hard-fail")
    other_policy = validation_cache.validation_context(None, [root], allow_fetching=False,
                                                       revocation_mode="soft-fail")
    key = validation_cache.PathCache.key(root, ours, None)
    assert key is not None and key != validation_cache.PathCache.key(root, other_policy, None)


def pki_root_der(pki) -> bytes:
    from tinhso.signing.devpki import load_pem_cert
    from tinhso.signing.models import Certificate, CertKind

    return load_pem_cert(Certificate.objects.filter(kind=CertKind.ROOT).first().pem).dump()


# Unsigned changes appended after both signatures: each is caught.

def _update(pdf: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _first_page(writer):
    return writer.root["/Pages"]["/Kids"][0]


def _new_page_content(writer):
    page_ref = _first_page(writer)
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (SUA) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)


def _added_annotation(writer):
    page = _first_page(writer).get_object()
    annot = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Square"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            [generic.FloatObject(v) for v in (100, 100, 300, 300)]),
    }))
    annots = page.get("/Annots")
    annots = generic.ArrayObject(list(annots.get_object()) if annots is not None else [])
    annots.append(annot)
    page["/Annots"] = annots
    writer.update_container(page)


def _changed_signature_field(writer):
    field = writer.root["/AcroForm"]["/Fields"][0].get_object()
    field["/T"] = generic.TextStringObject("ChuKyKhac")
    writer.update_container(field)


def _object_from_catalog(writer):
    action = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject("app.alert('x')"),
    }))
    writer.root["/OpenAction"] = action
    writer.update_root()


@pytest.mark.django_db
@pytest.mark.parametrize("change", [_new_page_content, _added_annotation,
                                    _changed_signature_field, _object_from_catalog],
                         ids=["page-content", "annotation", "field", "catalog-object"])
def test_every_kind_of_unsigned_change_after_signing_is_caught(pki, two_page_pdf, change):
    signed = sign_both(two_page_pdf, pki)
    assert pdf_validate(signed).ok
    changed = _update(signed, change)
    assert len(PdfFileReader(BytesIO(changed)).embedded_regular_signatures) == 2
    report = pdf_validate(changed)
    assert not report.ok and (report.unsigned_changes or report.error)


# The DSS shortcut of the difference analysis reaches pyHanko's own verdicts.

def _outcomes(policy, pdf: bytes) -> list[tuple]:
    """For every pair of consecutive revisions after the first signature, what `policy.apply`
    says: the level and changed fields, or that the change is suspicious."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    result = []
    for rev in range(2, reader.xrefs.total_revisions):
        for base in sorted({1, rev - 1}):
            try:
                diff = policy.apply(reader.get_historical_resolver(base),
                                    reader.get_historical_resolver(rev))
            except SuspiciousModification:
                result.append((base, rev, "suspicious"))
            else:
                result.append((base, rev, diff.modification_level,
                               frozenset(diff.changed_form_fields)))
    return result


def _with_a_dss_certificate(writer):
    dss = writer.root["/DSS"]
    dss["/Certs"].append(writer.add_object(generic.StreamObject(stream_data=pki_der_cache[0])))
    writer.update_container(dss)


def _dss_and_page_content(writer):
    _with_a_dss_certificate(writer)
    _new_page_content(writer)


def _dss_and_catalog(writer):
    _with_a_dss_certificate(writer)
    _object_from_catalog(writer)


def _info_only(writer):
    info = writer.trailer["/Info"]
    info["/Producer"] = generic.TextStringObject("khác")
    writer.update_container(info)


def _page_refers_to_the_dss(writer):
    page = _first_page(writer).get_object()
    page["/TinhSo"] = writer.root.raw_get("/DSS")
    writer.update_container(page)


pki_der_cache: list[bytes] = []


@pytest.mark.django_db
@pytest.mark.parametrize("changes", [
    [], [_with_a_dss_certificate], [_info_only], [_dss_and_page_content], [_dss_and_catalog],
    [_new_page_content], [_added_annotation], [_changed_signature_field],
    # the DSS, reached from signed content too, then updated: not "validation data only"
    [_page_refers_to_the_dss, _with_a_dss_certificate],
], ids=["as-signed", "dss", "info", "dss+page", "dss+catalog", "page", "annotation", "field",
        "shared-dss"])
def test_the_dss_shortcut_reaches_pyhankos_verdict_on_every_revision(pki, two_page_pdf,
                                                                     changes):
    if not pki_der_cache:
        pki_der_cache.append(pki_root_der(pki))
    pdf = sign_both(two_page_pdf, pki)
    for change in changes:
        pdf = _update(pdf, change)
    taken = StandardDiffPolicyWithDssShortcut.shortcuts
    assert _outcomes(DIFF_POLICY, pdf) == _outcomes(DEFAULT_DIFF_POLICY, pdf)
    shortcuts = StandardDiffPolicyWithDssShortcut.shortcuts - taken
    if not changes:
        assert shortcuts == 2  # the DSS revision after each signature
    if changes[-1:] == [_with_a_dss_certificate] and len(changes) > 1:
        assert shortcuts == 2  # the shared DSS revision went to pyHanko's full analysis
    report = pdf_validate(pdf)
    assert report.ok == (changes in ([], [_with_a_dss_certificate], [_info_only]))
