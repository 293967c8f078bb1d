"""The guided task list: what an organisation's people should do next, and in what order.

Plain indexed queries on `task` joined to its case (no workflow is loaded). The home
page shows one view at a time — the organisation's open tasks, mine, due soon, overdue —
with counts for each, filters by case, country and task, and a sort order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.models import Case, Task, User

SOON = timedelta(days=3)
VIEWS = ("organisation", "mine", "soon", "overdue")
SORTS = ("due", "case", "task", "newest")


@dataclass(frozen=True)
class WorkItem:
    id: str
    name: str
    title: str
    case_id: str
    reference: str
    host_country: str
    created_at: datetime
    due_at: datetime | None
    holder: str | None
    mine: bool


@dataclass(frozen=True)
class Filters:
    view: str = "organisation"
    case: str | None = None
    country: str | None = None
    task: str | None = None
    sort: str = "due"

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        view = args.get("view") if args.get("view") in VIEWS else "organisation"
        sort = args.get("sort") if args.get("sort") in SORTS else "due"
        return cls(
            view=view,
            case=(args.get("case") or "").strip().upper() or None,
            country=(args.get("country") or "").strip().upper() or None,
            task=(args.get("task") or "").strip() or None,
            sort=sort,
        )


def _view_clause(view: str, actor: Actor, now: datetime) -> ColumnElement[bool] | None:
    if view == "mine":
        return Task.claimed_by_id == actor.user_id
    if view == "soon":
        return Task.due_at.is_not(None) & (Task.due_at >= now) & (Task.due_at < now + SOON)
    if view == "overdue":
        return Task.due_at.is_not(None) & (Task.due_at < now)
    return None


def _open_tasks_of(actor: Actor) -> Any:  # a Select of (Task, reference, country, holder)
    return (
        select(Task, Case.reference, Case.host_country, User.username)
        .join(Case, Case.id == Task.case_id)
        .outerjoin(User, User.id == Task.claimed_by_id)
        .where(Task.organisation_id == actor.organisation_id, Task.state == "open")
    )


def guided_tasks(
    session: Session, actor: Actor, now: datetime, filters: Filters, limit: int = 200
) -> list[WorkItem]:
    query = _open_tasks_of(actor)
    clause = _view_clause(filters.view, actor, now)
    if clause is not None:
        query = query.where(clause)
    if filters.case:
        query = query.where(Case.reference == filters.case)
    if filters.country:
        query = query.where(Case.host_country == filters.country)
    if filters.task:
        query = query.where(Task.name == filters.task)
    by_due = (Task.due_at.is_(None), Task.due_at, Task.created_at)
    order = {
        "due": by_due,
        "case": (Case.reference, *by_due),
        "task": (Task.title, *by_due),
        "newest": (Task.created_at.desc(),),
    }[filters.sort]
    rows = session.execute(query.order_by(*order, Task.id).limit(limit)).all()
    return [
        WorkItem(
            id=task.id,
            name=task.name,
            title=task.title,
            case_id=task.case_id,
            reference=reference,
            host_country=country,
            created_at=task.created_at,
            due_at=task.due_at,
            holder=holder,
            mine=task.claimed_by_id == actor.user_id,
        )
        for task, reference, country, holder in rows
    ]


def view_counts(session: Session, actor: Actor, now: datetime) -> dict[str, int]:
    """How many open tasks each view holds, for the tabs."""
    base = (
        select(func.count())
        .select_from(Task)
        .where(Task.organisation_id == actor.organisation_id, Task.state == "open")
    )
    counts = {}
    for view in VIEWS:
        clause = _view_clause(view, actor, now)
        counts[view] = session.scalar(base.where(clause) if clause is not None else base) or 0
    return counts


def filter_choices(session: Session, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """The cases, countries and tasks that occur in the organisation's open tasks."""
    rows = session.execute(
        select(Case.reference, Case.host_country, Task.name, Task.title)
        .join(Case, Case.id == Task.case_id)
        .where(Task.organisation_id == actor.organisation_id, Task.state == "open")
        .distinct()
    ).all()
    return {
        "case": sorted({(r.reference, r.reference) for r in rows}),
        "country": sorted({(r.host_country, r.host_country) for r in rows}),
        "task": sorted({(r.name, r.title) for r in rows}, key=lambda pair: pair[1]),
    }


def next_task_in_case(session: Session, actor: Actor, case_id: str) -> Task | None:
    """Where the guided list goes after a submission: the organisation's next open task
    in the same case that nobody else holds, the most urgent first."""
    return session.scalar(
        select(Task)
        .where(
            Task.case_id == case_id,
            Task.organisation_id == actor.organisation_id,
            Task.state == "open",
            (Task.claimed_by_id.is_(None)) | (Task.claimed_by_id == actor.user_id),
        )
        .order_by(Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id)
        .limit(1)
    )
