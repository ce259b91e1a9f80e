from __future__ import annotations

import time
from collections import Counter

import pytest

from tinhso.catalog.codes import is_procedure_code
from tinhso.catalog.demo import TOTAL_FULL, TOTAL_PARTIAL, load_catalog
from tinhso.catalog.models import Procedure
from tinhso.catalog.selectors import SearchFilters, current_versions, search_procedures
from tinhso.catalog.tests.factories import make_agency
from tinhso.directory.models import Agency

pytestmark = pytest.mark.django_db


def test_the_demo_catalog_has_the_reports_numbers_and_loads_twice_harmlessly() -> None:
    make_agency("Sở Tư pháp")
    make_agency("UBND xã Thử", kind=Agency.Kind.COMMUNE)
    started = time.monotonic()
    created = load_catalog()
    assert time.monotonic() - started < 10
    assert created == TOTAL_FULL + TOTAL_PARTIAL == 889
    levels = Counter(current_versions().values_list("online_level", flat=True))
    assert levels == {"full": 707, "partial": 182}
    assert load_catalog() == 0
    assert Procedure.objects.count() == 889


def test_the_demo_holds_real_procedures_with_real_codes_and_marks_generated_ones() -> None:
    commune = make_agency("UBND xã Thử", kind=Agency.Kind.COMMUNE)
    load_catalog(agencies={"commune": commune})
    (birth,) = search_procedures(SearchFilters(q="dang ky khai sinh", level="full"))
    assert birth.procedure.code == "1.001193" and not birth.procedure.is_generated
    assert birth.agency == commune
    assert birth.sources["code_status"] == "dvcqg"
    assert birth.documents.count() >= 2
    assert all(is_procedure_code(c) for c in Procedure.objects.values_list("code", flat=True))
    generated = Procedure.objects.filter(is_generated=True)
    assert generated.count() > 800
    assert all(c.startswith("9.") for c in generated.values_list("code", flat=True))


def test_the_demo_needs_some_agency_first() -> None:
    with pytest.raises(RuntimeError):
        load_catalog()
