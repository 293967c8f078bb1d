"""Read models: task lists, case lists, a case's summary and history.

Every list is a plain indexed query on the `task`/`case_file` tables filtered by need
to know; no workflow is loaded to answer them. Reading a case is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.access import (
    case_and_view,
    sees_few_cases,
    tries_test_case,
    visible_by_probe,
    visible_case_ids,
    visible_task,
)
from engine.case.visibility import DEADLINES, TASKS, TEAM, TIMELINE, CaseView, case_view
from engine.crypto import Cipher
from engine.errors import InvalidData
from engine.models import AuditEvent, Case, Deadline, Organisation, Task, User
from engine.pagination import Page, after_cursor, iso, next_cursor, page_size
from forms.registry import load_form

SOON = timedelta(days=3)


def task_summary(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "name": task.name,
        "title": task.title,
        "case_id": task.case_id,
        "role": task.role,
        "organisation": task.organisation.slug,
        "assignee": task.claimed_by.username if task.claimed_by else None,
        "state": task.state,
        "created_at": iso(task.created_at),
        "due_at": iso(task.due_at),
    }


def list_tasks(
    session: Session,
    actor: Actor,
    now: datetime,
    scope: str | None = None,
    state: str | None = "open",
    due: str | None = None,
    case_id: str | None = None,
    limit: Any = None,
    cursor: str | None = None,
) -> Page:
    """The organisation's (or the caller's own) tasks, oldest first: read in order from
    the index on (organisation or holder, state, created_at), a page at a time. Only of
    cases the caller still sees: a task it completed on a case it has lost (withdrawal,
    closing, a consent's end) is no longer listed."""
    query = select(Task)
    if scope in (None, "", "organisation"):
        query = query.where(Task.organisation_id == actor.organisation_id)
    elif scope == "mine":
        query = query.where(Task.claimed_by_id == actor.user_id)
    else:
        raise InvalidData("bad scope", {"scope": "Use 'mine' or 'organisation'"})
    if state not in (None, ""):
        if state not in ("open", "completed", "cancelled"):
            raise InvalidData("bad state", {"state": "Use open, completed or cancelled"})
        query = query.where(Task.state == state)
    if due == "overdue":
        query = query.where(Task.due_at < now)
    elif due == "soon":
        query = query.where(Task.due_at >= now, Task.due_at < now + SOON)
    elif due not in (None, ""):
        raise InvalidData("bad due filter", {"due": "Use 'overdue' or 'soon'"})
    if case_id:
        query = query.where(Task.case_id == case_id)
    size = page_size(limit)
    if cursor:
        query = query.where(after_cursor(Task.created_at, Task.id, cursor))
    rows = _visible_in_order(session, actor, now, query, size + 1)
    return Page([task_summary(t) for t in rows[:size]], next_cursor(rows, size))


def _visible_in_order(
    session: Session, actor: Actor, now: datetime, query: Select[Any], wanted: int
) -> list[Task]:
    """The first `wanted` tasks of `query` in index order whose case the caller still
    sees. Each batch's cases are probed, rather than joining the tasks to every case the
    organisation sees: a coordinator sees thousands, a page needs fifty."""
    rows: list[Task] = []
    while len(rows) < wanted:
        batch: list[Task] = list(
            session.scalars(query.order_by(Task.created_at, Task.id).limit(wanted))
        )
        if not batch:
            break
        case_ids = {t.case_id for t in batch}
        seen = set(
            session.scalars(
                select(Case.id).where(Case.id.in_(case_ids), visible_by_probe(actor, now))
            )
        )
        rows += [t for t in batch if t.case_id in seen]
        if len(batch) < wanted:
            break
        last = batch[-1]
        query = query.where(
            or_(
                Task.created_at > last.created_at,
                and_(Task.created_at == last.created_at, Task.id > last.id),
            )
        )
    return rows[:wanted]


def task_detail(
    session: Session, cipher: Cipher, actor: Actor, task_id: str, now: datetime
) -> dict[str, Any]:
    task = visible_task(session, actor, task_id, now)
    detail = task_summary(task)
    form = load_form(task.form)
    detail["form"] = {"name": form.name, "schema": form.schema, "ui_schema": form.ui_schema}
    # Only the organisation holding the task reads what it holds.
    own = task.organisation_id == actor.organisation_id or tries_test_case(actor, task.case_file)
    detail["data"] = cipher.decrypt_json(task.data, task.id) if own and task.data else {}
    detail["completed_at"] = iso(task.completed_at)
    record(session, actor, "task.viewed", now, task.case_id, task=task.name)  # caller commits
    return detail


def case_summary(
    session: Session,
    case: Case,
    tasks: list[Task] | None = None,
    deadlines: list[Deadline] | None = None,
    view: CaseView | None = None,
) -> dict[str, Any]:
    """The case as the API shows it; `tasks` (all of the case's) and `deadlines` (by due
    date) when the caller has read them already, so they are not queried again. With a
    `view`, only what it shows (engine/case/visibility.py); without, all of it (for the
    caller that just wrote the case, and so coordinates or holds the task)."""
    if tasks is None:
        tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
    open_tasks = sorted((t for t in tasks if t.state == "open"), key=lambda t: t.created_at)
    if view is not None:
        open_tasks = [t for t in open_tasks if view.shows(TASKS) and view.shows_task(t)]
        deadlines = deadlines if view.shows(DEADLINES) else []
    if deadlines is None:
        deadlines = list(
            session.scalars(
                select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.due_at)
            )
        )
    return {
        "id": case.id,
        "reference": case.reference,
        "status": case.status,
        "stage": case.stage,
        "host_country": case.host_country,
        "process": {"id": case.process_version.process_id, "version": case.process_version.version},
        "team": (
            {m.role: m.organisation.slug for m in sorted(case.team, key=lambda m: m.role)}
            if view is None or view.shows(TEAM)
            else {}
        ),
        "open_tasks": [
            {
                k: v
                for k, v in task_summary(t).items()
                if k in ("id", "name", "title", "organisation", "state", "due_at", "assignee")
            }
            for t in open_tasks
        ],
        "deadlines": [{"subject": d.subject, "due_at": iso(d.due_at)} for d in deadlines],
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "closed_at": iso(case.closed_at),
        "test": case.is_test,
    }


def case_summary_for(session: Session, actor: Actor, case: Case, now: datetime) -> dict[str, Any]:
    """The case as `actor` may see it, after it acted on it (a completed task, a message,
    an opened case): only what its view shows, the bare case when it sees no more."""
    tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
    view = case_view(actor, case, tasks, now)
    if not view.sees_case:  # e.g. its last task done on a case it sees through that task
        view = CaseView(parts=frozenset(), fields=frozenset(), own_tasks_only=True)
    return case_summary(session, case, tasks, view=view)


def read_case(session: Session, actor: Actor, case_id: str, now: datetime) -> dict[str, Any]:
    """The case as the API shows it; the read is audited (in the caller's unit of work)."""
    case, tasks, view = case_and_view(session, actor, case_id, now)
    summary = case_summary(session, case, tasks, view=view)
    record(session, actor, "case.viewed", now, case.id)
    return summary


CASE_LIST_COLUMNS = (
    Case.id,
    Case.reference,
    Case.status,
    Case.stage,
    Case.host_country,
    Case.created_at,
    Case.updated_at,
)


def list_cases(
    session: Session,
    actor: Actor,
    status: str | None = None,
    country: str | None = None,
    limit: Any = None,
    cursor: str | None = None,
    search: str | None = None,
    cipher: Cipher | None = None,
    now: datetime | None = None,
) -> Page:
    """The cases the caller may see, oldest first, a page at a time; with `search`, those
    whose reference starts with it or whose alias is it (found by its keyed hash, so no
    alias is decrypted to search: the caller still checks the alias may be shown).

    An organisation on few cases has them read from its own rows; one on many has the
    cases walked in creation order, each checked through the organisation's indexes,
    until the page is full (see engine/case/access.py). Plain columns: no team, process
    version or workflow is loaded for a list."""
    if actor.organisation_id is None:
        return Page([], None)
    visible = (
        Case.id.in_(visible_case_ids(actor, now))
        if sees_few_cases(session, actor)
        else visible_by_probe(actor, now)
    )
    query = select(*CASE_LIST_COLUMNS).where(visible)
    if status:
        if status not in ("open", "closed", "withdrawn"):
            raise InvalidData("bad status", {"status": "Use open, closed or withdrawn"})
        query = query.where(Case.status == status)
    if country:
        query = query.where(Case.host_country == country.upper())
    if search and search.strip():
        term = search.strip()
        found = Case.reference.startswith(term.upper(), autoescape=True)
        if cipher is not None:
            found = or_(found, Case.alias_key == cipher.lookup_hash(term))
        query = query.where(found)
    size = page_size(limit)
    if cursor:
        query = query.where(after_cursor(Case.created_at, Case.id, cursor))
    rows = session.execute(query.order_by(Case.created_at, Case.id).limit(size + 1)).all()
    items = [
        {
            "id": c.id,
            "reference": c.reference,
            "status": c.status,
            "stage": c.stage,
            "host_country": c.host_country,
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
        }
        for c in rows[:size]
    ]
    return Page(items, next_cursor(list(rows), size))


def case_history(
    session: Session, actor: Actor, case_id: str, now: datetime
) -> list[dict[str, Any]]:
    """The case's timeline as the actor may see it; the read is audited (in the caller's
    unit of work)."""
    case, _, view = case_and_view(session, actor, case_id, now)
    record(session, actor, "case.viewed", now, case.id, part="history")
    return history_of(session, case.id, view) if view.shows(TIMELINE) else []


def history_of(
    session: Session, case_id: str, view: CaseView | None = None
) -> list[dict[str, Any]]:
    """Who did what, when, oldest first; reads are left out (the caller checked access).
    With a `view`, only its organisation's events and the stage changes, unless it
    coordinates; a confidential note's event shows only to its writer."""
    rows = session.execute(
        select(AuditEvent, User.username, Organisation.slug, Organisation.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Organisation, Organisation.id == AuditEvent.organisation_id)
        .where(AuditEvent.case_id == case_id, AuditEvent.action.not_like("%.viewed"))
        .order_by(AuditEvent.id)
    ).all()
    history = []
    for event, username, slug, name in rows:
        own = view is None or event.organisation_id == view.organisation_id
        if _confidential(event) and not own:
            continue
        if view is not None and not view.shows_event(event.action, event.organisation_id):
            continue
        whole = own or view is None or view.coordinates
        history.append(
            {
                "at": iso(event.at),
                "action": event.action,
                "by": (username or "system") if whole else None,
                "organisation": slug if whole else None,
                "organisation_name": name if whole else None,
                "detail": event.detail if whole else {},
            }
        )
    return history


def _confidential(event: AuditEvent) -> bool:
    detail = event.detail or {}
    return event.action == "note.added" and (
        detail.get("visibility") == "confidential" or bool(detail.get("confidential"))
    )


READERS_SHOWN = 200


def readers_of(session: Session, case_id: str) -> list[dict[str, Any]]:
    """Who looked at the case, newest first: each audited read with who, of which
    organisation, when and which part (for the coordinator's "who looked" panel)."""
    rows = session.execute(
        select(AuditEvent, User.username, Organisation.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Organisation, Organisation.id == AuditEvent.organisation_id)
        .where(AuditEvent.case_id == case_id, AuditEvent.action.like("%.viewed"))
        .order_by(AuditEvent.id.desc())
        .limit(READERS_SHOWN)
    ).all()
    return [
        {
            "at": event.at,
            "by": username or "system",
            "organisation": name,
            "part": (event.detail or {}).get("part") or (event.detail or {}).get("task") or "case",
        }
        for event, username, name in rows
    ]


def cases_per_version(session: Session) -> dict[int, dict[str, int]]:
    """Process version id → case status → how many: one grouped count, no case loaded.
    Test cases are not counted: they are no one's work."""
    rows = session.execute(
        select(Case.process_version_id, Case.status, func.count())
        .where(Case.is_test.is_(False))
        .group_by(Case.process_version_id, Case.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for version_id, status, count in rows:
        counts.setdefault(version_id, {})[status] = int(count)
    return counts
