"""The development PKI, certificates issued and revoked through the services, and the key
store: keys encrypted at rest, adapter points that say what is missing."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role
from tinhso.signing import devpki, services
from tinhso.signing.errors import SigningNotConfigured
from tinhso.signing.keystore import PKCS11KeyStore, RemoteKeyStore, keystore
from tinhso.signing.models import Certificate, CertKind, RevocationReason


@pytest.mark.django_db
def test_pki_init_is_idempotent(pki):
    before = {c.label: c.fingerprint for c in Certificate.objects.filter(label__in=devpki.CA_LABELS)}
    again = services.pki_init()
    assert {c.label: c.fingerprint for c in again} == before
    assert {c.kind for c in again} == {CertKind.ROOT, CertKind.INTERMEDIATE, CertKind.OCSP,
                                       CertKind.TSA}


@pytest.mark.django_db
def test_certificates_carry_explicit_serials_names_and_the_chain(pki):
    cert = devpki.load_pem_cert(pki.personal.pem)
    assert cert.serial_number == pki.personal.serial
    assert cert.subject.native["common_name"] == "Nguyễn Văn An"
    assert cert.subject.native["title"] == "Chủ tịch"
    interm = devpki.load_pem_cert(Certificate.objects.get(label=devpki.INTERMEDIATE).pem)
    assert cert.issuer == interm.subject
    assert pki.personal.user == pki.signer and pki.organization.agency == pki.agency


@pytest.mark.django_db
def test_private_keys_on_disk_are_encrypted(pki):
    path = pki.directory / "keystore" / f"{pki.personal.key_ref}.key.pem"
    data = path.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in data
    with pytest.raises(TypeError):  # needs a password
        serialization.load_pem_private_key(data, password=None)
    with pytest.raises(ValueError, match="(?i)password|decrypt"):
        serialization.load_pem_private_key(data, password=b"not the secret")
    assert (path.stat().st_mode & 0o077) == 0
    for ca in devpki.CA_LABELS:
        assert b"ENCRYPTED" in (pki.directory / "ca" / f"{ca}.key.pem").read_bytes()


@pytest.mark.django_db
def test_issue_and_revoke_are_audited(pki):
    leader = officer(Role.LEADER, pki.agency, full_name="Phạm Thị Dung")
    cert = services.certificate_issue_personal(actor=pki.admin, user=leader, agency=pki.agency)
    services.certificate_revoke(actor=pki.admin, certificate=cert,
                                reason=RevocationReason.SUPERSEDED)
    events = AuditEvent.objects.filter(object_type="signing.certificate", object_id=str(cert.pk))
    assert [e.action for e in events.order_by("seq")] == [
        "signing.certificate_issue_personal", "signing.certificate_revoke"]
    cert.refresh_from_db()
    assert cert.is_revoked and cert.revocation_reason == RevocationReason.SUPERSEDED


@pytest.mark.django_db
def test_only_province_admins_issue_and_revoke(pki):
    leader = officer(Role.LEADER, pki.agency)
    with pytest.raises(NotAllowed):
        services.certificate_issue_organization(actor=leader, agency=pki.agency)
    with pytest.raises(NotAllowed):
        services.certificate_revoke(actor=leader, certificate=pki.personal,
                                    reason=RevocationReason.KEY_COMPROMISE)
    elsewhere = officer(Role.PROVINCE_ADMIN, None, province_code="01")
    with pytest.raises(NotAllowed):
        services.certificate_issue_organization(actor=elsewhere, agency=pki.agency)
    assert not pki.personal.__class__.objects.get(pk=pki.personal.pk).is_revoked


@pytest.mark.django_db
def test_a_certificate_is_revoked_once_and_ca_certificates_not_at_all(pki):
    services.certificate_revoke(actor=pki.admin, certificate=pki.other_personal,
                                reason=RevocationReason.KEY_COMPROMISE)
    with pytest.raises(DomainError) as exc:
        services.certificate_revoke(actor=pki.admin, certificate=pki.other_personal,
                                    reason=RevocationReason.KEY_COMPROMISE)
    assert exc.value.status == 409
    with pytest.raises(DomainError):
        services.certificate_revoke(actor=pki.admin,
                                    certificate=Certificate.objects.get(label=devpki.ROOT),
                                    reason=RevocationReason.KEY_COMPROMISE)


@pytest.mark.django_db
def test_a_new_agency_gets_a_certificate_at_runtime(pki):
    agency = AgencyFactory(name="Sở Tài chính")
    cert = services.certificate_issue_organization(actor=pki.admin, agency=agency)
    assert cert.common_name == "Sở Tài chính" and cert.pem and len(cert.fingerprint) == 64


def test_hsm_and_remote_adapters_say_they_are_not_configured():
    for adapter in (PKCS11KeyStore, RemoteKeyStore):
        with pytest.raises(SigningNotConfigured, match="docs/signing.md"):
            adapter()


def test_the_configured_key_store_is_chosen_by_settings(settings, tmp_path):
    settings.TINHSO_SIGNING_PKI_DIR = tmp_path
    settings.TINHSO_SIGNING_KEYSTORE = "pkcs11"
    with pytest.raises(SigningNotConfigured):
        keystore()
    settings.TINHSO_SIGNING_KEYSTORE = "nosuch.module.Store"
    with pytest.raises(SigningNotConfigured):
        keystore()


@pytest.mark.django_db
def test_the_pki_command_creates_the_hierarchy_once(settings, tmp_path):
    settings.TINHSO_SIGNING_PKI_DIR = tmp_path / "pki"
    settings.TINHSO_SIGNING_KEY_SECRET = ""
    devpki.reset()
    out = StringIO()
    call_command("pki", "init", stdout=out, stderr=StringIO())
    first = set(Certificate.objects.values_list("fingerprint", flat=True))
    call_command("pki", "init", stdout=out, stderr=StringIO())
    assert set(Certificate.objects.values_list("fingerprint", flat=True)) == first
    assert len(first) == 4 and "PKI" in out.getvalue()
    secret = tmp_path / "pki" / "key-secret"  # generated, owner-only, outside the checkout
    assert secret.exists() and (secret.stat().st_mode & 0o077) == 0
    devpki.reset()


@pytest.mark.django_db
def test_the_certificate_in_force_is_found_for_an_officer_and_an_agency(pki):
    from tinhso.signing.selectors import agency_certificate, personal_certificate

    assert personal_certificate(pki.signer, pki.agency) == pki.personal
    assert agency_certificate(pki.agency) == pki.organization
    assert personal_certificate(pki.expired.user) is None  # expired
    services.certificate_revoke(actor=pki.admin, certificate=pki.personal,
                                reason=RevocationReason.SUPERSEDED)
    assert personal_certificate(pki.signer) is None


@pytest.mark.django_db
def test_nothing_is_issued_before_pki_init(settings, tmp_path):
    settings.TINHSO_SIGNING_PKI_DIR = tmp_path
    agency = AgencyFactory()
    admin = officer(Role.PROVINCE_ADMIN, None)
    with pytest.raises(DomainError, match="pki init"):
        services.certificate_issue_organization(actor=admin, agency=agency)
    assert not Certificate.objects.exists()
    assert not (tmp_path / "keystore").exists()


@pytest.mark.django_db
def test_the_pki_command_issues_lists_and_revokes(pki):
    out = StringIO()
    call_command("pki", "issue-personal", "--by", "signing-admin", "--user", pki.signer.username,
                 "--agency", pki.agency.code, "--title", "Phó Chủ tịch", stdout=out)
    cert = Certificate.objects.filter(user=pki.signer).latest("pk")
    assert cert.subject_attrs["title"] == "Phó Chủ tịch"
    call_command("pki", "revoke", "--by", "signing-admin", "--label", cert.label,
                 "--reason", "superseded", stdout=out)
    call_command("pki", "list", stdout=out)
    assert "thu hồi" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("pki", "issue-agency", "--by", pki.signer.username,
                     "--agency", pki.agency.code, stdout=out)
