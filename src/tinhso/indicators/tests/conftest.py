"""Fixtures for the indicator tests: a small province with dossiers made through the one-stop
services, in March and April 2025."""

from __future__ import annotations

import datetime as dt

import pytest

from tinhso.onestop import services as s
from tinhso.onestop.tests.world import PDF, World, make_world, vn


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _resolve(w: World, d, at: dt.datetime, *, result: bool = True):
    d = s.dossier_forward(dossier=d, actor=w.desk, at=at)
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=at + dt.timedelta(minutes=30))
    return s.dossier_approve(dossier=d, actor=w.leader, at=at + dt.timedelta(hours=1),
                             result=("kq.pdf", PDF) if result else None)


def _pay(w: World, d, at: dt.datetime, *, online: bool):
    d = s.dossier_request_payment(dossier=d, actor=w.desk, at=at)
    return s.dossier_confirm_payment(dossier=d, actor=None if online else w.desk, online=online,
                                     at=at + dt.timedelta(minutes=30))


@pytest.fixture
def world(db, media) -> World:
    """March 2025: early (electronic result), on time (no result file), late (electronic),
    one online dossier paid online and still open, one in person paid at the desk, a
    withdrawal and a refusal. April 2025: one online dossier resolved early."""
    w = make_world()
    _resolve(w, w.submit_in_person(vn(2025, 3, 3, 8, 0)), vn(2025, 3, 4, 8, 0))
    _resolve(w, w.submit_in_person(vn(2025, 3, 3, 9, 0)), vn(2025, 3, 6, 7, 0), result=False)
    _resolve(w, w.submit_in_person(vn(2025, 3, 3, 9, 0)), vn(2025, 3, 10, 8, 0))
    online = w.submit_online(vn(2025, 3, 5, 20, 0))
    online = s.dossier_receive(dossier=online, actor=w.desk, at=vn(2025, 3, 6, 8, 0))
    _pay(w, online, vn(2025, 3, 6, 8, 30), online=True)
    desk = s.dossier_forward(dossier=w.submit_in_person(vn(2025, 3, 7, 8, 0)), actor=w.desk,
                             at=vn(2025, 3, 7, 8, 30))
    _pay(w, desk, vn(2025, 3, 7, 9, 0), online=False)
    withdrawn = w.submit_in_person(vn(2025, 3, 11, 9, 0))
    s.dossier_withdraw(dossier=withdrawn, actor=w.desk, reason="Rút", at=vn(2025, 3, 12, 9, 0))
    refused = w.submit_online(vn(2025, 3, 11, 9, 0))
    s.dossier_refuse(dossier=refused, actor=w.desk, reason="Sai thủ tục",
                     at=vn(2025, 3, 11, 10, 0))
    april = w.submit_online(vn(2025, 4, 1, 20, 0))
    april = s.dossier_receive(dossier=april, actor=w.desk, at=vn(2025, 4, 2, 8, 0))
    april = s.dossier_forward(dossier=april, actor=w.desk, at=vn(2025, 4, 2, 8, 10))
    s.dossier_approve(dossier=s.dossier_forward(dossier=april, actor=w.specialist,
                                                at=vn(2025, 4, 2, 9, 0)),
                      actor=w.leader, at=vn(2025, 4, 2, 10, 0), result=("kq.pdf", PDF))
    return w
