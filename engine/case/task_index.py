"""The task index: one row per human task, kept in step with the workflow on every save.

Newly ready tasks are indexed with their organisation (from the case team), due date,
reminders and prefilled data; indexed tasks the workflow dropped are cancelled.
"""

from __future__ import annotations

import json
from datetime import datetime

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.bpmn import runtime
from engine.case.alerts import ALERT_TASK, announce_alert
from engine.case.consents import shared_fields
from engine.case.visibility import CARE_ROLE, COORDINATOR
from engine.db.context import Services
from engine.errors import NotFound
from engine.models import Case, Deadline, Reminder, Task
from engine.schedule.deadlines import (
    DEFAULT_TASK_REMINDERS,
    as_utc,
    parse_duration,
    task_due_at,
)
from engine.schedule.reminders import cancel_reminders, schedule_reminders
from forms.registry import load_form


def sync_tasks(session: Session, services: Services, case: Case, workflow: BpmnWorkflow) -> None:
    """Index newly ready human tasks; mark indexed tasks the workflow dropped as cancelled."""
    with session.no_autoflush:
        _sync_tasks(session, services, case, workflow)
    session.flush()


def _sync_tasks(session: Session, services: Services, case: Case, workflow: BpmnWorkflow) -> None:
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
        due_at = due_at_for(session, case, human, now)
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
            needs=list(human.needs),
        )
        # Who works on her care reads its form's fields; an agency or a partner only what
        # its task needs and what she consented to share with it (visibility.py).
        care = task.role in (COORDINATOR, CARE_ROLE) or task.organisation_id == coordinator
        shared = (
            None
            if care
            else set(human.needs) | shared_fields(session, case.id, task.organisation_id)
        )
        task.data = services.cipher.encrypt(
            json.dumps(prefill(human, shared), default=str).encode(), human.id
        )
        session.add(task)
        if human.name == ALERT_TASK:
            announce_alert(session, case, task, now)
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


def redate_before_deadlines(
    session: Session, case: Case, workflow: BpmnWorkflow, subjects: set[str], now: datetime
) -> None:
    """A legal date was just recorded or moved: open tasks due before it take their due
    date from it (a permit application opened before the period's end was known), and
    their reminders follow. Reminders already sent stay sent."""
    session.flush()  # the date recorded in this transaction
    for row in session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "open")):
        try:
            human = runtime.human_task(workflow, row.id)
        except NotFound:
            continue
        if human.due_before is None or human.due_before[0] not in subjects:
            continue
        due_at = due_at_for(session, case, human, as_utc(row.created_at))
        if due_at is None or (row.due_at is not None and as_utc(row.due_at) == due_at):
            continue
        redate_task(session, row, due_at, now)


def redate_task(session: Session, task: Task, due_at: datetime | None, now: datetime) -> None:
    """Give an open task a new due time; its reminders not sent yet follow it (those
    already sent stay sent, each lead time reminds once)."""
    task.due_at = due_at
    session.execute(delete(Reminder).where(Reminder.task_id == task.id, Reminder.sent_at.is_(None)))
    if due_at is None:
        return
    sent = set(session.scalars(select(Reminder.lead).where(Reminder.task_id == task.id)))
    leads = [lead for lead in task.reminders or [] if lead not in sent]
    schedule_reminders(
        session, task.case_id, task.organisation_id, task.id, task.name, due_at, leads, now
    )


def due_at_for(
    session: Session, case: Case, human: runtime.HumanTask, since: datetime
) -> datetime | None:
    """When a task that opened at `since` is due: its own due rules, and at the latest
    its lead time before the legal date it comes before."""
    return _before_deadline(session, case, human, task_due_at(since, human.due, human.due_date))


def _before_deadline(
    session: Session, case: Case, human: runtime.HumanTask, due_at: datetime | None
) -> datetime | None:
    """A task due before a legal date of the case (a permit applied for before the
    reflection period ends) is due that lead time before it, when the date is known."""
    if human.due_before is None:
        return due_at
    subject, lead = human.due_before
    deadline = session.scalar(
        select(Deadline.due_at).where(Deadline.case_id == case.id, Deadline.subject == subject)
    )
    if deadline is None:
        return due_at
    latest = as_utc(deadline) - parse_duration(lead)
    return latest if due_at is None else min(due_at, latest)


def prefill(human: runtime.HumanTask, shared: set[str] | None = None) -> dict[str, object]:
    """What the form shows before submission: its own fields already in the data. For an
    agency or a partner (`shared` given), only the fields it may see, whether its form
    asks for them or not: a partner's task receives what she consented to share."""
    if shared is not None:
        return {k: v for k, v in human.data.items() if k in shared or k == "service"}
    try:
        fields = load_form(human.form).schema.get("properties", {})
    except NotFound:  # a task without a form has nothing to prefill
        fields = {}
    return {k: v for k, v in human.data.items() if k in fields or k == "service"}
