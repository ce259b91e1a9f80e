from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.catalog import selectors
from tinhso.catalog.services import procedure_update
from tinhso.catalog.tests.factories import make_agency, make_procedure, record
from tinhso.core.errors import DomainError, NotFound

pytestmark = pytest.mark.django_db


def test_a_change_makes_a_new_version_and_the_old_one_stays_readable() -> None:
    agency = make_agency()
    make_procedure(agency, effective_from="2025-01-01")
    procedure_update(actor=None, code="1.001193", data=record(
        agency, name="Đăng ký khai sinh (sửa đổi)", effective_from="2025-07-01",
        change_note="Theo Nghị định mới",
    ))

    current = selectors.get_current_version("1.001193")
    old = selectors.get_version("1.001193", 1)
    assert current.number == 2 and current.name == "Đăng ký khai sinh (sửa đổi)"
    assert old.name == "Đăng ký khai sinh"
    assert [d.name for d in old.documents.all()] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert [v.number for v in selectors.list_versions("1.001193")] == [2, 1]


def test_a_future_version_is_not_current_until_its_date() -> None:
    agency = make_agency()
    today = timezone.localdate()
    make_procedure(agency, effective_from=str(today - dt.timedelta(days=10)))
    later = today + dt.timedelta(days=30)
    procedure_update(actor=None, code="1.001193", data=record(
        agency, deadline_value=5, effective_from=str(later),
    ))

    assert selectors.get_current_version("1.001193").number == 1
    assert [v.number for v in selectors.list_versions("1.001193")] == [1]
    with pytest.raises(NotFound):
        selectors.get_version("1.001193", 2)
    assert selectors.get_current_version("1.001193", on=later).number == 2


def test_a_procedure_whose_first_version_is_future_is_not_found_yet() -> None:
    agency = make_agency()
    make_procedure(agency, effective_from=str(timezone.localdate() + dt.timedelta(days=1)))
    with pytest.raises(NotFound):
        selectors.get_current_version("1.001193")
    assert selectors.search_procedures(selectors.SearchFilters()).count() == 0


def test_an_unchanged_update_writes_no_version() -> None:
    agency = make_agency()
    first = make_procedure(agency)
    again = procedure_update(actor=None, code="1.001193", data=record(agency))
    assert again.pk == first.pk


def test_a_version_cannot_take_effect_before_the_latest_one() -> None:
    agency = make_agency()
    make_procedure(agency, effective_from="2025-07-01")
    with pytest.raises(DomainError) as exc:
        procedure_update(actor=None, code="1.001193",
                         data=record(agency, name="Khác", effective_from="2025-01-01"))
    assert exc.value.errors[0].field == "effective_from"
