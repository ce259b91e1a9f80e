from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tinhso.catalog.models import Procedure
from tinhso.catalog.tests.factories import make_agency, make_user, record
from tinhso.directory.models import Role

pytestmark = pytest.mark.django_db


def test_import_then_export_from_the_console(tmp_path: Path) -> None:
    agency = make_agency()
    source = tmp_path / "thu-tuc.json"
    source.write_text(json.dumps([record(agency)], ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("catalog", "import", str(source), "--quiet-progress", stdout=out)
    assert "1 thủ tục mới" in out.getvalue()

    exported = StringIO()
    call_command("catalog", "export", "--format", "csv", "--quiet-progress", stdout=exported)
    assert exported.getvalue().splitlines()[1].startswith("1.001193,Đăng ký khai sinh")
    target = tmp_path / "ra.json"
    call_command("catalog", "export", "--format", "json", "-o", str(target), "--quiet-progress",
                 stderr=StringIO())
    assert json.loads(target.read_text(encoding="utf-8"))["procedures"][0]["code"] == "1.001193"


def test_a_bad_file_prints_each_error_and_writes_nothing(tmp_path: Path) -> None:
    agency = make_agency()
    source = tmp_path / "thu-tuc.json"
    source.write_text(json.dumps([record(agency, code="sai")]), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("catalog", "import", str(source), "--quiet-progress", stderr=err)
    assert "dòng 1, code:" in err.getvalue()
    assert Procedure.objects.count() == 0


def test_import_as_a_named_user_checks_the_permission(tmp_path: Path) -> None:
    agency = make_agency()
    user = make_user(Role.AGENCY_ADMIN, agency)
    source = tmp_path / "thu-tuc.json"
    source.write_text(json.dumps([record(agency)]), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("catalog", "import", str(source), "--user", user.username,
                     "--quiet-progress")
