"""Delivery of status changes to the national public service portal (DVCQG).

Services write an `OutboxMessage` in the same transaction as each status change. Delivery
happens afterwards, outside any request: each message is POSTed as JSON to
settings.TINHSO_NATIONAL_PORTAL_URL, in order per dossier (a dossier's later message waits
while an earlier one is undelivered), retried with exponential backoff, and marked delivered
when the portal answers 2xx. Each message carries its own `message_id`, so the portal can
ignore a repeat: delivery is at-least-once, and exactly-once at a receiver that keeps ids.

HTTP goes through the standard library (urllib): one JSON POST with a timeout needs nothing
more, and the stand-in endpoint in tests is a real HTTP server on loopback.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.onestop.models import OutboxMessage

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling, at most 6 hours."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    waiting: int = 0  # held back behind an earlier undelivered message of the same dossier


def _post(url: str, body: dict) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 (configured https URL)
    request.add_header("Content-Type", "application/json; charset=utf-8")
    if settings.TINHSO_NATIONAL_PORTAL_TOKEN:
        request.add_header("Authorization", f"Bearer {settings.TINHSO_NATIONAL_PORTAL_TOKEN}")
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, "not 2xx", response.headers, None)


def outbox_deliver(*, url: str | None = None, limit: int = 500,
                   now: datetime | None = None) -> DeliveryReport:
    """Deliver what is due. Messages are taken per dossier, oldest first; the first failure of a
    dossier stops that dossier's later messages until the next round."""
    url = url or settings.TINHSO_NATIONAL_PORTAL_URL
    report = DeliveryReport()
    if not url:
        return report
    now = now or timezone.now()
    # Every undelivered message, oldest first (one query); each dossier's messages go in order
    # and the first that is not due or fails holds back the dossier's later ones.
    pending = (OutboxMessage.objects.filter(delivered_at__isnull=True)
               .order_by("pk")[:limit])
    blocked: set[int] = set()
    for msg in pending:
        if msg.dossier_id in blocked:
            report.waiting += 1
        elif msg.next_attempt_at > now:
            blocked.add(msg.dossier_id)
            report.waiting += 1
        elif _deliver_one(msg, url, now):
            report.delivered += 1
        else:
            report.failed += 1
            blocked.add(msg.dossier_id)
    return report


def _deliver_one(msg: OutboxMessage, url: str, now: datetime) -> bool:
    body = {"message_id": msg.pk, **msg.payload}
    try:
        _post(url, body)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        with transaction.atomic():
            OutboxMessage.objects.filter(pk=msg.pk).update(
                attempts=msg.attempts + 1,
                next_attempt_at=now + backoff(msg.attempts + 1),
                last_error=str(exc)[:1000],
            )
        log.warning("outbox: message %s for dossier %s not delivered: %s", msg.pk,
                    msg.dossier_id, exc)
        return False
    OutboxMessage.objects.filter(pk=msg.pk).update(delivered_at=now, attempts=msg.attempts + 1,
                                                   last_error="")
    return True


def outbox_next_attempt() -> datetime | None:
    """When the next undelivered message is due (for scheduling the next round)."""
    return (OutboxMessage.objects.filter(delivered_at__isnull=True)
            .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
