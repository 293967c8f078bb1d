"""Need to know: which cases and tasks an organisation may see.

An organisation sees a case while it is on the case team or holds a task in it.
A role held only through her consent (the return partner, see engine/case/consents.py)
gives access only while the organisation is on the team: once the consent ends, the
tasks it completed in that role no longer show it the case.
Administrators manage the system; being one grants no access to cases, except to the
test cases administrators start to try a process version. A case that may not be seen
is reported as not found, so its existence is not revealed.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    exists,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.errors import Forbidden, NotFound
from engine.models import Case, CaseTeamMember, Task

# Roles an organisation holds on a case only through her consent to share.
CONSENT_ROLES = ("return_partner",)
# Up to this many team rows and tasks, a list reads the organisation's cases from them.
FEW_CASES = 2_000


def case_visible_to(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause over `Case` for the cases the actor's organisation may see."""
    on_team = exists().where(
        CaseTeamMember.case_id == Case.id,
        CaseTeamMember.organisation_id == actor.organisation_id,
    )
    holds_task = exists().where(
        Task.case_id == Case.id,
        Task.organisation_id == actor.organisation_id,
        Task.role.not_in(CONSENT_ROLES),
    )
    return or_(on_team, holds_task)


def visible_case_ids(actor: Actor) -> CompoundSelect:
    """The ids of the cases the actor's organisation may see, read from its own rows
    (its team memberships, the tasks it holds) rather than by probing every case."""
    return union(
        select(CaseTeamMember.case_id).where(
            CaseTeamMember.organisation_id == actor.organisation_id
        ),
        select(Task.case_id).where(
            Task.organisation_id == actor.organisation_id, Task.role.not_in(CONSENT_ROLES)
        ),
    )


def visible_by_probe(actor: Actor) -> ColumnElement[bool]:
    """`case_visible_to` as two index lookups per case, for walking many cases in order
    until a page is full. Scalar subqueries, not EXISTS: PostgreSQL would turn an EXISTS
    into a hash of all the organisation's rows, built in full before the first case."""
    on_team = (
        select(literal(1))
        .where(
            CaseTeamMember.organisation_id == actor.organisation_id,
            CaseTeamMember.case_id == Case.id,
        )
        .limit(1)
        .scalar_subquery()
    )
    holds_task = (
        select(literal(1))
        .where(
            Task.organisation_id == actor.organisation_id,
            Task.case_id == Case.id,
            Task.role.not_in(CONSENT_ROLES),
        )
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(on_team, holds_task).is_not(None)


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


def sees_case(actor: Actor, case: Case, tasks: list[Task]) -> bool:
    """`case_visible_to` decided over rows already read: the case's team and all its tasks
    (for a page that needs them anyway, so access costs no query of its own)."""
    if tries_test_case(actor, case):
        return True
    if actor.organisation_id is None:
        return False
    return any(m.organisation_id == actor.organisation_id for m in case.team) or any(
        t.organisation_id == actor.organisation_id and t.role not in CONSENT_ROLES for t in tasks
    )


def tries_test_case(actor: Actor, case: Case) -> bool:
    """Administrators see test cases (engine/case/test_cases.py) and work all their tasks,
    whatever the role: no real organisation is on a test case to do it."""
    return actor.is_admin and case.is_test


def can_see_case(session: Session, actor: Actor, case_id: str) -> bool:
    if actor.is_admin and session.scalar(select(Case.is_test).where(Case.id == case_id)):
        return True
    if actor.organisation_id is None:
        return False
    return (
        session.scalar(select(Case.id).where(Case.id == case_id, case_visible_to(actor)))
        is not None
    )


def visible_case(session: Session, actor: Actor, case_id: str) -> Case:
    case = session.get(Case, case_id) if isinstance(case_id, str) else None
    if case is None or not can_see_case(session, actor, case_id):
        raise NotFound("no such case")
    return case


def visible_task(session: Session, actor: Actor, task_id: str) -> Task:
    """A task of a case the actor may see (its organisation may still differ)."""
    task = session.get(Task, task_id) if isinstance(task_id, str) else None
    if task is None:
        raise NotFound("no such task")
    holds_it = (
        actor.organisation_id is not None
        and task.organisation_id == actor.organisation_id
        and task.role not in CONSENT_ROLES
    )
    if not holds_it and not can_see_case(session, actor, task.case_id):
        raise NotFound("no such task")
    return task


def own_task(session: Session, actor: Actor, task_id: str) -> Task:
    """A task the actor's organisation holds: 404 if the case is hidden, 403 if another's."""
    task = visible_task(session, actor, task_id)
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
