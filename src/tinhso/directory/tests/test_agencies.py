from __future__ import annotations

import pytest

from tinhso.accounts.tests.factories import officer
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.models import AuditEvent
from tinhso.directory.demo import load_agencies
from tinhso.directory.models import AGENCY_CODE_RE, AdminUnit, Agency, Role
from tinhso.directory.selectors import agencies_for
from tinhso.directory.services import agency_create, agency_update


@pytest.fixture
def agencies(thanh_hoa):
    return load_agencies("38")


def by_name(agencies: list[Agency], name: str) -> Agency:
    return next(a for a in agencies if a.name == name)


@pytest.mark.django_db
def test_demo_province_has_its_committee_departments_centre_and_166_commune_committees(agencies):
    root = by_name(agencies, "Ủy ban nhân dân tỉnh Thanh Hóa")
    centre = by_name(agencies, "Trung tâm Phục vụ hành chính công tỉnh")
    justice = by_name(agencies, "Sở Tư pháp")
    hac_thanh = by_name(agencies, "Ủy ban nhân dân phường Hạc Thành")

    assert root.parent is None and root.short_name == "UBND"
    assert root.unit.level == AdminUnit.Level.PROVINCE
    assert centre.parent.name == "Văn phòng Ủy ban nhân dân tỉnh"
    assert centre.kind == Agency.Kind.SERVICE_CENTRE
    assert justice.parent == root and justice.short_name == "STP"
    assert hac_thanh.unit.name == "Phường Hạc Thành" and hac_thanh.parent == root
    assert Agency.objects.filter(kind=Agency.Kind.COMMUNE, province_code="38").count() == 166
    assert all(AGENCY_CODE_RE.match(a.code) for a in agencies)
    assert all(a.code.endswith(".H56") for a in agencies)
    assert len({a.code for a in agencies}) == len(agencies)
    assert {"SXD", "STC", "SYT", "SGDĐT", "SNNMT"} <= {a.short_name for a in agencies}


@pytest.mark.django_db
def test_loading_agencies_again_changes_nothing(agencies):
    rows = list(Agency.objects.order_by("pk").values())

    again = load_agencies("38")

    assert list(Agency.objects.order_by("pk").values()) == rows
    assert [a.pk for a in again] == [a.pk for a in agencies]


@pytest.mark.django_db
def test_loading_agencies_imports_the_units_it_needs():
    agencies = load_agencies("38")

    assert len([a for a in agencies if a.kind == Agency.Kind.COMMUNE]) == 166


@pytest.mark.django_db
def test_province_admin_creates_an_agency_and_it_is_audited(agencies):
    admin = officer(Role.PROVINCE_ADMIN)
    province = by_name(agencies, "Ủy ban nhân dân tỉnh Thanh Hóa")

    agency = agency_create(
        actor=admin, code="000.00.20.H56", name="Sở Ngoại vụ", short_name="SNgV",
        kind=Agency.Kind.DEPARTMENT, unit=province.unit, parent=province,
    )

    assert agency.province_code == "38"
    assert AuditEvent.objects.filter(action="agency_create", object_id=str(agency.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["000.00.20", "000.0.20.H56", "abc.00.20.H56", "000.00.20.h56"])
def test_a_malformed_agency_code_is_refused_naming_the_code_field(agencies, code):
    admin = officer(Role.PROVINCE_ADMIN)
    province = by_name(agencies, "Ủy ban nhân dân tỉnh Thanh Hóa")

    with pytest.raises(DomainError) as exc:
        agency_create(actor=admin, code=code, name="Sở Thử", kind=Agency.Kind.DEPARTMENT,
                      unit=province.unit)

    assert exc.value.status == 422
    assert exc.value.errors[0].field == "code"
    assert not Agency.objects.filter(name="Sở Thử").exists()


@pytest.mark.django_db
def test_a_code_already_in_use_is_refused(agencies):
    admin = officer(Role.PROVINCE_ADMIN)
    justice = by_name(agencies, "Sở Tư pháp")

    with pytest.raises(DomainError) as exc:
        agency_update(actor=admin, agency=justice, code="000.00.00.H56")

    assert exc.value.errors[0].field == "code"
    justice.refresh_from_db()
    assert justice.code == "000.00.03.H56"


@pytest.mark.django_db
def test_an_agency_admin_may_not_manage_agencies(agencies):
    justice = by_name(agencies, "Sở Tư pháp")
    clerk = officer(Role.AGENCY_ADMIN, agency=justice)

    with pytest.raises(NotAllowed):
        agency_update(actor=clerk, agency=justice, name="Sở Tư pháp mới")


@pytest.mark.django_db
def test_province_admin_renames_an_agency(agencies):
    admin = officer(Role.PROVINCE_ADMIN)
    justice = by_name(agencies, "Sở Tư pháp")

    agency_update(actor=admin, agency=justice, name="Sở Tư pháp tỉnh Thanh Hóa")

    justice.refresh_from_db()
    assert justice.name == "Sở Tư pháp tỉnh Thanh Hóa"
    event = AuditEvent.objects.get(action="agency_update", object_id=str(justice.pk))
    assert event.data["before"] == {"name": "Sở Tư pháp"}


@pytest.mark.django_db
def test_agencies_for_shows_an_officer_their_agency_and_an_admin_the_province(agencies):
    justice = by_name(agencies, "Sở Tư pháp")
    specialist = officer(Role.SPECIALIST, agency=justice)
    admin = officer(Role.PROVINCE_ADMIN)
    outsider = officer(Role.PROVINCE_ADMIN, province_code="01")

    assert list(agencies_for(specialist)) == [justice]
    assert agencies_for(admin).count() == len(agencies)
    assert agencies_for(outsider).count() == 0


@pytest.mark.django_db
def test_an_agency_cannot_be_placed_under_its_own_child(agencies):
    admin = officer(Role.PROVINCE_ADMIN)
    office = by_name(agencies, "Văn phòng Ủy ban nhân dân tỉnh")
    centre = by_name(agencies, "Trung tâm Phục vụ hành chính công tỉnh")

    with pytest.raises(DomainError) as exc:
        agency_update(actor=admin, agency=office, parent=centre)

    assert exc.value.errors[0].field == "parent"


@pytest.mark.django_db
def test_a_name_with_hidden_characters_is_refused(agencies):
    admin = officer(Role.PROVINCE_ADMIN)
    justice = by_name(agencies, "Sở Tư pháp")

    with pytest.raises(DomainError) as exc:
        agency_update(actor=admin, agency=justice, name="Sở Tư\u202epháp")

    assert exc.value.errors[0].field == "name"
