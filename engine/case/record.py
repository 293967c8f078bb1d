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
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn.runtime import workflow_data
from engine.case import visibility as parts
from engine.case.store import load_workflow
from engine.case.visibility import CaseView, case_view
from engine.db.context import Services
from engine.errors import EngineError, NotFound
from engine.models import AuditEvent, Case, Organisation, Task, User
from forms.registry import form_names, load_form

START_FORM = "record_first_contact"
ALERT_TASK = "respond_to_alert"
SERVICE_TASK = "provide_service"

# Which part of her file each step belongs to; a step not named here is only listed
# among the completed steps.
STEP_PARTS: dict[str, str] = {
    **dict.fromkeys(
        (START_FORM, "review_identification", "new_information", "child_protection_referral",
         "appoint_guardian"),
        parts.ABOUT,
    ),
    **dict.fromkeys(
        ("non_punishment_check", "non_punishment_notice", "inform_rights",
         "request_reflection_period", "grant_reflection_period", "request_extension",
         "decide_after_reflection", "apply_residence_permit", "residence_decision", "appeal",
         "renew_residence_permit"),
        parts.LEGAL,
    ),
    **dict.fromkeys(("assess_needs", SERVICE_TASK, "review_care_plan"), parts.CARE_PLAN),
    **dict.fromkeys(
        ("immediate_safety", "police_risk_input", "risk_assessment", "safety_plan",
         "witness_protection", "procedural_adaptations", "protection_needed"),
        parts.SAFETY,
    ),
    **dict.fromkeys(
        ("her_decision", "select_return_partner", "referral_consent", "accept_referral",
         "return_needs_assessment", "arrange_travel", "arrival_reception",
         "follow_up_3_months", "follow_up_6_months", "integration_support", "transfer_case"),
        parts.RETURN,
    ),
    **dict.fromkeys(
        ("inform_compensation_rights", "choose_compensation_route", "court_claim",
         "state_fund_application", "fund_decision"),
        parts.COMPENSATION,
    ),
    ALERT_TASK: parts.ALERTS,
}  # fmt: skip
# Values decided by the diagram's decision tables rather than typed into a form.
DECIDED_FIELDS: dict[str, str] = {"risk_level": parts.SAFETY}


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

    def latest(self, part: str) -> list[Step]:
        """The newest answer of each step of a part, in the order they were first given."""
        newest: dict[str, Step] = {}
        for step in self.steps:
            if step.part == part and step.name != SERVICE_TASK:
                newest.pop(step.name, None)
                newest[step.name] = step
        return list(newest.values())


@cache
def field_parts() -> dict[str, tuple[str, str]]:
    """Recorded field name → (the form that first asks it, the part it belongs to)."""
    found: dict[str, tuple[str, str]] = {}
    for name in [START_FORM, *form_names()]:
        part = STEP_PARTS.get(name)
        if part is None:
            continue
        for prop in load_form(name).schema.get("properties", {}):
            found.setdefault(prop, (name, part))
    return found


def field_part(name: str) -> str | None:
    if name in DECIDED_FIELDS:
        return DECIDED_FIELDS[name]
    known = field_parts().get(name)
    return known[1] if known else None


def case_record(
    session: Session, services: Services, actor: Actor, case_id: str, audit: bool = True
) -> CaseRecord:
    """Her case file as the actor may see it; NotFound for a case it may not see. The
    read is recorded in the audit trail (in the caller's unit of work) unless the caller
    recorded it already (the case page, which reads the overview too)."""
    case = session.get(Case, case_id) if isinstance(case_id, str) else None
    tasks = (
        list(session.scalars(select(Task).where(Task.case_id == case_id)))
        if case is not None
        else []
    )
    view = case_view(actor, case, tasks) if case is not None else parts.NOTHING
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
    steps = _steps(session, services, actor, view, case, tasks, data)
    return CaseRecord(
        case=case,
        view=view,
        fields=fields,
        steps=steps,
        services=_open_items(services, view, actor, tasks, SERVICE_TASK, parts.CARE_PLAN),
        alerts=_open_items(services, view, actor, tasks, ALERT_TASK, parts.ALERTS),
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
) -> list[Step]:
    steps: list[Step] = []
    done_by = _usernames(session, {t.completed_by_id for t in tasks if t.completed_by_id})
    if view.shows(parts.ABOUT):
        steps.append(first_contact_step(session, case, data, view))
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


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {user_id: username for user_id, username in rows}


def first_contact_step(session: Session, case: Case, data: dict[str, Any], view: CaseView) -> Step:
    """The start form is no task: its answers are the case's first data, and who gave
    them is the `case.opened` event."""
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
