"""Her case file: what has been recorded about her, read back under need to know.

The case page showed reference and stage while everything typed at first contact and in
every step stayed locked in the workflow. `case_record` reads it back in one go: the
current value of each recorded field (from the workflow's data), every completed step
with who, when and its answers (from the task index), and the parts of the file they
belong to. What the reader may see is decided once, by `visibility.case_view`: a part
it does not show is left out, and so is every field it does not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn.runtime import workflow_data
from engine.case import corrections
from engine.case import visibility as parts
from engine.case.recorded_fields import (
    ALERT_TASK,
    SERVICE_TASK,
    START_FORM,
    STEP_PARTS,
    field_part,
)
from engine.case.store import load_workflow
from engine.case.visibility import CaseView, case_view
from engine.db.context import Services
from engine.errors import EngineError, NotFound
from engine.models import AuditEvent, Case, Organisation, Task, User
from forms.registry import load_form


@dataclass
class Step:
    """A completed step (or the first contact that opened the case) and its answers."""

    task_id: str | None
    name: str
    title: str
    form: str | None
    organisation: str | None  # slug
    organisation_name: str | None
    completed_by: str | None  # username
    completed_at: datetime | None
    data: dict[str, Any]
    part: str | None


@dataclass
class OpenItem:
    """An open task shown in a part of the file: a planned service, an alert."""

    task_id: str
    name: str
    title: str
    organisation_name: str
    state: str
    due_at: datetime | None
    created_at: datetime
    data: dict[str, Any]


@dataclass
class CaseRecord:
    case: Case
    view: CaseView
    fields: dict[str, Any]
    steps: list[Step]  # completed steps, oldest first, the first contact first
    services: list[OpenItem] = field(default_factory=list)
    alerts: list[OpenItem] = field(default_factory=list)  # open ones first
    corrections: list[Any] = field(default_factory=list)  # corrections.Correction, oldest first

    def latest(self, part: str) -> list[Step]:
        """The newest answer of each step of a part, in the order they were first given."""
        newest: dict[str, Step] = {}
        for step in self.steps:
            if step.part == part and step.name != SERVICE_TASK:
                newest.pop(step.name, None)
                newest[step.name] = step
        return list(newest.values())


@dataclass
class ReadAlready:
    """Rows the caller has read for the same page (the case page's overview), so that the
    file costs no second query for them: the case, all its tasks, its timeline."""

    case: Case
    tasks: list[Task]
    history: list[dict[str, Any]]


def case_record(
    session: Session,
    services: Services,
    actor: Actor,
    case_id: str,
    audit: bool = True,
    read: ReadAlready | None = None,
) -> CaseRecord:
    """Her case file as the actor may see it; NotFound for a case it may not see. The
    read is recorded in the audit trail (in the caller's unit of work) unless the caller
    recorded it already (the case page, which reads the overview too)."""
    case: Case | None
    if read is not None:
        case, tasks = read.case, read.tasks
    else:
        case = session.get(Case, case_id) if isinstance(case_id, str) else None
        tasks = (
            list(session.scalars(select(Task).where(Task.case_id == case_id)))
            if case is not None
            else []
        )
    view = case_view(actor, case, tasks, services.now()) if case is not None else parts.NOTHING
    if case is None or not view.parts:
        raise NotFound("no such case")
    if audit:
        record(session, actor, "case.viewed", services.now(), case.id, part="record")
    data = _case_data(services, case)
    fields = {
        name: value
        for name, value in data.items()
        if (part := field_part(name)) is not None and view.shows(part) and view.shows_field(name)
    }
    corrected = corrections.corrections_of(session, services, case.id)
    # The first contact as it was recorded: each corrected value as it was first given.
    as_given = dict(data)
    for c in reversed(corrected):
        if c.old is None:
            as_given.pop(c.field, None)
        else:
            as_given[c.field] = c.old
    history = read.history if read is not None else None
    steps = _steps(session, services, actor, view, case, tasks, as_given, history)
    return CaseRecord(
        case=case,
        view=view,
        fields=fields,
        steps=steps,
        services=_open_items(services, view, actor, tasks, SERVICE_TASK, parts.CARE_PLAN),
        alerts=_open_items(services, view, actor, tasks, ALERT_TASK, parts.ALERTS),
        corrections=[
            c
            for c in corrected
            if (part := field_part(c.field)) and view.shows(part) and view.shows_field(c.field)
        ],
    )


def _case_data(services: Services, case: Case) -> dict[str, Any]:
    try:
        return dict(workflow_data(load_workflow(services, case)))
    except EngineError:
        return {}  # erased under the retention rules: nothing left to show


def _visible_data(view: CaseView, data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if view.shows_field(k)}


def _decrypt(services: Services, task: Task) -> dict[str, Any]:
    if not task.data:
        return {}
    try:
        value = services.cipher.decrypt_json(task.data, task.id)
    except (EngineError, ValueError):
        return {}
    return dict(value) if isinstance(value, dict) else {}


def _steps(
    session: Session,
    services: Services,
    actor: Actor,
    view: CaseView,
    case: Case,
    tasks: list[Task],
    data: dict[str, Any],
    history: list[dict[str, Any]] | None = None,
) -> list[Step]:
    steps: list[Step] = []
    done_by: dict[int | None, str]
    if history is not None:  # who completed each task, from the timeline already read
        by_task = {
            e["detail"].get("task_id"): e["by"]
            for e in history
            if e["action"] == "task.completed" and isinstance(e.get("detail"), dict)
        }
        done_by = {t.completed_by_id: by_task[t.id] for t in tasks if t.id in by_task}
    else:
        done_by = _usernames(session, {t.completed_by_id for t in tasks if t.completed_by_id})
    if view.shows(parts.ABOUT):
        steps.append(first_contact_step(session, case, data, view, history))
    for task in sorted(
        (t for t in tasks if t.state == "completed"),
        key=lambda t: (t.completed_at or t.created_at, t.id),
    ):
        part = STEP_PARTS.get(task.name)
        if not view.shows(parts.STEPS) and not (part and view.shows(part)):
            continue
        if view.own_tasks_only and task.organisation_id != actor.organisation_id:
            continue
        steps.append(
            Step(
                task_id=task.id,
                name=task.name,
                title=task.title,
                form=task.form,
                organisation=task.organisation.slug,
                organisation_name=task.organisation.name,
                completed_by=done_by.get(task.completed_by_id or 0),
                completed_at=task.completed_at,
                data=_visible_data(view, _decrypt(services, task)),
                part=part if part and view.shows(part) else None,
            )
        )
    return steps


def _usernames(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {user_id: username for user_id, username in rows}


def first_contact_step(
    session: Session,
    case: Case,
    data: dict[str, Any],
    view: CaseView,
    history: list[dict[str, Any]] | None = None,
) -> Step:
    """The start form is no task: its answers are the case's first data, and who gave
    them is the `case.opened` event (from `history` when the caller has read it)."""
    opened: Any = None
    if history is not None:
        event = next((e for e in history if e["action"] == "case.opened"), None)
        if event is not None:
            opened = SimpleNamespace(
                at=datetime.fromisoformat(event["at"]),
                username=None if event["by"] == "system" else event["by"],
                slug=event["organisation"],
                name=event.get("organisation_name"),
            )
    else:
        opened = session.execute(
            select(AuditEvent.at, User.username, Organisation.slug, Organisation.name)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .outerjoin(Organisation, Organisation.id == AuditEvent.organisation_id)
            .where(AuditEvent.case_id == case.id, AuditEvent.action == "case.opened")
            .limit(1)
        ).first()
    form = load_form(START_FORM)
    asked = form.schema.get("properties", {})
    return Step(
        task_id=None,
        name=START_FORM,
        title=form.title,
        form=START_FORM,
        organisation=opened.slug if opened else None,
        organisation_name=opened.name if opened else None,
        completed_by=opened.username if opened else None,
        completed_at=opened.at if opened else case.created_at,
        data=_visible_data(view, {k: v for k, v in data.items() if k in asked}),
        part=parts.ABOUT,
    )


def _open_items(
    services: Services,
    view: CaseView,
    actor: Actor,
    tasks: list[Task],
    name: str,
    part: str,
) -> list[OpenItem]:
    if not view.shows(part):
        return []
    items = [
        OpenItem(
            task_id=t.id,
            name=t.name,
            title=t.title,
            organisation_name=t.organisation.name,
            state=t.state,
            due_at=t.due_at,
            created_at=t.created_at,
            data=_visible_data(view, _decrypt(services, t)),
        )
        for t in tasks
        if t.name == name
        and t.state != "cancelled"
        and not (view.own_tasks_only and t.organisation_id != actor.organisation_id)
    ]
    # Open items first, the oldest of them at the top; then the rest, newest first.
    open_items = sorted((i for i in items if i.state == "open"), key=lambda i: i.created_at)
    done = sorted((i for i in items if i.state != "open"), key=lambda i: i.created_at)
    return open_items + done[::-1]
