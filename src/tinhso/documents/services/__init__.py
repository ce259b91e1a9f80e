"""Every write to official documents, one transaction per use case (see `outgoing` and
`incoming`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinhso.documents.services._common import (
    APPROVE,
    DIRECT,
    DRAFT,
    HANDLE,
    REGISTER,
    REVIEW,
    VIEW,
    Conflict,
)
from tinhso.documents.services.attachments import document_attach, document_detach
from tinhso.documents.services.incoming import (
    incoming_assign,
    incoming_direct,
    incoming_done,
    incoming_receive,
    incoming_register,
    incoming_start,
)
from tinhso.documents.services.outgoing import (
    document_approve,
    document_draft,
    document_register,
    document_revise,
    document_send,
    document_send_back,
    document_submit_for_review,
)
from tinhso.documents.services.signing import document_issue, document_sign

# The actions POST /documents/{id}/actions accepts, by name.
ACTIONS: dict[str, Callable[..., Any]] = {
    "revise": document_revise,
    "submit": document_submit_for_review,
    "approve": document_approve,
    "send_back": document_send_back,
    "sign": document_sign,
    "register": document_register,
    "issue": document_issue,
    "send": document_send,
}

__all__ = [
    "ACTIONS",
    "APPROVE",
    "Conflict",
    "DIRECT",
    "DRAFT",
    "HANDLE",
    "REGISTER",
    "REVIEW",
    "VIEW",
    "document_approve",
    "document_attach",
    "document_detach",
    "document_draft",
    "document_issue",
    "document_register",
    "document_revise",
    "document_send",
    "document_send_back",
    "document_sign",
    "document_submit_for_review",
    "incoming_assign",
    "incoming_direct",
    "incoming_done",
    "incoming_receive",
    "incoming_register",
    "incoming_start",
]
