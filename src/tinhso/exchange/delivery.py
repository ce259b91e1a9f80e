"""Delivery of the outbox to peers: each package is POSTed as signed to the peer's
`/api/v1/exchange/packages`. A 2xx answer delivers it (a document package's answer is the
recipient's signed status, arrived or returned, which is verified and recorded); a 4xx other
than 408/429 is a refusal for good (kept, with the reason, for an operator); anything else
(the peer down, 5xx, a timeout) is retried with exponential backoff. Delivery is at-least-once;
the receiver is idempotent by message id.

HTTP goes through the standard library (urllib), as the one-stop outbox does."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tinhso.core.errors import DomainError
from tinhso.exchange.models import Kind, OutboxItem
from tinhso.exchange.services import answer_record, exchange_timeout

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
RETRYABLE = {408, 425, 429}


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling, at most 6 hours."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    refused: int = 0


def due(now: datetime | None = None, limit: int = 200) -> list[OutboxItem]:
    now = now or timezone.now()
    return list(OutboxItem.objects.filter(delivered_at__isnull=True, failed_at__isnull=True,
                                          next_attempt_at__lte=now)
                .select_related("package", "peer").order_by("next_attempt_at", "pk")[:limit])


def pending_count() -> int:
    return OutboxItem.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).count()


def _post(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (configured peer)
    request.add_header("Content-Type", "application/xml; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=exchange_timeout()) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read() or b""


def deliver_one(item: OutboxItem, now: datetime | None = None) -> str:
    """One attempt; returns "delivered", "retrying" or "refused"."""
    now = now or timezone.now()
    try:
        status, body = _post(item.peer.endpoint, bytes(item.package.raw))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        status, body = 0, str(exc).encode()
    if 200 <= status < 300:
        error = ""
        if item.package.kind == Kind.DOCUMENT:
            try:
                answer_record(body)
            except DomainError as exc:  # delivered, but the answer is not one we can trust
                error = f"answer refused: {exc.message}"
                log.warning("exchange: answer to package %s refused: %s",
                            item.package.message_id, exc.message)
        OutboxItem.objects.filter(pk=item.pk).update(delivered_at=now,
                                                     attempts=item.attempts + 1,
                                                     last_error=error)
        return "delivered"
    reason = f"HTTP {status}: {body[:1000].decode('utf-8', 'replace')}" if status else \
        body.decode("utf-8", "replace")[:1000]
    with transaction.atomic():
        if 400 <= status < 500 and status not in RETRYABLE:
            OutboxItem.objects.filter(pk=item.pk).update(failed_at=now,
                                                         attempts=item.attempts + 1,
                                                         last_error=reason)
            log.error("exchange: package %s refused by %s: %s", item.package.message_id,
                      item.peer.organ_prefix, reason)
            return "refused"
        OutboxItem.objects.filter(pk=item.pk).update(
            attempts=item.attempts + 1, next_attempt_at=now + backoff(item.attempts + 1),
            last_error=reason)
    log.warning("exchange: package %s not delivered to %s (attempt %d): %s",
                item.package.message_id, item.peer.organ_prefix, item.attempts + 1, reason)
    return "retrying"


def outbox_deliver(*, now: datetime | None = None, limit: int = 200,
                   progress: Callable[[int], object] | None = None) -> DeliveryReport:
    """Deliver what is due now."""
    report = DeliveryReport()
    for item in due(now, limit):
        outcome = deliver_one(item, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if progress is not None:
            progress(1)
    return report


def next_attempt() -> datetime | None:
    return (OutboxItem.objects.filter(delivered_at__isnull=True, failed_at__isnull=True)
            .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
