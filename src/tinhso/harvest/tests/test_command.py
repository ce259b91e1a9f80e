"""`tinhso harvest add / list / run` and the scheduled task."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tinhso.harvest.models import Job, JobStatus, Source
from tinhso.harvest.tests.world import three_datasets
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import Dataset

pytestmark = pytest.mark.django_db(transaction=True)


def _call(*args: str) -> str:
    out = StringIO()
    call_command("harvest", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_add_list_and_run_a_source_from_the_console(world):
    three_datasets(world)
    said = _call(
        "add",
        "y-te",
        world.url,
        "--agency",
        world.local.code,
        "--frequency",
        "manual",
        "--filter",
        f"organization:{org_name(world.upstream)}",
    )
    assert "y-te" in said
    assert "chưa chạy" in _call("list")
    said = _call("run", "--source", "y-te", "--quiet-progress")
    assert "tạo 3" in said and "lỗi 0" in said
    assert "done" in _call("list")
    assert Dataset.objects.filter(owner_org=world.local).count() == 3


def test_bad_sources_are_refused_naming_the_field(world):
    with pytest.raises(CommandError, match="url"):
        _call("add", "nguon", "ftp://x.vn", "--agency", world.local.code)
    with pytest.raises(CommandError, match="name"):
        _call("add", "Tên Có Dấu", "https://x.vn", "--agency", world.local.code)
    with pytest.raises(CommandError, match="000.00.00.H00"):
        _call("add", "nguon", "https://x.vn", "--agency", "000.00.00.H00")
    with pytest.raises(CommandError, match="khong-co"):
        _call("run", "--source", "khong-co")
    assert not Source.objects.exists()


def test_all_due_runs_the_sources_whose_time_has_come(world):
    three_datasets(world)
    due = world.ckan_source(
        name="den-han", frequency="daily", next_run_at=timezone.now() - dt.timedelta(minutes=1)
    )
    world.ckan_source(
        name="chua-den", frequency="daily", next_run_at=timezone.now() + dt.timedelta(hours=1)
    )
    world.ckan_source(name="tay", frequency="manual")
    said = _call("run", "--all-due", "--quiet-progress")
    assert "den-han" in said and "chua-den" not in said and "tay" not in said
    job = Job.objects.get()
    assert job.source == due and job.status == JobStatus.DONE
    due.refresh_from_db()
    assert due.next_run_at == job.started_at + dt.timedelta(days=1)


def test_a_scheduled_source_is_harvested_by_the_task_queue_when_added(world):
    from tinhso.harvest.services import source_add

    three_datasets(world)
    source = source_add(
        actor=None,
        name="hang-ngay",
        url=world.url,
        kind="ckan",
        agency=world.local,
        frequency="daily",
        remote_filter=f"organization:{org_name(world.upstream)}",
    )
    job = Job.objects.get(source=source)  # the task ran on commit (immediate backend)
    assert job.created == 3


def test_the_scheduled_task_runs_due_sources_and_queues_itself_for_the_next(world, settings):
    from django_tasks import default_task_backend

    from tinhso.harvest.tasks import harvest_due

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}
    }
    three_datasets(world)
    source = world.ckan_source(
        name="hang-gio", frequency="hourly", next_run_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert harvest_due.call() == 1
    source.refresh_from_db()
    job = Job.objects.get(source=source)
    assert source.next_run_at == job.started_at + dt.timedelta(hours=1)
    queued = default_task_backend.results
    assert [r.task.name for r in queued] == ["harvest_due"]
    assert queued[0].task.run_after == source.next_run_at
    assert harvest_due.call() == 0  # nothing due: no run
