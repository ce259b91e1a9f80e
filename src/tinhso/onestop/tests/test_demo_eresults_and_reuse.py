"""The demo year's electronic results and reused components: every result the demo marks
electronic is a file its officers and applicant can open, signed twice and valid where the
agency signs its results (as the services sign them), as uploaded where it never was issued a
certificate; reused components point to a digitized component of an earlier dossier of the
same applicant; both counted in the rollups as the recomputation counts them."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from tinhso.catalog.demo import load_catalog
from tinhso.directory.demo import demo_agency_roles, load_agencies
from tinhso.directory.models import Grant, Role
from tinhso.directory.services import units_import
from tinhso.onestop.demo import load_dossiers
from tinhso.onestop.files import file_open
from tinhso.onestop.models import Dossier, DossierFile
from tinhso.onestop.rollups import rollups_aggregate, rollups_diff, rollups_months_diff
from tinhso.signing.validation import pdf_validate

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 27, 10, 30, tzinfo=TZ)


@pytest.fixture
def province(db, media, pki):
    """The demo province, its justice department signing its results: the session PKI's
    organization certificate and a leader's personal certificate moved to it."""
    units_import(province_codes=["38"])
    load_agencies("38")
    roles = demo_agency_roles("38")
    load_catalog(agencies=roles)
    justice = roles["justice"]
    Grant.objects.create(user=pki.signer, role=Role.LEADER, agency=justice,
                         province_code=justice.province_code)
    for cert in (pki.organization, pki.personal):
        type(cert).objects.filter(pk=cert.pk).update(agency=justice)
    return justice


def _read(f: DossierFile) -> bytes:
    with file_open(f) as handle:
        return handle.read()


def test_resolved_dossiers_have_electronic_results_that_open_and_validate(province, client, pki):
    load_dossiers(province_code="38", scale=0.002, now=NOW)
    call_command("stats", "verify")
    assert rollups_diff(province_code="38") == [] and rollups_months_diff(province_code="38") == []
    totals: Counter[str] = Counter()
    for counts in rollups_aggregate(province_code="38").values():
        totals.update(counts)
    resolved = totals["resolved_early"] + totals["resolved_on_time"] + totals["resolved_late"]
    # About 20-40% where results are not signed, 70-95% where they are (_constants).
    assert 0.2 <= totals["electronic_result"] / resolved <= 0.7

    results = list(DossierFile.objects.filter(kind=DossierFile.Kind.RESULT)
                   .select_related("dossier"))
    assert len(results) == totals["electronic_result"]
    signed = {True: 0, False: 0}
    checked: set[str] = set()
    for f in results:
        d = f.dossier
        assert d.result_file_id == f.pk and d.resolved_at == f.uploaded_at
        data = _read(f)  # what the officers and the applicant download
        assert data.startswith(b"%PDF-") and len(data) == f.size
        assert hashlib.sha256(data).hexdigest() == f.sha256
        is_signed = d.agency_id == province.pk
        signed[is_signed] += 1
        if f.sha256 in checked:
            continue
        checked.add(f.sha256)
        report = pdf_validate(data)
        if is_signed:  # the approver's and the agency's signatures, as the services make
            assert report.ok and len(report.signatures) == 2, report
        else:  # never issued a certificate: kept as uploaded, as the services keep it
            assert report.error == "unsigned"
    assert signed[True] > 0 and signed[False] > 0
    assert len(checked) == 2  # one signed template for the justice department, one unsigned

    # The public check from the QR code shows the signatures of a signed demo result.
    d = next(f.dossier for f in results if f.dossier.agency_id == province.pk)
    page = client.get(f"/tra-cuu/{d.code}/ket-qua/")
    assert page.status_code == 200
    verdict = page.context["v"]
    assert verdict.ok and verdict.status == "valid" and len(verdict.signatures) == 2
    # The agency's leader downloads it from the dossier's page.
    client.force_login(pki.signer)
    download = client.get(reverse("onestop:file", args=[d.code, d.result_file_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == _read(d.result_file)
    # Dossiers of other agencies never got a result they could not have made.
    assert not Dossier.objects.filter(result_file__isnull=False, resolved_at__isnull=True).exists()


def test_reused_components_come_from_an_earlier_dossier_of_the_same_applicant(province):
    load_dossiers(province_code="38", scale=0.002, now=NOW)
    totals: Counter[str] = Counter()
    for counts in rollups_aggregate(province_code="38").values():
        totals.update(counts)
    assert 0.01 <= totals["reused"] / totals["submitted"] <= 0.15
    reused = list(DossierFile.objects.filter(reused_from__isnull=False)
                  .select_related("dossier", "reused_from__dossier"))
    assert len(reused) == totals["reused"] == len({f.dossier_id for f in reused})
    for f in reused:
        source = f.reused_from
        assert source.is_digitized and source.kind == DossierFile.Kind.COMPONENT
        assert source.reused_from_id is None and source.dossier_id != f.dossier_id
        assert source.dossier.applicant_id_number == f.dossier.applicant_id_number
        assert source.dossier.applicant_id == f.dossier.applicant_id
        assert source.uploaded_at < f.dossier.submitted_at == f.uploaded_at
        assert f.is_digitized and f.sha256 == source.sha256
        assert _read(f) == _read(source)
        # The reused component is not digitized again by the officers.
        assert not DossierFile.objects.filter(dossier=f.dossier_id, reused_from__isnull=True,
                                              kind=DossierFile.Kind.COMPONENT).exists()


def test_a_demo_file_under_a_reused_name_gets_the_new_bytes(tmp_path):
    """Dossier ids handed out again (a load run twice on SQLite, a database made anew over the
    same media): the path already exists from the earlier load, and must not keep its bytes."""
    from tinhso.onestop.demo._scan import Scans

    scans = Scans(tmp_path)
    old, new = tmp_path / "old.pdf", tmp_path / "new.pdf"
    old.write_bytes(b"%PDF-1.7 old template")
    new.write_bytes(b"%PDF-1.7 new template")
    scans.link(["dossiers/demo/0/1-kq.pdf"], source=old)
    scans.link(["dossiers/demo/0/1-kq.pdf"], source=new)
    target = tmp_path / "dossiers/demo/0/1-kq.pdf"
    assert target.read_bytes() == b"%PDF-1.7 new template"
    scans.link(["dossiers/demo/0/1-kq.pdf"], source=new)  # the same file: left alone
    assert target.samefile(new)
    assert sorted(p.name for p in target.parent.iterdir()) == ["1-kq.pdf"]
