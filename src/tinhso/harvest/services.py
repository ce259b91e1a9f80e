"""Every write of harvesting: sources, jobs, and the datasets a run creates, updates or
deletes. Datasets are written only through `opendata.services`, with the same validation as
a publisher's own writes, one transaction per dataset: a remote dataset that fails is an
error on the job and the run goes on.

A run acts as the system account `he-thong-thu-thap` holding, for that run only and in
memory, the specialist role in the source's agency: it may publish there and nowhere else.
The account itself is inactive and has no usable password, so nobody logs in as it."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.services import system_account
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, FieldError
from tinhso.directory.models import Agency, Grant, Role
from tinhso.directory.permissions import ensure_can, grants_in_memory
from tinhso.harvest.ckan import CkanHarvester
from tinhso.harvest.client import RemoteError
from tinhso.harvest.dcat import DcatHarvester
from tinhso.harvest.models import (
    ERRORS_KEPT,
    INTERVALS,
    Frequency,
    HarvestedObject,
    Job,
    JobStatus,
    Kind,
    Source,
)
from tinhso.harvest.records import NAME_MAX, Record, content_hash, slug
from tinhso.opendata.access import PUBLISH
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import Dataset, State
from tinhso.opendata.services import dataset_create, dataset_delete, dataset_update

logger = logging.getLogger(__name__)

USERNAME = "he-thong-thu-thap"
SOURCE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,49}$")
HEARTBEAT_EVERY = 20  # records between two saves of the job's counts
STALE_AFTER = dt.timedelta(hours=1)  # a running job silent this long was abandoned
SETTLED = dt.timedelta(minutes=5)


def overlap() -> dt.timedelta:
    """How far before the watermark a CKAN run asks again: a remote transaction that took
    its modification time before ours read the catalog may commit after it."""
    return dt.timedelta(seconds=getattr(settings, "TINHSO_HARVEST_OVERLAP_SECONDS", 60))


def harvest_user() -> User:
    return system_account(USERNAME, "Hệ thống thu thập dữ liệu mở")


def harvest_actor(source: Source) -> User:
    """The system account, able to publish in the source's agency for this run only."""
    user = harvest_user()
    user.is_active = True  # in memory only: the row stays inactive
    agency = source.agency
    grants_in_memory(user, [Grant(user=user, role=Role.SPECIALIST, agency=agency,
                                  province_code=agency.province_code)])
    return user


# --- Sources -----------------------------------------------------------------------------------


def _source_errors(*, name: str, url: str, kind: str, frequency: str) -> None:
    errors = []
    if not SOURCE_NAME_RE.match(name):
        errors.append(("name", _("Tên định danh gồm 2–50 chữ thường không dấu, chữ số, dấu -.")))
    elif Source.objects.filter(name=name).exists():
        errors.append(("name", _("Tên định danh này đã được dùng.")))
    if not url.lower().startswith(("http://", "https://")) or len(url) > 500:
        errors.append(("url", _("Địa chỉ phải bắt đầu bằng http:// hoặc https://.")))
    if kind not in Kind.values:
        errors.append(("kind", _("Loại nguồn là ckan hoặc dcat.")))
    if frequency not in Frequency.values:
        errors.append(("frequency", _("Tần suất là manual, hourly, daily hoặc weekly.")))
    if errors:
        raise DomainError(
            message=_("Dữ liệu không hợp lệ."),
            status=422,
            errors=[FieldError(f, m) for f, m in errors],
        )


@transaction.atomic
def source_add(
    *,
    actor: Any,
    name: str,
    url: str,
    kind: str,
    agency: Agency,
    frequency: str = Frequency.DAILY,
    title: str = "",
    remote_filter: str = "",
) -> Source:
    """A new source. `actor` None: the operator at the console (`tinhso harvest add`);
    otherwise they must publish for `agency`."""
    if actor is not None:
        ensure_can(actor, PUBLISH, agency)
    _source_errors(name=name, url=url, kind=kind, frequency=frequency)
    due = timezone.now() if frequency != Frequency.MANUAL else None
    source = Source.objects.create(
        name=name,
        url=url.strip(),
        kind=kind,
        agency=agency,
        frequency=frequency,
        title=title[:255],
        remote_filter=remote_filter[:500],
        next_run_at=due,
    )
    audit_record(
        actor=actor,
        action="harvest.source.add",
        obj=source,
        first=True,
        data={
            "name": name,
            "url": source.url,
            "kind": kind,
            "agency": agency.code,
            "frequency": frequency,
        },
    )
    if due is not None:
        from tinhso.harvest.tasks import harvest_due

        transaction.on_commit(lambda: harvest_due.enqueue())
    return source


# --- Jobs --------------------------------------------------------------------------------------


def job_start(*, source: Source, full: bool = False) -> Job | None:
    """A new running job of `source`, or None when one is running already. The source's row
    is locked (skipping it if another process holds it) while the job is recorded, and a
    partial unique index allows one running job per source, also where rows do not lock."""
    now = timezone.now()
    with transaction.atomic():
        locked = Source.objects.select_for_update(skip_locked=True).filter(pk=source.pk).first()
        if locked is None:
            return None
        running = Job.objects.filter(source=locked, status=JobStatus.RUNNING).first()
        if running is not None:
            if running.heartbeat_at > now - STALE_AFTER:
                return None
            running.status, running.finished_at = JobStatus.FAILED, now
            running.message = _("Bị bỏ dở (không còn hoạt động).")
            running.save(update_fields=["status", "finished_at", "message"])
        try:
            with transaction.atomic():
                return Job.objects.create(
                    source=locked, started_at=now, heartbeat_at=now, full=full
                )
        except IntegrityError:
            return None


COUNTS = ("fetched", "created", "updated", "deleted", "unchanged", "errors")


def _save_counts(job: Job, *extra: str) -> None:
    job.heartbeat_at = timezone.now()
    job.save(update_fields=[*COUNTS, "error_list", "heartbeat_at", *extra])


def job_finish(*, job: Job, complete: bool, watermark: dt.datetime | None) -> Job:
    """Close the job; a complete run moves the source's watermark. The next run of a
    scheduled source is due one interval after this one started."""
    now = timezone.now()
    if not complete:
        job.status = JobStatus.FAILED
    else:
        job.status = JobStatus.PARTIAL if job.errors else JobStatus.DONE
    job.finished_at = now
    with transaction.atomic():
        _save_counts(job, "status", "finished_at", "message")
        source = Source.objects.select_for_update().get(pk=job.source_id)
        interval = INTERVALS.get(Frequency(source.frequency))
        source.next_run_at = job.started_at + interval if interval else None
        fields = ["next_run_at"]
        if complete and watermark is not None:
            source.watermark, fields = watermark, [*fields, "watermark"]
        source.save(update_fields=fields)
        audit_record(
            actor=None,
            action="harvest.job.finish",
            obj=source,
            data={
                "job": job.pk,
                "status": job.status,
                "fetched": job.fetched,
                "created": job.created,
                "updated": job.updated,
                "deleted": job.deleted,
                "errors": job.errors,
            },
        )
    return job


# --- One run -----------------------------------------------------------------------------------


@dataclass
class _Run:
    job: Job
    source: Source
    actor: User
    # What is held for each remote id: (content hash, deleted, remote modified, read at), read
    # in one query, so an unchanged dataset costs no query at all.
    held: dict[str, tuple[str, bool, dt.datetime | None, dt.datetime]] = field(default_factory=dict)

    def load(self) -> None:
        rows = HarvestedObject.objects.filter(source=self.source).values_list(
            "remote_id", "content_hash", "deleted", "remote_modified", "harvested_at"
        )
        self.held = {r[0]: r[1:] for r in rows}

    def error(
        self, remote_id: str, name: str, message: str, fields: list[dict[str, str]] | None = None
    ) -> None:
        self.job.errors += 1
        if len(self.job.error_list) < ERRORS_KEPT:
            self.job.error_list.append(
                {
                    "remote_id": remote_id[:500],
                    "name": name[:200],
                    "message": message[:1000],
                    "fields": fields or [],
                }
            )

    def local_name(self, rec: Record, obj: HarvestedObject | None) -> str:
        """The remote name when free here; else the name kept from before; else the remote
        name with the source's name added (and a number, when even that is taken)."""
        wanted = slug(rec.remote_name) or slug(str((rec.data or {}).get("title", "")))
        if len(wanted) < 2:
            wanted = f"du-lieu-{content_hash(rec)[:8]}"
        current = obj.dataset.name if obj is not None else None
        if current is not None and (wanted == current or self.source.kind == Kind.DCAT):
            return current
        others = Dataset.objects.filter(name=wanted)
        if obj is not None:
            others = others.exclude(pk=obj.dataset_id)
        if not others.exists():
            return wanted
        if current is not None:
            return current
        base = f"{wanted[: NAME_MAX - len(self.source.name) - 1]}-{self.source.name}"
        candidate, n = base, 2
        while Dataset.objects.filter(name=candidate).exists():
            suffix = f"-{n}"
            candidate, n = base[: NAME_MAX - len(suffix)] + suffix, n + 1
        return candidate

    def write(self, rec: Record, obj: HarvestedObject | None, digest: str) -> str:
        assert rec.data is not None  # noqa: S101 - the caller checked
        payload: dict[str, Any] = {
            **rec.data,
            "name": self.local_name(rec, obj),
            "owner_org": org_name(self.source.agency),
            "state": State.ACTIVE,
            "extras": [
                *rec.data.get("extras", []),
                {"key": "harvest_source", "value": self.source.url},
                {"key": "harvest_remote_id", "value": rec.remote_id},
            ],
        }
        known = obj.resource_ids if obj is not None else {}
        payload["resources"] = [
            {**r, "id": known.get(rid)}
            for r, rid in zip(rec.data.get("resources", []), rec.resource_ids, strict=False)
        ]
        with transaction.atomic():
            if obj is None:
                ds = dataset_create(actor=self.actor, data=payload)
                outcome = "created"
            else:
                ds = dataset_update(actor=self.actor, data={**payload, "id": str(obj.dataset_id)})
                outcome = "updated"
            local = ds.resources.filter(state=State.ACTIVE).order_by("position", "created")
            ids = {
                rid: str(pk)
                for rid, pk in zip(
                    rec.resource_ids, local.values_list("id", flat=True), strict=False
                )
                if rid
            }
            HarvestedObject.objects.update_or_create(
                source=self.source,
                remote_id=rec.remote_id,
                defaults={
                    "dataset": ds,
                    "remote_name": rec.remote_name[:200],
                    "remote_modified": rec.modified,
                    "content_hash": digest,
                    "resource_ids": ids,
                    "deleted": False,
                    "harvested_at": timezone.now(),
                },
            )
        return outcome

    def take(self, rec: Record) -> None:
        if rec.private:
            return
        self.job.fetched += 1
        if rec.error:
            self.error(rec.remote_id, rec.remote_name, rec.error)
            return
        if rec.unchanged:
            self.job.unchanged += 1
            return
        digest = content_hash(rec)
        held = self.held.get(rec.remote_id)
        if held is not None and not held[1] and held[0] == digest:
            self.job.unchanged += 1
            modified, read_at = held[2], held[3]
            if rec.modified is not None and (
                rec.modified != modified or read_at <= rec.modified + SETTLED
            ):
                now = timezone.now()
                HarvestedObject.objects.filter(source=self.source, remote_id=rec.remote_id).update(
                    remote_modified=rec.modified, harvested_at=now
                )
                self.held[rec.remote_id] = (digest, False, rec.modified, now)
            return
        obj = None
        if held is not None:
            obj = HarvestedObject.objects.select_related("dataset").get(
                source=self.source, remote_id=rec.remote_id
            )
        try:
            outcome = self.write(rec, obj, digest)
            self.held[rec.remote_id] = (digest, False, rec.modified, timezone.now())
        except DomainError as exc:
            fields = [{"field": e.field, "message": e.message} for e in exc.errors]
            self.error(rec.remote_id, rec.remote_name, exc.message, fields)
            return
        except Exception as exc:  # one bad dataset never stops the run
            logger.exception("harvest %s: %s", self.source.name, rec.remote_id)
            self.error(rec.remote_id, rec.remote_name, f"{type(exc).__name__}: {exc}")
            return
        setattr(self.job, outcome, getattr(self.job, outcome) + 1)

    def delete(self, remote_id: str) -> None:
        obj = HarvestedObject.objects.get(source=self.source, remote_id=remote_id)
        try:
            with transaction.atomic():
                dataset_delete(actor=self.actor, ref=str(obj.dataset_id))
                HarvestedObject.objects.filter(pk=obj.pk).update(
                    deleted=True, harvested_at=timezone.now()
                )
        except DomainError as exc:
            self.error(remote_id, obj.remote_name, exc.message)
            return
        self.job.deleted += 1


def _records(
    source: Source, job: Job, rows: int, on_total: Callable[[int], None] | None
) -> tuple[Iterator[Record], Any]:
    if source.kind == Kind.CKAN:
        ckan = CkanHarvester(source.url, source.remote_filter, rows=rows)
        since = None if job.full or source.watermark is None else source.watermark - overlap()
        return ckan.records(since, on_total), ckan
    dcat = DcatHarvester(source.url)
    known: dict[str, Any] = {}
    if not job.full:
        # dct:modified often has seconds only: a date we hold is trusted to mean "nothing
        # since" once we read the dataset well after it (a change later in that same second
        # would otherwise be missed); until then the content hash decides.
        for rid, modified, deleted, read_at in HarvestedObject.objects.filter(
            source=source
        ).values_list("remote_id", "remote_modified", "deleted", "harvested_at"):
            trusted = modified is not None and not deleted and read_at > modified + SETTLED
            known[rid] = modified if trusted else True
    return dcat.records(known, on_total), dcat


def source_harvest(
    *,
    source: Source,
    full: bool = False,
    rows: int = 100,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Job | None:
    """Run `source` once: what changed upstream (everything with `full`) is created or
    updated here, what is gone upstream is deleted here. None when a run of this source is
    under way elsewhere."""
    job = job_start(source=source, full=full)
    if job is None:
        return None
    source = Source.objects.select_related("agency").get(pk=source.pk)
    run = _Run(job=job, source=source, actor=harvest_actor(source))
    run.load()
    top = source.watermark
    complete = False
    try:
        records, harvester = _records(source, job, rows, on_total)
        for n, rec in enumerate(records, start=1):
            run.take(rec)
            if rec.modified is not None and (top is None or rec.modified > top):
                top = rec.modified
            if progress is not None:
                progress(1)
            if n % HEARTBEAT_EVERY == 0:
                _save_counts(job)
        live = set(
            HarvestedObject.objects.filter(source=source, deleted=False).values_list(
                "remote_id", flat=True
            )
        )
        for remote_id in sorted(harvester.gone(live)):
            run.delete(remote_id)
        complete = True
    except RemoteError as exc:
        job.message = str(exc)[:2000]
    except Exception as exc:
        logger.exception("harvest %s failed", source.name)
        job.message = f"{type(exc).__name__}: {exc}"[:2000]
    return job_finish(job=job, complete=complete, watermark=top)


def sources_due(now: dt.datetime | None = None) -> list[Source]:
    now = now or timezone.now()
    return list(
        Source.objects.filter(active=True, next_run_at__lte=now)
        .exclude(frequency=Frequency.MANUAL)
        .order_by("next_run_at")
    )


def harvest_due(*, progress: Callable[[int], Any] | None = None) -> list[Job]:
    """Run every active source whose time has come, one after the other."""
    jobs = []
    for source in sources_due():
        job = source_harvest(source=source, progress=progress)
        if job is not None:
            jobs.append(job)
    return jobs
