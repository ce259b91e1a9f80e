"""/api/v1/units: the administrative units as a public table (CSV or JSON)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from tinhso.core.errors import DomainError
from tinhso.core.schemas import ProblemOut
from tinhso.core.tables import Format, table_response
from tinhso.directory.models import AdminUnit
from tinhso.directory.selectors import UNIT_COLUMNS, unit_table

router = Router()


@router.get("/export", response={200: None, 422: ProblemOut}, url_name="units_export",
            summary="Đơn vị hành chính của một tỉnh, mọi thời kỳ, với đơn vị kế thừa (công khai)")
def units_export(request: HttpRequest, province: str = "",
                 format: Format = "csv") -> HttpResponse:  # noqa: A002
    """Every unit of the province (default: this installation's), before and after the
    1 July 2025 reorganisation, with its parent and its successors; the open data portal's
    dataset of administrative units links here, so it is always current."""
    code = province or settings.TINHSO_PROVINCE_CODE
    if not AdminUnit.objects.filter(province_code=code, level=AdminUnit.Level.PROVINCE).exists():
        raise DomainError.for_field("province", _("Không có tỉnh với mã này."))
    return table_response(unit_table(code), UNIT_COLUMNS, format, f"don-vi-hanh-chinh-{code}",
                          max_age=3600)
