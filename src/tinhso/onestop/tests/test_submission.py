"""Submission: validation names the field, nothing is half-written, files are checked by their
content, retries with the same idempotency key make one dossier, digitized components are
reused by the same applicant only."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.directory.models import Agency
from tinhso.onestop import services as s
from tinhso.onestop.files import file_store
from tinhso.onestop.models import Dossier, DossierFile
from tinhso.onestop.status import Channel
from tinhso.onestop.tests.world import JPEG, PDF, PNG, make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _submit(w, **kw):
    kw.setdefault("files", w.files())
    return s.dossier_submit(actor=kw.pop("actor", w.citizen),
                            procedure_code=w.version.procedure.code, channel=Channel.ONLINE,
                            at=vn(2025, 3, 3, 8, 0), **kw)


def test_a_missing_mandatory_document_is_named_and_nothing_is_written(media):
    w = make_world()
    first = w.files()[0]
    with pytest.raises(DomainError) as err:
        _submit(w, files=[first])
    assert err.value.status == 422
    assert err.value.errors[0].field == "files"
    assert "Bản chụp căn cước" in err.value.message
    assert Dossier.objects.count() == 0 and stored_files(media) == []


@pytest.mark.parametrize("content", [b"GIF89a....", b"<html>", b"MZ\x90\x00",
                                     b"PK\x03\x04 docx"])
def test_a_file_that_is_not_pdf_jpeg_or_png_by_content_is_refused(media, content):
    w = make_world()
    files = w.files()
    files[1] = (files[1][0], "trong-nhu-pdf.pdf", content)
    with pytest.raises(DomainError) as err:
        _submit(w, files=files)
    assert err.value.errors[0].field == "files"
    assert "trong-nhu-pdf.pdf" in err.value.message
    assert Dossier.objects.count() == 0 and stored_files(media) == []


def test_a_file_over_the_limit_is_refused_and_nothing_is_written(media, settings):
    settings.TINHSO_MAX_UPLOAD_BYTES = 1000
    w = make_world()
    files = w.files()
    files[0] = (files[0][0], "lon.pdf", PDF + b"0" * 2000)
    with pytest.raises(DomainError) as err:
        _submit(w, files=files)
    assert err.value.errors[0].code == "too_large" and "lon.pdf" in err.value.message
    assert Dossier.objects.count() == 0 and stored_files(media) == []


def test_jpeg_and_png_are_accepted_and_stored_with_their_checksum(media):
    import hashlib

    w = make_world()
    docs = w.documents
    d, _ = _submit(w, files=[(docs[0].pk, "to-khai.jpg", JPEG), (docs[1].pk, "cccd.png", PNG)])
    rows = {f.name: f for f in DossierFile.objects.filter(dossier=d)}
    assert rows["to-khai.jpg"].content_type == "image/jpeg"
    assert rows["cccd.png"].content_type == "image/png"
    assert rows["cccd.png"].sha256 == hashlib.sha256(PNG).hexdigest()
    path = media / rows["cccd.png"].storage_path
    assert path.read_bytes() == PNG
    assert rows["cccd.png"].storage_path.startswith("dossiers/2025/03/")


def test_a_failing_transaction_removes_the_files_it_wrote(media):
    w = make_world()
    # Received on the last day the working calendar covers: the due date cannot be computed,
    # so the transaction fails after the files were written.
    with pytest.raises(DomainError):
        s.dossier_submit(actor=w.desk, procedure_code=w.version.procedure.code,
                         channel=Channel.IN_PERSON, applicant_name="Lê Văn A",
                         applicant_id_number="038190012345", files=w.files(),
                         at=vn(2099, 12, 31, 16, 0))
    assert Dossier.objects.count() == 0
    assert stored_files(media) == []


def test_the_files_are_on_disk_before_the_dossier_commits(media, monkeypatch):
    """The files are fsynced beside the database work; a disk that fails them (EIO) fails
    the submission: no dossier, no files."""
    from tinhso.core import storage

    synced: list[Path] = []
    real = storage._fsync
    monkeypatch.setattr(storage, "_fsync", lambda path: (real(path), synced.append(path)))
    made = _submit(make_world())
    assert sorted(synced) == sorted(media / f.storage_path for f in made.dossier.files.all())

    def failing(path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage, "_fsync", failing)
    before = set(stored_files(media))
    w = make_world()
    with pytest.raises(OSError, match="Input/output error"):
        _submit(w)
    assert Dossier.objects.filter(applicant=w.citizen).count() == 0
    assert set(stored_files(media)) == before


def test_a_bad_id_number_is_named():
    w = make_world()
    other = UserFactory(kind="citizen", citizen_id=None)
    with pytest.raises(DomainError) as err:
        _submit(w, actor=other, applicant_id_number="12345")
    assert err.value.errors[0].field == "applicant_id_number"


def test_a_business_applies_with_its_tax_code():
    w = make_world()
    company = UserFactory(kind="business", full_name="Công ty TNHH Thử Nghiệm")
    d, _ = _submit(w, actor=company, applicant_id_number="0100109106")
    assert d.applicant_id_number == "0100109106"


def test_an_explicit_applicant_name_is_kept_in_nfc():
    import unicodedata

    w = make_world()
    other = UserFactory(kind="citizen", full_name="", citizen_id="038190054321")
    d, _ = _submit(w, actor=other, applicant_name=unicodedata.normalize("NFD", "Trần Thị Hằng"),
                   form_data={"ghi_chu": unicodedata.normalize("NFD", "Xin cấp gấp")})
    assert d.applicant_name == unicodedata.normalize("NFC", "Trần Thị Hằng")
    assert d.form_data["ghi_chu"] == unicodedata.normalize("NFC", "Xin cấp gấp")
    with pytest.raises(DomainError) as err:
        _submit(w, actor=other, applicant_name="Trần\u202eThị")
    assert err.value.errors[0].field == "applicant_name"


def test_the_same_idempotency_key_makes_one_dossier(media):
    w = make_world()
    d1, created1 = _submit(w, idempotency_key="abc-123")
    d2, created2 = _submit(w, idempotency_key="abc-123")
    assert created1 and not created2 and d1.pk == d2.pk
    assert Dossier.objects.count() == 1
    assert len(stored_files(media)) == 2  # the retry wrote nothing
    d3, created3 = _submit(w, idempotency_key="abc-124")
    assert created3 and d3.code.endswith("-0002")


def test_the_receiving_agency_defaults_to_the_service_centre_and_may_be_any_desk_in_province():
    w = make_world()
    d, _ = _submit(w)
    assert d.receiving_agency == w.centre
    commune_desk = AgencyFactory(kind=Agency.Kind.COMMUNE, name="UBND phường Hạc Thành")
    d2, _ = _submit(w, receiving_agency=commune_desk)
    assert d2.receiving_agency == commune_desk and d2.code.startswith(commune_desk.code)
    elsewhere = AgencyFactory(province_code="01")
    with pytest.raises(DomainError) as err:
        _submit(w, receiving_agency=elsewhere)
    assert err.value.errors[0].field == "receiving_agency"


def test_an_unknown_procedure_is_named():
    w = make_world()
    with pytest.raises(DomainError) as err:
        s.dossier_submit(actor=w.citizen, procedure_code="1.999999", channel=Channel.ONLINE)
    assert err.value.errors[0].field == "procedure_code"


def test_a_digitized_component_is_reused_by_the_same_applicant_only(media):
    w = make_world()
    first, _ = _submit(w)
    component = DossierFile.objects.filter(dossier=first).first()
    with pytest.raises(DomainError):  # not yet digitized
        _submit(w, files=w.files()[1:], reuse=[(w.documents[0].pk, component)])
    s.dossier_file_mark_digitized(file=component, actor=w.desk)
    second, _ = _submit(w, files=w.files()[1:], reuse=[(w.documents[0].pk, component)])
    reused = DossierFile.objects.get(dossier=second, reused_from=component)
    assert reused.sha256 == component.sha256 and reused.storage_path != component.storage_path
    assert (media / reused.storage_path).read_bytes() == PDF
    stranger = UserFactory(kind="citizen", citizen_id="038190077777")
    with pytest.raises(NotAllowed):
        _submit(w, actor=stranger, files=w.files()[1:], reuse=[(w.documents[0].pk, component)])


def test_file_store_attaches_a_result_or_supplement_and_checks_content(media):
    w = make_world()
    d, _ = _submit(w)
    row = file_store(dossier=d, upload_bytes_or_file=PDF, name="bo-sung.pdf",
                     kind=DossierFile.Kind.SUPPLEMENT, actor=w.citizen)
    assert (media / row.storage_path).exists()
    before = len(stored_files(media))
    with pytest.raises(DomainError):
        file_store(dossier=d, upload_bytes_or_file=b"not a pdf", name="x.pdf",
                   kind=DossierFile.Kind.SUPPLEMENT, actor=w.citizen)
    assert len(stored_files(media)) == before


def test_files_cleanup_removes_old_orphans_only(media):
    w = make_world()
    d, _ = _submit(w)
    kept = [media / f.storage_path for f in DossierFile.objects.filter(dossier=d)]
    orphan_dir = media / "dossiers" / "2025" / "03"
    old_orphan = orphan_dir / "0123456789abcdef0123456789abcdef.pdf"
    old_orphan.write_bytes(PDF)
    young_orphan = orphan_dir / "fedcba9876543210fedcba9876543210.pdf"
    young_orphan.write_bytes(PDF)
    two_hours_ago = time.time() - 7200
    for p in [old_orphan, *kept]:
        os.utime(p, (two_hours_ago, two_hours_ago))
    call_command("files", "cleanup")
    assert not old_orphan.exists()
    assert young_orphan.exists()  # may belong to a submission still in its transaction
    assert all(p.exists() for p in kept)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL")
def test_two_retries_racing_with_one_key_make_one_dossier(media):
    w = make_world()
    barrier = threading.Barrier(2)
    results: list[tuple[int, bool]] = []

    def retry():
        try:
            barrier.wait()
            d, created = _submit(w, idempotency_key="dua-nhau")
            results.append((d.pk, created))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0][0] == results[1][0]
    assert sorted(created for _pk, created in results) == [False, True]
    assert Dossier.objects.count() == 1
    assert len(stored_files(media)) == 2  # the loser's files were removed
