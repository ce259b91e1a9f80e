from __future__ import annotations

import json
import unicodedata

import pytest

from tinhso.catalog.formats import render
from tinhso.catalog.models import Procedure, ProcedureVersion
from tinhso.catalog.selectors import export_rows
from tinhso.catalog.services import CatalogImportError, catalog_import
from tinhso.catalog.tests.factories import make_agency, make_user, record
from tinhso.core.errors import NotAllowed
from tinhso.directory.models import Role

pytestmark = pytest.mark.django_db


def _json(*records: dict) -> str:
    return json.dumps({"procedures": list(records)}, ensure_ascii=False)


def test_a_good_json_file_creates_procedures_with_documents_and_fees() -> None:
    agency = make_agency()
    data = _json(record(agency), record(agency, code="1.000894", name="Đăng ký kết hôn", fees=[]))
    result = catalog_import(actor=None, data=data, fmt="json")

    assert result.as_dict() == {"created": 2, "versioned": 0, "unchanged": 0, "total": 2}
    birth = ProcedureVersion.objects.get(procedure__code="1.001193")
    assert [d.file_type_list for d in birth.documents.all()] == [["pdf", "docx"], ["pdf"]]
    assert [(f.amount, f.description) for f in birth.fees.all()] == [(8000, "Bản sao trích lục")]
    assert ProcedureVersion.objects.get(procedure__code="1.000894").fees.count() == 0


def test_a_csv_export_imports_back_unchanged_and_a_changed_row_adds_a_version() -> None:
    agency = make_agency()
    catalog_import(actor=None, data=_json(record(agency)), fmt="json")
    csv_text = render(export_rows(), "csv")

    again = catalog_import(actor=None, data=csv_text.encode("utf-8-sig"), fmt="csv")
    assert again.as_dict()["unchanged"] == 1

    changed = csv_text.replace("Giấy khai sinh", "Giấy khai sinh điện tử")
    result = catalog_import(actor=None, data=changed, fmt="csv")
    assert result.versioned == ["1.001193"]
    assert ProcedureVersion.objects.filter(procedure__code="1.001193").count() == 2


def test_bad_rows_report_every_error_and_write_nothing() -> None:
    agency = make_agency()
    data = _json(
        record(agency),  # fine
        record(agency, code="1.0011", name=""),  # two errors
        record(agency, code="1.000894", agency_code="000.99.99.H56", online_level="mức 5"),
        record(agency),  # the same code again
        record(agency, code="1.000656", fees=[{"amount": -5}],
               required_documents=[{"name": "X", "copies": 0, "file_types": ["p d f"]}]),
    )
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=data, fmt="json")

    found = {(e.row, e.field) for e in exc.value.row_errors}
    assert {(2, "code"), (2, "name"), (3, "agency_code"), (3, "online_level"), (4, "code"),
            (5, "fees[0].amount"), (5, "required_documents[0].copies"),
            (5, "required_documents[0].file_types")} <= found
    assert all(e.message for e in exc.value.row_errors)
    assert Procedure.objects.count() == 0


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    agency = make_agency()
    header = "code,name,field,agency_code,online_level,government_level\n"
    body = (f"1.001193,Đăng ký khai sinh,Hộ tịch,{agency.code},full,commune\n"
            f"1.000894,,Hộ tịch,{agency.code},full,xã\n")
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=header + body, fmt="csv")
    assert [(e.row, e.field) for e in exc.value.row_errors] == [(3, "name")]
    assert Procedure.objects.count() == 0


def test_a_file_that_is_not_utf8_or_lacks_columns_is_refused_as_a_whole() -> None:
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data="Tên;Mã\n".encode("cp1258", "replace") + b"\xff", fmt="csv")
    assert exc.value.row_errors[0].row is None
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data="name\nX\n", fmt="csv")
    assert "code" in exc.value.row_errors[0].message


def test_decomposed_text_is_stored_composed() -> None:
    agency = make_agency()
    nfd = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    assert nfd != "Đăng ký khai sinh"
    catalog_import(actor=None, data=_json(record(agency, name=nfd)), fmt="json")
    stored = ProcedureVersion.objects.get().name
    assert stored == "Đăng ký khai sinh"
    assert unicodedata.is_normalized("NFC", stored)


def test_control_and_bidi_characters_are_refused() -> None:
    agency = make_agency()
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=_json(record(agency, name="Khai\u202esinh")), fmt="json")
    assert exc.value.row_errors[0].field == "name"


def test_formula_like_cells_survive_a_csv_round_trip_without_running() -> None:
    agency = make_agency()
    catalog_import(actor=None, data=_json(record(agency, result_type="=HYPERLINK(\"x\")")),
                   fmt="json")
    csv_text = render(export_rows(), "csv")
    assert "'=HYPERLINK" in csv_text
    assert catalog_import(actor=None, data=csv_text, fmt="csv").unchanged == ["1.001193"]


def test_importing_needs_the_import_permission() -> None:
    agency = make_agency()
    with pytest.raises(NotAllowed):
        catalog_import(actor=make_user(Role.AGENCY_ADMIN, agency),
                       data=_json(record(agency)), fmt="json")
    admin = make_user(Role.PROVINCE_ADMIN)
    assert catalog_import(actor=admin, data=_json(record(agency)), fmt="json").created


def test_a_province_admin_cannot_import_for_another_province() -> None:
    other = make_agency(province_code="01", code="000.00.01.H01")
    admin = make_user(Role.PROVINCE_ADMIN, province_code="38")
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=admin, data=_json(record(other)), fmt="json")
    assert exc.value.row_errors[0].field == "agency_code"
