"""Decision 766's digitization group, its component-reuse part: `onestop.reused_rate`, the
dossiers submitted with a component reused from the applicant's earlier digitized dossier over
the dossiers submitted, by submission month (the monthly rollup's `reused`), on the small
province of conftest.py."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Value, get
from tinhso.indicators.values import scope_resolve
from tinhso.onestop import services as s
from tinhso.onestop.models import Dossier, DossierFile, DossierStatMonth
from tinhso.onestop.status import Channel
from tinhso.onestop.tests.world import vn

pytestmark = pytest.mark.django_db


def _value(code: str, unit: str, period: str) -> Value:
    indicator = get(code)
    assert indicator is not None
    return indicator.compute(scope_resolve(unit), Period.parse(period))


def test_it_is_declared_in_the_digitization_group_with_its_texts():
    indicator = get("onestop.reused_rate")
    assert indicator is not None and indicator.public and indicator.kind == "rate"
    assert "766/QĐ-TTg" in indicator.regulation and indicator.unit == "%"
    assert indicator.group is not None and indicator.group.code == "MDSH"
    assert indicator.recompute is not None and indicator.compute_many is not None
    assert indicator.numerator is not None and indicator.denominator is not None
    assert "tái sử dụng" in indicator.name_vi and "reus" in indicator.name_en
    assert "đã số hóa" in indicator.numerator.vi and "digitized" in indicator.numerator.en
    assert indicator.denominator.vi == "Tổng số hồ sơ nộp trong kỳ"


def test_the_rate_counts_dossiers_reusing_a_component_by_their_submission_month(world):
    online = Dossier.objects.get(channel=Channel.ONLINE, submitted_at=vn(2025, 3, 5, 20, 0))
    component = DossierFile.objects.filter(dossier=online,
                                           kind=DossierFile.Kind.COMPONENT).first()
    s.dossier_file_mark_digitized(file=component, actor=world.desk, at=vn(2025, 3, 6, 8, 0))
    component.refresh_from_db()
    assert _value("onestop.reused_rate", "38", "2025-03") == Value(0, 7, 0.0)
    world.submit_online(vn(2025, 4, 20, 9, 0), files=world.files()[1:],
                        reuse=[(world.documents[0].pk, component)])
    assert _value("onestop.reused_rate", "38", "2025-04") == Value(1, 2, 50.0)
    assert _value("onestop.reused_rate", "38", "2025") == Value(1, 9, 11.11)
    assert _value("onestop.reused_rate", world.dept.code, "2025-Q2") == Value(1, 2, 50.0)
    assert _value("onestop.reused_rate", world.partner.code, "2025") == Value(0, 0, None)
    call_command("indicators", "verify", "--period", "2025")

    # A reuse the monthly rollup lost is caught by verify.
    DossierStatMonth.objects.filter(reused=1).update(reused=0)
    with pytest.raises(CommandError):
        call_command("indicators", "verify", "--period", "2025")
