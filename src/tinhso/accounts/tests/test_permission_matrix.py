"""Each role can do exactly what it should, in its own agency only (and province-wide roles
in their own province only)."""

import pytest

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.directory.models import PROVINCE_WIDE_ROLES, Role
from tinhso.directory.permissions import PERMISSIONS, agency_scope, can

AGENCY_ROLES = [r for r in Role if r not in PROVINCE_WIDE_ROLES and r != Role.APPLICANT]

# What each role may do, written out by hand so that a change to PERMISSIONS must be made twice,
# on purpose.
EXPECTED = {
    Role.ONESTOP_OFFICER: {"catalog.procedure.view_draft", "accounts.personal_data.view",
                           "onestop.dossier.receive", "onestop.dossier.process",
                           "onestop.dossier.view", "onestop.stats.view",
                           "opendata.dataset.view_private",
                           "opendata.resource.download_restricted"},
    Role.SPECIALIST: {"catalog.procedure.view_draft", "accounts.personal_data.view",
                      "onestop.dossier.process", "onestop.dossier.view", "onestop.stats.view",
                      "documents.view", "documents.draft", "documents.handle",
                      "opendata.dataset.publish", "opendata.dataset.view_private",
                      "opendata.resource.download_restricted"},
    Role.LEADER: {"catalog.procedure.view_draft", "accounts.personal_data.view", "indicators.view",
                  "onestop.dossier.process", "onestop.dossier.approve", "onestop.dossier.view",
                  "onestop.stats.view", "documents.view", "documents.draft", "documents.review",
                  "documents.approve", "documents.direct", "documents.handle",
                  "opendata.dataset.publish", "opendata.dataset.view_private",
                  "opendata.resource.download_restricted"},
    Role.CLERK: {"documents.view", "documents.register", "opendata.dataset.view_private",
                 "opendata.resource.download_restricted"},
    Role.AGENCY_ADMIN: {"catalog.procedure.view_draft", "catalog.procedure.manage",
                        "directory.grant.manage", "core.audit.view", "indicators.view",
                        "onestop.dossier.view", "onestop.stats.view",
                        "opendata.dataset.publish", "opendata.dataset.view_private",
                        "opendata.resource.download_restricted", "signing.seal.manage"},
    # Everything except acting on dossiers and documents, which is the work of the agencies'
    # own officers (and reading their correspondence).
    Role.PROVINCE_ADMIN: set(PERMISSIONS) - {"onestop.dossier.receive", "onestop.dossier.process",
                                             "onestop.dossier.approve"}
    - {"documents.view", "documents.draft", "documents.review", "documents.approve",
       "documents.register", "documents.direct", "documents.handle"},
    Role.OBSERVER: {"catalog.procedure.view_draft", "indicators.view", "onestop.dossier.view",
                    "onestop.stats.view", "opendata.resource.download_restricted"},
}


def test_the_written_matrix_matches_the_permission_table():
    for perm, roles in PERMISSIONS.items():
        for role in Role:
            assert (role in roles) == (perm in EXPECTED.get(role, set())), (perm, role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", AGENCY_ROLES)
@pytest.mark.parametrize("perm", sorted(PERMISSIONS))
def test_agency_roles_act_in_their_own_agency_only(role, perm):
    mine, theirs = AgencyFactory(), AgencyFactory()
    user = officer(role, mine)
    assert can(user, perm, mine) == (perm in EXPECTED[role])
    assert not can(user, perm, theirs)


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(PROVINCE_WIDE_ROLES))
@pytest.mark.parametrize("perm", sorted(PERMISSIONS))
def test_province_wide_roles_act_in_their_own_province_only(role, perm):
    here = AgencyFactory(province_code="38")
    elsewhere = AgencyFactory(province_code="01")
    user = officer(Role(role), None, province_code="38")
    assert can(user, perm, here) == (perm in EXPECTED[Role(role)])
    assert not can(user, perm, elsewhere)


@pytest.mark.django_db
@pytest.mark.parametrize("perm", sorted(PERMISSIONS))
def test_applicants_and_anonymous_visitors_hold_no_officer_permission(perm):
    from django.contrib.auth.models import AnonymousUser

    agency = AgencyFactory()
    citizen = UserFactory(kind="citizen")
    assert not can(citizen, perm, agency)
    assert not can(AnonymousUser(), perm, agency)


@pytest.mark.django_db
def test_a_deactivated_officer_loses_every_permission():
    agency = AgencyFactory()
    user = officer(Role.PROVINCE_ADMIN, None)
    user.is_active = False
    user.save()
    assert agency_scope(user, "catalog.import").empty
    assert not can(user, "catalog.import", agency)


def test_only_province_admins_manage_signing_certificates():
    """Issuing and revoking signing certificates is the province PKI operator's job; agency
    admins and leaders (who sign) may not issue themselves a certificate."""
    holders = {role for role in Role if "signing.certificate.manage" in EXPECTED.get(role, set())}
    assert holders == {Role.PROVINCE_ADMIN}
