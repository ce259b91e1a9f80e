"""Each step of an incoming record that came in a package is reported back to its sender as
a signed status message, queued in the step's own transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from tinhso.documents.models import IncomingRecord

log = logging.getLogger(__name__)


@receiver(post_save, sender=IncomingRecord, dispatch_uid="exchange.incoming_step")
def report_incoming_step(sender: Any, instance: IncomingRecord, created: bool,
                         raw: bool = False, **kwargs: Any) -> None:
    if created or raw:
        return
    from tinhso.core.errors import DomainError
    from tinhso.exchange.services import incoming_report_status

    try:
        incoming_report_status(instance)
    except DomainError as exc:  # the officer's step goes on; the operator sees the log
        log.error("exchange: status of incoming record %s not reported: %s", instance.pk,
                  exc.message)
