"""The processing steps of a dossier and their share of the statutory deadline.

A procedure version lists its steps (catalog.WorkflowStep); a version without steps follows
DEFAULT_STEPS: the one-stop desk receives, a specialist of the responsible agency examines, a
leader approves and signs, the desk returns the result. A step with no agency is performed by
the receiving agency when it is a desk (one-stop officer) step, else by the dossier's agency;
a step in another agency is an inter-agency (liên thông) step.

Step due moments: received_at + the cumulative share of the statutory working time, plus the
working time the dossier spent paused (supplements, payment), which is the working time by
which `due_at` moved since receipt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tinhso.catalog.cache import catalog_cached
from tinhso.catalog.models import DeadlineUnit, ProcedureVersion, WorkflowStep
from tinhso.core.calendar import WorkingCalendar
from tinhso.directory.models import Role
from tinhso.onestop.models import Dossier
from tinhso.onestop.status import Timeliness


@dataclass(frozen=True)
class StepSpec:
    position: int
    name: str
    role: str
    agency_id: int | None  # None: the default agency for the role (see module docstring)
    share_percent: int


# Step names are stored on the control slip's rows as written (data in Vietnamese, like the
# names of a version's own steps), so they are not translated here.
DEFAULT_STEPS: tuple[StepSpec, ...] = (
    StepSpec(0, "Tiếp nhận hồ sơ", Role.ONESTOP_OFFICER, None, 10),
    StepSpec(1, "Thẩm định, xử lý", Role.SPECIALIST, None, 60),
    StepSpec(2, "Phê duyệt, ký kết quả", Role.LEADER, None, 20),
    StepSpec(3, "Trả kết quả", Role.ONESTOP_OFFICER, None, 10),
)


@dataclass(frozen=True)
class Step:
    index: int
    name: str
    role: str
    agency_id: int
    share_percent: int
    inter_agency: bool


def _version_steps(version_id: int) -> tuple[StepSpec, ...]:
    """A version's steps (one query, then from the per-process catalog cache)."""
    def load() -> tuple[StepSpec, ...]:
        rows = list(WorkflowStep.objects.filter(version_id=version_id).order_by("position"))
        if len(rows) < 2:
            return DEFAULT_STEPS
        return tuple(StepSpec(r.position, r.name, r.role, r.agency_id, r.share_percent)
                     for r in rows)

    return catalog_cached(("workflow_steps", version_id), load)


def steps_for(dossier: Dossier) -> list[Step]:
    out = []
    for i, spec in enumerate(_version_steps(dossier.version_id)):
        if spec.agency_id is not None:
            agency_id = spec.agency_id
        elif spec.role == Role.ONESTOP_OFFICER:
            agency_id = dossier.receiving_agency_id
        else:
            agency_id = dossier.agency_id
        out.append(Step(i, spec.name, spec.role, agency_id, spec.share_percent,
                        inter_agency=agency_id not in (dossier.agency_id,
                                                       dossier.receiving_agency_id)))
    return out


def approval_index(steps: list[Step]) -> int:
    """The step at which the result is approved: the last leader step before the final desk
    step (or the step before the last when no step is a leader's)."""
    for step in reversed(steps[:-1]):
        if step.role == Role.LEADER:
            return step.index
    return max(len(steps) - 2, 0)


def statutory_duration(version: ProcedureVersion, cal: WorkingCalendar) -> dt.timedelta | None:
    if version.deadline_value is None:
        return None
    if version.deadline_unit == DeadlineUnit.WORKING_HOUR:
        return cal.duration_of(working_hours=version.deadline_value)
    return cal.duration_of(working_days=version.deadline_value)


def statutory_due(version: ProcedureVersion, cal: WorkingCalendar,
                  start: dt.datetime) -> dt.datetime | None:
    duration = statutory_duration(version, cal)
    return None if duration is None else cal.add_working_time(start, duration)


def step_due(dossier: Dossier, steps: list[Step], index: int,
             cal: WorkingCalendar) -> dt.datetime | None:
    if dossier.received_at is None or dossier.due_at is None:
        return None
    total = statutory_duration(dossier.version, cal)
    if total is None:
        return None
    shares = sum(s.share_percent for s in steps) or 1
    cumulative = sum(s.share_percent for s in steps[: index + 1])
    if index >= len(steps) - 1:
        return dossier.due_at
    base_due = cal.add_working_time(dossier.received_at, total)
    paused = cal.working_time_between(base_due, dossier.due_at)
    paused = max(paused, dt.timedelta(0))
    return cal.add_working_time(dossier.received_at, total * cumulative / shares + paused)


def timeliness_of(done: dt.datetime, due: dt.datetime | None) -> str:
    """Early when finished on a day before the due day (Vietnam time); on time when at or
    before the due moment; late otherwise. No due moment (no statutory deadline): on time."""
    if due is None:
        return Timeliness.ON_TIME
    from tinhso.onestop.codes import local_day

    if local_day(done) < local_day(due):
        return Timeliness.EARLY
    if done <= due:
        return Timeliness.ON_TIME
    return Timeliness.LATE
