"""The demo's certificates: every leader can sign and every agency with a leader or a clerk
can seal, and a second load issues nothing."""

from __future__ import annotations

from tinhso.accounts.tests.factories import officer
from tinhso.directory.models import Role
from tinhso.signing.demo import load_certificates
from tinhso.signing.selectors import agency_certificate, personal_certificate


def test_leaders_get_personal_and_their_agencies_organization_certificates(pki):
    leader = officer(Role.LEADER, pki.agency)
    clerk = officer(Role.CLERK, pki.agency)
    assert load_certificates(actor=pki.admin, province_code=pki.agency.province_code) >= 1
    assert personal_certificate(leader, pki.agency) is not None
    assert personal_certificate(clerk, pki.agency) is None  # clerks seal, they do not sign
    assert agency_certificate(pki.agency) is not None
    assert load_certificates(actor=pki.admin, province_code=pki.agency.province_code) == 0
