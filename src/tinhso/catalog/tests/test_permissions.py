from __future__ import annotations

import pytest

from tinhso.catalog.selectors import get_current_version
from tinhso.catalog.services import procedure_create, procedure_update
from tinhso.catalog.tests.factories import make_agency, make_procedure, make_user, record
from tinhso.core.errors import NotAllowed
from tinhso.directory.models import Role

pytestmark = pytest.mark.django_db


def test_an_agency_admin_may_change_its_own_agencys_procedure() -> None:
    mine = make_agency()
    make_procedure(mine)
    admin = make_user(Role.AGENCY_ADMIN, mine)
    version = procedure_update(actor=admin, code="1.001193",
                               data=record(mine, deadline_value=2, effective_from="2025-08-01"))
    assert version.number == 2 and version.created_by == admin
    assert get_current_version("1.001193").deadline_value == 2


def test_an_agency_admin_may_not_change_another_agencys_procedure() -> None:
    mine, theirs = make_agency(), make_agency()
    make_procedure(theirs)
    admin = make_user(Role.AGENCY_ADMIN, mine)
    with pytest.raises(NotAllowed):
        procedure_update(actor=admin, code="1.001193", data=record(theirs, deadline_value=2))
    with pytest.raises(NotAllowed):  # nor take it over
        procedure_update(actor=admin, code="1.001193", data=record(mine, deadline_value=2))
    assert get_current_version("1.001193").number == 1


def test_an_officer_without_the_manage_permission_may_not_create() -> None:
    agency = make_agency()
    with pytest.raises(NotAllowed):
        procedure_create(actor=make_user(Role.SPECIALIST, agency), data=record(agency))
    with pytest.raises(NotAllowed):
        procedure_create(actor=make_user(), data=record(agency))


def test_a_province_admin_may_change_any_agency_of_the_province() -> None:
    agency = make_agency()
    make_procedure(agency)
    admin = make_user(Role.PROVINCE_ADMIN)
    assert procedure_update(actor=admin, code="1.001193",
                            data=record(agency, name="Khai sinh")).number == 2
