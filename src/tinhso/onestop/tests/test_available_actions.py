"""The buttons pages and API clients show are the actions the services accept: at each stage
of a lifecycle, every action offered to any of the province's people succeeds, and the ones
not offered are refused."""

import pytest
from django.db import transaction

from tinhso.core.errors import DomainError
from tinhso.onestop import services as s
from tinhso.onestop.tests.world import make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

ARGS = {"refuse": {"reason": "Sai thủ tục"}, "request_supplement": {"reason": "Thiếu giấy tờ"},
        "send_back": {"comment": "Xem lại"}, "withdraw": {"reason": "Không cần nữa"},
        "stop": {"reason": "Không bổ sung"}}
CHECKED = ["receive", "refuse", "request_supplement", "forward", "send_back", "request_payment",
           "confirm_payment", "approve", "return_result", "withdraw", "stop"]


class Rollback(Exception):
    pass


def _accepted(name, d, user) -> bool:
    d.refresh_from_db()  # a service copies its new state onto the instance it is given
    try:
        with transaction.atomic():
            s.ACTIONS[name](dossier=d, actor=user, **ARGS.get(name, {}))
            raise Rollback
    except Rollback:
        return True
    except DomainError:
        return False


def test_offered_actions_are_exactly_the_accepted_ones_through_a_lifecycle():
    w = make_world(fee=50_000)
    people = [w.desk, w.specialist, w.leader, w.partner_specialist, w.citizen]
    d = w.submit_online(vn(2025, 3, 3, 8, 0), applicant=w.citizen)
    steps = [
        ("receive", w.desk), ("forward", w.desk), ("request_payment", w.specialist),
        ("confirm_payment", w.desk), ("forward", w.specialist), ("approve", w.leader),
        ("return_result", w.desk),
    ]
    for name, actor in [*steps, (None, None)]:
        d.refresh_from_db()
        for user in people:
            d.refresh_from_db()
            offered = set(s.available_actions(user, d))
            for action in CHECKED:
                assert _accepted(action, d, user) == (action in offered), (
                    d.get_status_display(), user.username, action)
        if name:
            d = s.ACTIONS[name](dossier=d, actor=actor)
