"""The guided task list: what an organisation's people should do next, and in what order.

Plain indexed queries on `task` joined to its case (no workflow is loaded). The home
page shows one view at a time — the organisation's open tasks, mine, due soon, overdue —
with counts for each, filters by case reference, country and task, a sort order, and
pages of 50. Every query starts from the organisation's open tasks (or the person's own)
through their indexes, so the page costs about the same at 100,000 cases as at 100; the
filters never list the cases themselves (a search box takes the reference instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.models import Case, Organisation, Task, User

SOON = timedelta(days=3)
VIEWS = ("organisation", "mine", "soon", "overdue")
SORTS = ("due", "case", "task", "newest")
PAGE_SIZE = 50


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
class WorkPage:
    """One page of the list, and whether another follows."""

    items: list[WorkItem]
    number: int
    has_next: bool


@dataclass(frozen=True)
class Filters:
    view: str = "organisation"
    case: str | None = None  # the start of a case reference, as typed in the search box
    country: str | None = None
    task: str | None = None
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        view = args.get("view") if args.get("view") in VIEWS else "organisation"
        sort = args.get("sort") if args.get("sort") in SORTS else "due"
        page = args.get("page") or ""
        return cls(
            view=view,
            case=(args.get("case") or "").strip().upper()[:20] or None,
            country=(args.get("country") or "").strip().upper() or None,
            task=(args.get("task") or "").strip() or None,
            sort=sort,
            page=min(int(page), 10_000) if page.isdigit() and int(page) > 0 else 1,
        )


def _view_clause(view: str, actor: Actor, now: datetime) -> ColumnElement[bool] | None:
    if view == "mine":
        return Task.claimed_by_id == actor.user_id
    if view == "soon":
        return Task.due_at.is_not(None) & (Task.due_at >= now) & (Task.due_at < now + SOON)
    if view == "overdue":
        return Task.due_at.is_not(None) & (Task.due_at < now)
    return None


def _open_tasks_of(actor: Actor) -> ColumnElement[bool]:
    return (Task.organisation_id == actor.organisation_id) & (Task.state == "open")


def guided_tasks(
    session: Session, actor: Actor, now: datetime, filters: Filters, size: int = PAGE_SIZE
) -> WorkPage:
    """One page of the view, most urgent first (or in the chosen order).

    The page's task ids are found first, from the task table alone where the order
    allows (its indexes give the due and newest orders without sorting), then only
    those tasks are read with their case and holder."""
    query = select(Task.id).where(_open_tasks_of(actor))
    clause = _view_clause(filters.view, actor, now)
    if clause is not None:
        query = query.where(clause)
    if filters.case or filters.country or filters.sort == "case":
        query = query.join(Case, Case.id == Task.case_id)
    if filters.case:
        query = query.where(Case.reference.startswith(filters.case, autoescape=True))
    if filters.country:
        query = query.where(Case.host_country == filters.country)
    if filters.task:
        query = query.where(Task.name == filters.task)
    offset = (filters.page - 1) * size
    ids = _page_of_ids(session, query, filters.sort, offset, size + 1)
    return WorkPage(_work_items(session, actor, ids[:size]), filters.page, len(ids) > size)


def _page_of_ids(session: Session, query: Any, sort: str, offset: int, limit: int) -> list[str]:
    if sort == "due":
        return _by_due(session, query, offset, limit)
    if sort == "case":
        # The organisation's matching tasks with their references first, then sorted: left
        # to itself, PostgreSQL walks every case in reference order hoping to fill the page
        # early, through tens of thousands of other organisations' cases.
        rows = (
            query.add_columns(Case.reference, Task.due_at, Task.created_at)
            .cte("matching")
            .prefix_with("MATERIALIZED")
        )
        by_case = select(rows.c.id).order_by(
            rows.c.reference, rows.c.due_at.is_(None), rows.c.due_at, rows.c.created_at, rows.c.id
        )
        return list(session.scalars(by_case.offset(offset).limit(limit)))
    order = {
        "task": (Task.title, Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id),
        "newest": (Task.created_at.desc(), Task.id.desc()),
    }[sort]
    return list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))


def _by_due(session: Session, query: Any, offset: int, limit: int) -> list[str]:
    """Tasks with a due date, soonest first, then those without, oldest first: two
    reads in index order (a single ORDER BY with the undated last would sort them all)."""
    dated = query.where(Task.due_at.is_not(None))
    ids = list(
        session.scalars(
            dated.order_by(Task.due_at, Task.created_at, Task.id).offset(offset).limit(limit)
        )
    )
    if len(ids) == limit:
        return ids
    if ids or offset == 0:
        dated_count = offset + len(ids)
    else:  # the page starts among the undated: count the dated ones before them
        counted = select(func.count()).select_from(dated.subquery())
        dated_count = session.scalar(counted) or 0
    undated = query.where(Task.due_at.is_(None)).order_by(Task.created_at, Task.id)
    ids += session.scalars(undated.offset(max(0, offset - dated_count)).limit(limit - len(ids)))
    return ids


def _work_items(session: Session, actor: Actor, ids: list[str]) -> list[WorkItem]:
    if not ids:
        return []
    rows = session.execute(
        select(
            Task.id,
            Task.name,
            Task.title,
            Task.case_id,
            Case.reference,
            Case.host_country,
            Task.created_at,
            Task.due_at,
            User.username,
            Task.claimed_by_id,
        )
        .join(Case, Case.id == Task.case_id)
        .outerjoin(User, User.id == Task.claimed_by_id)
        .where(Task.id.in_(ids))
    ).all()
    by_id = {
        row.id: WorkItem(
            id=row.id,
            name=row.name,
            title=row.title,
            case_id=row.case_id,
            reference=row.reference,
            host_country=row.host_country,
            created_at=row.created_at,
            due_at=row.due_at,
            holder=row.username,
            mine=row.claimed_by_id == actor.user_id,
        )
        for row in rows
    }
    return [by_id[task_id] for task_id in ids if task_id in by_id]


def view_counts(session: Session, actor: Actor, now: datetime) -> dict[str, int]:
    """How many open tasks each view holds, for the tabs: each a count over a range of
    one index (the organisation's open tasks by due time, or the person's own)."""
    counts = {}
    for view in VIEWS:
        clause = _view_clause(view, actor, now)
        query = select(func.count()).select_from(Task).where(_open_tasks_of(actor))
        counts[view] = session.scalar(query.where(clause) if clause is not None else query) or 0
    return counts


def filter_choices(session: Session, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """The countries of the directory and the tasks among the organisation's open ones.
    Cases are not listed: there may be thousands (the page has a search box instead)."""
    countries = session.scalars(select(Organisation.country).distinct())
    # The distinct names come from the index alone; a title is then read once per name.
    names = select(Task.name).where(_open_tasks_of(actor)).distinct().subquery()
    title = (
        select(Task.title)
        .where(_open_tasks_of(actor), Task.name == names.c.name)
        .limit(1)
        .scalar_subquery()
    )
    tasks = session.execute(select(names.c.name, title)).all()
    return {
        "country": sorted((country, country) for country in countries),
        "task": sorted(((name, title) for name, title in tasks), key=lambda pair: pair[1]),
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
