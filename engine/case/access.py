"""Need to know: which cases and tasks an organisation may see.

The decision itself is `engine/case/visibility.case_view`, made over a case's rows; this
module asks it for one case (`visible_case`, `visible_task`) and mirrors it in SQL for
lists (`visible_case_ids`, `visible_by_probe`): the coordinator always; `ngo_support`,
an organisation holding a task of its own, or one she consented to share with, while
the case is open; one with a confirmed legal basis until it ends. Being named on the
team gives no access by itself; a role held only through her consent (the return
partner) gives none once the consent ends, whatever tasks it completed.
Administrators manage the system; being one grants no access to cases, except to the
test cases administrators start to try a process version. A case that may not be seen
is reported as not found, so its existence is not revealed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    and_,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.case.visibility import (
    CARE_ROLE,
    CONSENT_ROLES,
    COORDINATOR,
    LAST_DAY,
    CaseView,
    case_view,
)
from engine.errors import Forbidden, NotFound
from engine.models import AccessGrant, Case, CaseTeamMember, Consent, Task

# Up to this many team rows and tasks, a list reads the organisation's cases from them.
FEW_CASES = 2_000


Source = tuple[Any, list[ColumnElement[bool]], bool]


def _sources(actor: Actor, now: datetime | None) -> list[Source]:
    """Each way to see a case: a case-id column of the organisation's own rows, the
    conditions on them, and whether it holds only while the case is open. Without
    `now`, as visibility.case_view decides without it: no grant, consents until ended."""
    org = actor.organisation_id
    sources: list[Source] = [
        (
            CaseTeamMember.case_id,
            [CaseTeamMember.organisation_id == org, CaseTeamMember.role == COORDINATOR],
            False,
        ),
        (
            CaseTeamMember.case_id,
            [CaseTeamMember.organisation_id == org, CaseTeamMember.role == CARE_ROLE],
            True,
        ),
        (
            Task.case_id,
            [
                Task.organisation_id == org,
                Task.role.not_in(CONSENT_ROLES),
                Task.access_ended_at.is_(None),
            ],
            True,
        ),
        (
            Consent.case_id,
            [Consent.organisation_id == org, Consent.withdrawn_at.is_(None)],
            True,
        ),
    ]
    if now is not None:
        sources[-1][1].append(
            or_(Consent.valid_until.is_(None), Consent.valid_until > now - LAST_DAY)
        )
        grant = [
            AccessGrant.organisation_id == org,
            AccessGrant.confirmed_at.is_not(None),
            AccessGrant.ended_at.is_(None),
            AccessGrant.valid_until > now,
        ]
        sources.append((AccessGrant.case_id, grant, False))
    return sources


def visible_case_ids(actor: Actor, now: datetime | None = None) -> CompoundSelect:
    """The ids of the cases the actor's organisation may see, read from its own rows
    (its team memberships, tasks, consents and grants) rather than by probing every case."""
    selects = []
    for column, where, while_open in _sources(actor, now):
        query = select(column.label("case_id")).where(*where)
        if while_open:
            query = query.join(Case, Case.id == column).where(Case.status == "open")
        selects.append(query)
    return union(*selects)


def visible_by_probe(actor: Actor, now: datetime | None = None) -> ColumnElement[bool]:
    """`visible_case_ids` as index lookups per case, for walking many cases in order
    until a page is full. Scalar subqueries, not EXISTS: PostgreSQL would turn an EXISTS
    into a hash of all the organisation's rows, built in full before the first case."""
    always: list[Any] = []
    while_open: list[Any] = []
    for column, where, only_open in _sources(actor, now):
        probe = select(literal(1)).where(*where, column == Case.id).limit(1).scalar_subquery()
        (while_open if only_open else always).append(probe)
    return or_(
        _first(always).is_not(None),
        and_(Case.status == "open", _first(while_open).is_not(None)),
    )


def _first(probes: list[Any]) -> Any:
    # SQLite's coalesce() wants at least two arguments.
    return probes[0] if len(probes) == 1 else func.coalesce(*probes)


def sees_few_cases(session: Session, actor: Actor, few: int = FEW_CASES) -> bool:
    """Whether the organisation's team rows and tasks are few (counted up to `few`).

    A list ordered by creation is fastest from `visible_case_ids` when they are few,
    and by walking the cases in that order with `visible_by_probe` when they are many:
    then a page's worth of visible cases turns up within the first few hundred."""
    for rows in (
        select(CaseTeamMember.case_id).where(
            CaseTeamMember.organisation_id == actor.organisation_id
        ),
        select(Task.case_id).where(Task.organisation_id == actor.organisation_id),
    ):
        counted = select(func.count()).select_from(rows.limit(few).subquery())
        if (session.scalar(counted) or 0) >= few:
            return False
    return True


def tries_test_case(actor: Actor, case: Case) -> bool:
    """Administrators see test cases (engine/case/test_cases.py) and work all their tasks,
    whatever the role: no real organisation is on a test case to do it."""
    return actor.is_admin and case.is_test


def case_and_view(
    session: Session, actor: Actor, case_id: str, now: datetime | None = None
) -> tuple[Case, list[Task], CaseView]:
    """A case, all its tasks, and what the actor sees of it; NotFound when nothing."""
    case = session.get(Case, case_id) if isinstance(case_id, str) else None
    if case is None or actor.organisation_id is None:
        raise NotFound("no such case")
    tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
    view = case_view(actor, case, tasks, now)
    if not view.sees_case:
        raise NotFound("no such case")
    return case, tasks, view


def can_see_case(session: Session, actor: Actor, case_id: str, now: datetime | None = None) -> bool:
    try:
        case_and_view(session, actor, case_id, now)
    except NotFound:
        return False
    return True


def visible_case(session: Session, actor: Actor, case_id: str, now: datetime | None = None) -> Case:
    return case_and_view(session, actor, case_id, now)[0]


def visible_task(session: Session, actor: Actor, task_id: str, now: datetime | None = None) -> Task:
    """A task the actor may see: one of a case it sees, shown by its view (an agency
    sees only its own). NotFound otherwise, so neither is revealed."""
    task = session.get(Task, task_id) if isinstance(task_id, str) else None
    if task is None:
        raise NotFound("no such task")
    try:
        _, _, view = case_and_view(session, actor, task.case_id, now)
    except NotFound:
        raise NotFound("no such task") from None
    if not view.shows_task(task):
        raise NotFound("no such task")
    return task


def own_task(session: Session, actor: Actor, task_id: str, now: datetime | None = None) -> Task:
    """A task the actor's organisation holds: 404 if the case is hidden, 403 if another's."""
    task = visible_task(session, actor, task_id, now)
    if task.organisation_id != actor.organisation_id and not tries_test_case(actor, task.case_file):
        raise Forbidden(f"this task belongs to {task.organisation.name}")
    return task


def is_coordinator(case: Case, actor: Actor) -> bool:
    """The coordinator's, or an administrator walking a test case, who may also end it."""
    if tries_test_case(actor, case):
        return True
    return any(
        m.role == "coordinator" and m.organisation_id == actor.organisation_id for m in case.team
    )
