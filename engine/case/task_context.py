"""What a task's page shows beside its form: the case's values its instructions name, and
the answers of earlier steps it needs ("review the new information" shows it).

Values are read from the task's own data in the workflow (what it inherited: decision
table outputs such as `reflection_days`, the service of a care-plan task) and limited
by the same access policy as the case file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.bpmn import runtime
from engine.bpmn.placeholders import names_in
from engine.case.profile import decrypt_profile, languages
from engine.case.record import Step, case_record
from engine.case.store import load_workflow
from engine.case.visibility import case_view
from engine.db.context import Services
from engine.errors import EngineError
from engine.models import Task

# Earlier steps whose answers a task needs in front of it (JOURNEY.md, corrections 3 and
# 4: the police input stays visible; an alert shows what was reported).
NEEDS_STEPS: dict[str, tuple[str, ...]] = {
    "risk_assessment": ("police_risk_input",),
    "review_identification": ("record_first_contact",),
    "safety_plan": ("risk_assessment", "police_risk_input"),
    "decide_after_reflection": ("grant_reflection_period",),
    "request_extension": ("grant_reflection_period",),
    "appeal": ("residence_decision",),
    "her_decision": ("risk_assessment",),
    "arrange_travel": ("safety_plan", "return_needs_assessment"),
    "return_needs_assessment": ("referral_consent",),
}
# Messages whose payload a task is about: (the message's form, its data's name).
NEEDS_MESSAGE: dict[str, str] = {"review_identification": "new_information"}


@dataclass
class TaskContext:
    values: dict[str, Any] = field(default_factory=dict)  # placeholder name → value
    earlier: list[Step] = field(default_factory=list)
    # What a message reported (e.g. the new information under review): form name → data.
    reported: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Her languages, best first, where the reader may see them: forms start from them.
    languages: list[str] = field(default_factory=list)


def task_context(
    session: Session, services: Services, actor: Actor, task: Task, instructions: str
) -> TaskContext:
    """The values `instructions` names and the earlier steps `task` needs, as the actor
    may see them. The caller has checked the actor may open the task."""
    names = names_in(instructions)
    needed = NEEDS_STEPS.get(task.name, ())
    message = NEEDS_MESSAGE.get(task.name)
    case = task.case_file
    tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
    view = case_view(actor, case, tasks, services.now())
    context = TaskContext()
    if view.shows_field("languages"):
        with contextlib.suppress(EngineError):  # erased: nothing to start from
            context.languages = languages(decrypt_profile(services, case) or {})
    if names or message:
        data = _task_data(services, task)
        context.values = {n: data.get(n) for n in names if view.shows_field(n)}
        payload = data.get(message) if message else None
        if message and isinstance(payload, dict):
            context.reported[message] = {k: v for k, v in payload.items() if view.shows_field(k)}
    if needed:
        found = case_record(session, services, actor, case.id, audit=False)
        newest: dict[str, Step] = {}
        for step in found.steps:
            if step.name in needed:
                newest[step.name] = step
        context.earlier = [newest[n] for n in needed if n in newest]
    return context


def _task_data(services: Services, task: Task) -> dict[str, Any]:
    try:
        workflow = load_workflow(services, task.case_file)
    except EngineError:
        return {}
    try:
        return runtime.task_data(workflow, task.id)
    except EngineError:  # done and pruned since: the case's newest data says the same
        return dict(runtime.workflow_data(workflow))
