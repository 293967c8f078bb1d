"""Loading and saving a case's workflow, and keeping the task index in step with it.

Saving is an `UPDATE … WHERE revision = ?`: when another request changed the case
since it was loaded, nothing is written and the caller gets a Conflict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.access import CONSENT_ROLES
from engine.bpmn import runtime
from engine.bpmn.clock import Clock, use_clock
from engine.bpmn.pruning import prune_history
from engine.bpmn.serializer import dump_state, load_state, new_workflow
from engine.consents import shared_fields
from engine.crypto import Cipher
from engine.deadlines import DEFAULT_TASK_REMINDERS, reminder_times, task_due_at
from engine.errors import Conflict, NotFound
from engine.models import Case, Reminder, Task
from engine.versions import specs_for
from forms.registry import load_form


@dataclass(frozen=True)
class Services:
    """What every case transaction needs besides the session."""

    cipher: Cipher
    clock: Clock

    def now(self) -> datetime:
        return self.clock.now()


def load_workflow(services: Services, case: Case):  # type: ignore[no-untyped-def]
    spec, subprocess_specs = specs_for(case.process_version)
    blob = services.cipher.decrypt(case.state, case.id)
    with use_clock(services.clock):
        return load_state(blob, spec, subprocess_specs)


def fresh_workflow(case: Case):  # type: ignore[no-untyped-def]
    spec, subprocess_specs = specs_for(case.process_version)
    return new_workflow(spec, subprocess_specs)


def encrypt_state(services: Services, case_id: str, workflow) -> bytes:  # type: ignore[no-untyped-def]
    """The state to store: pruned of finished history (kept in the task index and the
    audit trail instead), serialized without its spec, encrypted to this case."""
    prune_history(workflow)
    return services.cipher.encrypt(dump_state(workflow), case_id)


def save_workflow(
    session: Session,
    services: Services,
    case: Case,
    workflow,
    expected_revision: int,  # type: ignore[no-untyped-def]
) -> None:
    """Write the new state if the case is still at `expected_revision`, and re-index."""
    now = services.now()
    sync_tasks(session, services, case, workflow)
    status = case.status
    if runtime.is_finished(workflow) and status == "open":
        status = "closed"
    values = {
        "state": encrypt_state(services, case.id, workflow),
        "revision": expected_revision + 1,
        "next_timer_at": None if status != "open" else runtime.next_timer_at(workflow),
        "updated_at": now,
        "stage": case.stage,
        "status": status,
        "closed_at": now if status != "open" and case.closed_at is None else case.closed_at,
    }
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.revision == expected_revision)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the case was changed by someone else meanwhile: reload it and try again")
    for key, value in values.items():  # already written: keep the ORM from writing it again
        set_committed_value(case, key, value)


def sync_tasks(session: Session, services: Services, case: Case, workflow) -> None:  # type: ignore[no-untyped-def]
    """Index newly ready human tasks; mark indexed tasks the workflow dropped as cancelled."""
    with session.no_autoflush:
        _sync_tasks(session, services, case, workflow)
    session.flush()


def _sync_tasks(session: Session, services: Services, case: Case, workflow) -> None:  # type: ignore[no-untyped-def]
    now = services.now()
    # Rows changed in this transaction but not flushed yet keep their new state.
    open_rows = {
        t.id: t
        for t in session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "open"))
        if t.state == "open"
    }
    ready_ids, new_tasks = runtime.ready_tasks_beyond(workflow, open_rows.keys())
    team = {m.role: m.organisation_id for m in case.team}
    coordinator = team["coordinator"]
    for human in new_tasks:
        due_at = task_due_at(now, human.due, human.due_date)
        task = Task(
            id=human.id,
            case_id=case.id,
            name=human.name,
            title=human.title,
            process_id=human.process_id,
            role=human.role or "coordinator",
            # A role nobody fills yet falls to the coordinator, who can re-assign it.
            organisation_id=team.get(human.role or "coordinator", coordinator),
            form=human.form,
            state="open",
            created_at=now,
            due_at=due_at,
            reminders=list(human.reminders or DEFAULT_TASK_REMINDERS),
        )
        shared = (
            shared_fields(session, case.id, task.organisation_id)
            if task.role in CONSENT_ROLES and task.organisation_id != coordinator
            else None
        )
        task.data = services.cipher.encrypt(
            json.dumps(prefill(human, shared), default=str).encode(), human.id
        )
        session.add(task)
        case.stage = human.process_id
        if due_at is not None:
            schedule_reminders(
                session,
                case.id,
                task.organisation_id,
                human.id,
                human.name,
                due_at,
                task.reminders,
                now,
            )
    for task_id, row in open_rows.items():
        if task_id not in ready_ids:
            row.state = "cancelled"
            row.completed_at = now
            cancel_reminders(session, task_id, now)


def prefill(human: runtime.HumanTask, shared: set[str] | None = None) -> dict[str, object]:
    """What the form shows before submission: its own fields already in the data. For an
    organisation working through her consent (`shared` given), only what she agreed to
    share with it."""
    try:
        fields = load_form(human.form).schema.get("properties", {})
    except NotFound:  # a task without a form has nothing to prefill
        fields = {}
    return {
        k: v
        for k, v in human.data.items()
        if (k in fields or k == "service") and (shared is None or k in shared)
    }


def schedule_reminders(
    session: Session,
    case_id: str,
    organisation_id: int,
    task_id: str | None,
    subject: str,
    due_at: datetime,
    leads: list[str],
    now: datetime,
) -> None:
    """Add the reminders not yet known; a lead time already past is not worth sending."""
    wanted = {
        f"{case_id}:{task_id or subject}:{lead}": (lead, remind_at)
        for lead, remind_at in reminder_times(due_at, leads)
        if remind_at >= now
    }
    if not wanted:
        return
    # A task's reminders are scheduled once, when the task appears: nothing to look up.
    known = (
        set()
        if task_id is not None
        else set(session.scalars(select(Reminder.key).where(Reminder.key.in_(wanted))))
    )
    session.add_all(
        Reminder(
            key=key,
            case_id=case_id,
            task_id=task_id,
            subject=subject,
            lead=lead,
            due_at=due_at,
            remind_at=remind_at,
            organisation_id=organisation_id,
        )
        for key, (lead, remind_at) in wanted.items()
        if key not in known
    )


def cancel_reminders(session: Session, task_id: str, now: datetime) -> None:
    session.execute(
        update(Reminder)
        .where(
            Reminder.task_id == task_id, Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None)
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
