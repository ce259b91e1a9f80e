"""Which actions a user may take on a dossier now: the services' own rules, read without
locking, so that pages and API clients show exactly the buttons the services will accept."""

from __future__ import annotations

from typing import Any

from tinhso.directory.models import Role
from tinhso.directory.permissions import can, holds_role
from tinhso.onestop.models import Apology, Dossier, Rating
from tinhso.onestop.services._common import APPROVE, PROCESS, RECEIVE
from tinhso.onestop.services.processing import fees_outstanding, fees_settled
from tinhso.onestop.status import Status
from tinhso.onestop.workflow import approval_index, steps_for

CLOCK = (Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYING)


def available_actions(user: Any, d: Dossier) -> list[str]:
    """Action names `user` may take on `d` in its current state (see ACTIONS)."""
    status = d.status
    applicant = d.applicant_id is not None and d.applicant_id == getattr(user, "pk", None)
    desk = can(user, RECEIVE, d.receiving_agency)
    handler = bool(d.current_role) and holds_role(user, d.current_role, d.current_agency_id)
    leader = can(user, APPROVE, d.agency)
    out: list[str] = []
    if status == Status.SUBMITTED and desk:
        out.append("receive")
    if desk and (status == Status.SUBMITTED
                 or (status == Status.SUPPLEMENT and d.resumed_status == Status.SUBMITTED)):
        out.append("refuse")
    if (status == Status.SUBMITTED and desk) or (
            status in (Status.RECEIVED, Status.PROCESSING) and (handler or desk)):
        out.append("request_supplement")
    if status == Status.SUPPLEMENT and (applicant or desk):
        out.append("supply")
    if status in (Status.RECEIVED, Status.PROCESSING) and handler:
        approval = approval_index(steps_for(d))
        if d.current_step < approval:
            out.append("forward")
        if status == Status.PROCESSING and d.current_step >= 1:
            out.append("send_back")
        if (status == Status.PROCESSING and d.current_step == approval
                and (d.current_role != Role.LEADER or can(user, APPROVE, d.current_agency))):
            out.append("approve")
    if status in (Status.RECEIVED, Status.PROCESSING) and (handler or desk) and d.fee_total > fees_settled(d):
        out.append("request_payment")
    if status == Status.PAYING and desk:
        out.append("confirm_payment")
    if status == Status.RESULT_READY and desk:
        out.append("request_payment" if fees_outstanding(d) else "return_result")
    if status in (Status.SUBMITTED, *CLOCK) and (applicant or desk):
        out.append("withdraw")
    if status in CLOCK and leader:
        out.append("stop")
    pending_apology = status in (*CLOCK, Status.RESULT_READY) and Apology.objects.filter(
        dossier=d, approved_at__isnull=True).exists()
    if status in CLOCK and (handler or can(user, PROCESS, d.agency)) and not pending_apology:
        out.append("apology_draft")
    if status in (*CLOCK, Status.RESULT_READY) and leader and pending_apology:
        out.append("apology_approve")
    if status == Status.RETURNED and applicant and not Rating.objects.filter(dossier=d).exists():
        out.append("rate")
    return out
