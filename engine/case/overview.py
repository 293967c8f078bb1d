"""Everything the case page shows about one case, read in one go under need to know.

Reading it is audited (through `read_case` and `case_history`). The reflection period
end is compared with the network's standard of at least three months from its start,
so the coordinator sees at once when the law of the host country gives her less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.bpmn.runtime import workflow_data
from engine.case import read_models
from engine.case.access import is_coordinator, visible_case
from engine.case.consents import data_limit
from engine.case.diagram import process_names
from engine.case.store import load_workflow
from engine.db.context import Services
from engine.errors import EngineError
from engine.models import Deadline, Organisation, Task

NETWORK_STANDARD = timedelta(days=90)  # "at least 3 months, better 6"
REFLECTION_END = "reflection_period_end"


@dataclass
class DeadlineView:
    subject: str
    due_at: datetime
    started_on: date | None = None
    standard_end: datetime | None = None
    short_by_days: int = 0


@dataclass
class CaseOverview:
    summary: dict[str, Any]
    stage_name: str | None
    team: list[dict[str, Any]]
    open_tasks: list[dict[str, Any]]
    deadlines: list[DeadlineView]
    languages: list[str]
    history: list[dict[str, Any]]
    task_titles: dict[str, str]
    coordinates: bool
    extra: dict[str, Any] = field(default_factory=dict)


def case_overview(session: Session, services: Services, actor: Actor, case_id: str) -> CaseOverview:
    now = services.now()
    summary = read_models.read_case(session, actor, case_id, now)
    case = visible_case(session, actor, case_id)
    history = read_models.case_history(session, actor, case_id, now)
    names = process_names(case.process_version)
    team = [
        {
            "role": m.role,
            "organisation": m.organisation.name,
            "slug": m.organisation.slug,
            "yours": m.organisation_id == actor.organisation_id,
        }
        for m in sorted(case.team, key=lambda m: (m.role != "coordinator", m.role))
    ]
    tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
    open_tasks = [
        {
            "id": t.id,
            "name": t.name,
            "title": t.title,
            "organisation": t.organisation.name,
            "yours": t.organisation_id == actor.organisation_id,
            "holder": t.claimed_by.username if t.claimed_by else None,
            "due_at": t.due_at,
        }
        for t in sorted(
            (t for t in tasks if t.state == "open"),
            key=lambda t: (t.due_at is None, t.due_at or now, t.created_at),
        )
    ]
    return CaseOverview(
        summary=summary,
        stage_name=names.get(case.stage or "", case.stage),
        team=team,
        open_tasks=open_tasks,
        deadlines=_deadlines(session, services, case.id, tasks),
        languages=_languages(services, case, data_limit(session, case, actor)),
        history=history,
        task_titles={t.name: t.title for t in tasks},
        coordinates=is_coordinator(case, actor),
    )


def _languages(services: Services, case: Any, limit: set[str] | None) -> list[str]:
    if limit is not None and "languages" not in limit:
        return []  # she did not agree to share them with this organisation
    try:
        data = workflow_data(load_workflow(services, case))
    except EngineError:
        return []
    languages = data.get("languages")
    return [str(code) for code in languages] if isinstance(languages, list) else []


def _deadlines(
    session: Session, services: Services, case_id: str, tasks: list[Task]
) -> list[DeadlineView]:
    by_id = {t.id: t for t in tasks}
    views = []
    for deadline in session.scalars(
        select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.due_at)
    ):
        view = DeadlineView(subject=deadline.subject, due_at=deadline.due_at)
        if deadline.subject == REFLECTION_END:
            started = _start_date(services, by_id.get(deadline.set_by_task_id or ""))
            start = (
                datetime.combine(started, datetime.min.time(), deadline.due_at.tzinfo)
                if started
                else deadline.created_at
            )
            view.started_on = started
            view.standard_end = start + NETWORK_STANDARD
            shortfall = view.standard_end - deadline.due_at
            view.short_by_days = max(shortfall.days, 0)
        views.append(view)
    return views


def _start_date(services: Services, task: Task | None) -> date | None:
    """The start date recorded with the decision that set the deadline, if any."""
    if task is None or not task.data:
        return None
    try:
        data = services.cipher.decrypt_json(task.data, task.id) or {}
        return date.fromisoformat(str(data.get("start_date")))
    except (EngineError, ValueError):
        return None


def organisation_names(session: Session) -> dict[str, str]:
    return {o.slug: o.name for o in session.scalars(select(Organisation))}
