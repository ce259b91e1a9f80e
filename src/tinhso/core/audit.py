"""The append-only, hash-chained audit log. Services call `audit_record` inside their
transaction, so the event and the change it records commit together or not at all."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from tinhso.core.models import AuditEvent


def object_ref(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def _digest(
    *, at: datetime, actor_id: int | None, actor_label: str, action: str, object_type: str,
    object_id: str, seq: int, data: dict[str, Any], ip: str | None, prev_hash: str,
) -> str:
    payload = json.dumps(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object": [object_type, object_id],
            "seq": seq,
            "data": data,
            "ip": ip,
            "prev": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic(savepoint=False)  # joins the caller's transaction, or opens its own
def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
    ip: str | None = None,
    first: bool = False,
) -> AuditEvent:
    """Append an event about `obj` (or object_type/object_id) to its chain. `first=True` says
    the object was created in this transaction, so its chain is empty and need not be read
    (were it not, the unique (object, seq) constraint refuses the event)."""
    if obj is not None:
        object_type, object_id = object_ref(obj)
    if not object_type:
        raise ValueError("audit_record needs obj or object_type")
    last = None if first else (
        AuditEvent.objects.select_for_update()
        .filter(object_type=object_type, object_id=object_id)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    event = audit_row(actor=actor, action=action, object_type=object_type, object_id=object_id,
                      data=data, ip=ip, after=last)
    event.save(force_insert=True)
    return event


def audit_row(*, actor: Any, action: str, obj: models.Model | None = None,
              object_type: str = "", object_id: str = "", data: dict[str, Any] | None = None,
              ip: str | None = None, after: tuple[int, str] | None = None) -> AuditEvent:
    """The event `audit_record` would append, unsaved, for a caller that writes it with
    others (`core.onetrip`): `after` is the chain's last (seq, hash), None for a new object."""
    if obj is not None:
        object_type, object_id = object_ref(obj)
    data = json.loads(json.dumps(data or {}, default=str))  # what the database will give back
    actor_id = getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None
    actor_label = actor.get_username() if actor_id else ""
    seq, prev_hash = (after[0] + 1, after[1]) if after else (1, "")
    at = timezone.now()
    digest = _digest(at=at, actor_id=actor_id, actor_label=actor_label, action=action,
                     object_type=object_type, object_id=object_id, seq=seq, data=data, ip=ip,
                     prev_hash=prev_hash)
    return AuditEvent(
        at=at, actor_id=actor_id, actor_label=actor_label, action=action,
        object_type=object_type, object_id=object_id, seq=seq, data=data, ip=ip,
        prev_hash=prev_hash, hash=digest,
    )


@dataclass
class ChainBreak:
    object_type: str
    object_id: str
    seq: int
    reason: str


def audit_verify(batch: int = 5000,
                 on_progress: Callable[[int], None] | None = None) -> Iterator[ChainBreak]:
    """Walk every chain in order and yield each place where it does not hold.
    `on_progress(n)` is called every `batch` events with the number just checked."""
    prev_key: tuple[str, str] | None = None
    n = 0
    prev_hash, expected_seq = "", 1
    qs = AuditEvent.objects.order_by("object_type", "object_id", "seq")
    for n, ev in enumerate(qs.iterator(chunk_size=batch), start=1):
        if on_progress and n % batch == 0:
            on_progress(batch)
        key = (ev.object_type, ev.object_id)
        if key != prev_key:
            prev_key, prev_hash, expected_seq = key, "", 1
        if ev.seq != expected_seq:
            yield ChainBreak(*key, ev.seq, f"expected event {expected_seq}, found {ev.seq}")
        if ev.prev_hash != prev_hash:
            yield ChainBreak(*key, ev.seq, "does not link to the previous event")
        recomputed = _digest(
            at=ev.at, actor_id=ev.actor_id, actor_label=ev.actor_label, action=ev.action,
            object_type=ev.object_type, object_id=ev.object_id, seq=ev.seq, data=ev.data,
            ip=ev.ip, prev_hash=ev.prev_hash,
        )
        if recomputed != ev.hash:
            yield ChainBreak(*key, ev.seq, "content does not match its hash")
        prev_hash, expected_seq = ev.hash, ev.seq + 1
    if on_progress:
        on_progress(n % batch if n else 0)


def client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None
