import pytest

from tinhso.accounts.models import User
from tinhso.accounts.selectors import mask_id, personal_data_view
from tinhso.accounts.services import applicant_register, grant_add
from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role

GOOD = dict(username="nguyenvana", password="mat-khau-rat-dai-2026", full_name="Nguyễn Văn A",
            citizen_id="038205012345")


@pytest.mark.django_db
def test_a_citizen_registers_with_a_valid_id_number():
    user = applicant_register(**GOOD)
    assert user.kind == User.Kind.CITIZEN
    assert user.citizen_id == "038205012345"
    assert AuditEvent.objects.filter(action="account.register", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_a_business_registers_with_its_tax_code():
    user = applicant_register(username="congty", password="mat-khau-rat-dai-2026",
                              full_name="Công ty TNHH Cói Nga Sơn", kind="business",
                              tax_code="0100109106")
    assert user.tax_code == "0100109106"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"citizen_id": "123"}, "citizen_id"),
        ({"citizen_id": "099205012345"}, "citizen_id"),
        ({"full_name": "Nguyễn\u202eVăn A"}, "full_name"),
        ({"full_name": ""}, "full_name"),
        ({"password": "123"}, "password"),
        ({"kind": "alien"}, "kind"),
    ],
)
def test_bad_registrations_name_the_field_and_write_nothing(change, field):
    with pytest.raises(DomainError) as exc:
        applicant_register(**{**GOOD, **change})
    assert field in {e.field for e in exc.value.errors}
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_one_id_number_opens_one_account():
    applicant_register(**GOOD)
    with pytest.raises(DomainError) as exc:
        applicant_register(**{**GOOD, "username": "khac"})
    assert [e.field for e in exc.value.errors] == ["citizen_id"]


@pytest.mark.django_db
def test_decomposed_vietnamese_is_stored_composed():
    import unicodedata

    user = applicant_register(**{**GOOD, "full_name": unicodedata.normalize("NFD", "Nguyễn Văn Ánh")})
    assert user.full_name == unicodedata.normalize("NFC", "Nguyễn Văn Ánh")


@pytest.mark.django_db
def test_an_officer_reading_personal_data_is_logged_and_others_are_refused():
    citizen = applicant_register(**GOOD)
    desk = AgencyFactory()
    other = AgencyFactory()
    handler = officer(Role.ONESTOP_OFFICER, desk)
    data = personal_data_view(viewer=handler, person=citizen, agency=desk, purpose="hồ sơ 1")
    assert data.citizen_id == "038205012345"
    logged = AuditEvent.objects.filter(action="personal_data.view", actor=handler)
    assert logged.count() == 1 and logged.get().data["agency"] == desk.code
    with pytest.raises(NotAllowed):
        personal_data_view(viewer=handler, person=citizen, agency=other, purpose="tò mò")
    clerk = officer(Role.CLERK, desk)
    with pytest.raises(NotAllowed):
        personal_data_view(viewer=clerk, person=citizen, agency=desk, purpose="tò mò")


def test_masked_id_shows_only_the_last_digits():
    assert mask_id("038205012345") == "•••••••••345"


@pytest.mark.django_db
def test_agency_admin_grants_roles_in_own_agency_only():
    mine, theirs = AgencyFactory(), AgencyFactory()
    admin = officer(Role.AGENCY_ADMIN, mine)
    newcomer = UserFactory()
    grant_add(actor=admin, user=newcomer, role="specialist", agency=mine)
    with pytest.raises(NotAllowed):
        grant_add(actor=admin, user=newcomer, role="specialist", agency=theirs)
    with pytest.raises(NotAllowed):
        grant_add(actor=admin, user=newcomer, role="observer", province_code="38")


@pytest.mark.django_db
def test_only_officer_accounts_can_be_given_a_role():
    agency = AgencyFactory()
    admin = officer(Role.AGENCY_ADMIN, agency)
    citizen = UserFactory(kind=User.Kind.CITIZEN)
    with pytest.raises(DomainError) as refused:
        grant_add(actor=admin, user=citizen, role="specialist", agency=agency)
    assert refused.value.errors[0].field == "user"
    assert not citizen.grants.exists()
