from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.indicators import registry
from tinhso.onestop.models import DossierStatMonth

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("period", ["2025-03", "2025-Q1", "2025"])
def test_verify_agrees_with_the_dossiers(world, capsys, period):
    call_command("indicators", "verify", "--period", period)
    call_command("indicators", "verify", "--period", period, "--unit", world.dept.code)
    checked = sum(1 for i in registry.all_indicators() if i.recompute is not None)
    assert checked >= 12  # the one-stop system's 7 and the documents' 5
    assert f"{checked} chỉ số khớp" in capsys.readouterr().out


def test_verify_fails_on_a_corrupted_rollup(world, capsys):
    row = DossierStatMonth.objects.filter(received__gt=0).first()
    row.received += 1
    row.save()
    with pytest.raises(CommandError) as err:
        call_command("indicators", "verify", "--period", "2025")
    assert err.value.returncode == 1
    assert "onestop.received 2025 38: rollups" in capsys.readouterr().err


def test_verify_refuses_a_bad_period():
    with pytest.raises(CommandError, match="Kỳ không hợp lệ"):
        call_command("indicators", "verify", "--period", "2025-13")
