"""Every write to a dossier: submission and each move of its status.

Each transition runs in one transaction: it locks the dossier row, refuses with `Conflict`
(409) when the caller acted on an older revision or the status no longer allows the action,
checks the actor's permission, then writes the new state, a DossierEvent, an audit event,
the DossierStat rollup and, for a status change, an OutboxMessage for the national portal;
the applicant's e-mail waits for the commit. A refused action (403 or 409) is itself recorded
in the audit log as "dossier.refused_action".

Every service takes `at`, the moment of the action (default now), so that the demo and tests
are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.onestop.services._common import (
    APPROVE,
    MAX_FILES,
    MAX_FORM_BYTES,
    PROCESS,
    RATING_INDICATORS,
    RECEIVE,
    Conflict,
)
from tinhso.onestop.services.availability import available_actions
from tinhso.onestop.services.endings import (
    dossier_apology_approve,
    dossier_apology_draft,
    dossier_file_mark_digitized,
    dossier_get_for_action,
    dossier_rate,
    dossier_stop,
    dossier_withdraw,
)
from tinhso.onestop.services.intake import (
    dossier_receive,
    dossier_refuse,
    dossier_request_supplement,
    dossier_supply,
)
from tinhso.onestop.services.processing import (
    dossier_approve,
    dossier_confirm_payment,
    dossier_forward,
    dossier_request_payment,
    dossier_return_result,
    dossier_send_back,
    fees_outstanding,
)
from tinhso.onestop.services.submission import (
    Submission,
    dossier_submit,
)

# The actions the API exposes by name: POST /dossiers/{code}/actions {"action": ...}.
ACTIONS: dict[str, Callable[..., Any]] = {
    "receive": dossier_receive,
    "refuse": dossier_refuse,
    "request_supplement": dossier_request_supplement,
    "supply": dossier_supply,
    "forward": dossier_forward,
    "send_back": dossier_send_back,
    "request_payment": dossier_request_payment,
    "confirm_payment": dossier_confirm_payment,
    "approve": dossier_approve,
    "return_result": dossier_return_result,
    "withdraw": dossier_withdraw,
    "stop": dossier_stop,
}

__all__ = [
    "available_actions",
    "ACTIONS",
    "APPROVE",
    "Conflict",
    "DomainError",
    "MAX_FILES",
    "MAX_FORM_BYTES",
    "NotAllowed",
    "NotFound",
    "PROCESS",
    "RATING_INDICATORS",
    "RECEIVE",
    "dossier_apology_approve",
    "dossier_apology_draft",
    "dossier_approve",
    "dossier_confirm_payment",
    "dossier_file_mark_digitized",
    "dossier_forward",
    "dossier_get_for_action",
    "dossier_rate",
    "dossier_receive",
    "dossier_refuse",
    "dossier_request_payment",
    "dossier_request_supplement",
    "dossier_return_result",
    "dossier_send_back",
    "dossier_stop",
    "Submission",
    "dossier_submit",
    "dossier_supply",
    "dossier_withdraw",
    "fees_outstanding",
]
