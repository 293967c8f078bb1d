"""Test cases: an administrator tries a deployed process version before making it current.

A test case is a real case of that version, marked `is_test`, whose whole team is the
test organisation: an organisation no person belongs to, with no roles in the directory
and no e-mail contacts. Every task, reminder, escalation and notification of a test case
therefore goes to nobody real, and every list and count built from an organisation's own
rows (task lists, case lists, notifications) leaves it out by construction; the few
counts over all cases (running cases per version) leave it out by its mark. Only
administrators see it (engine/case/access.py), and they work every one of its tasks
whatever the role. The scheduler erases test cases a day after they were started,
with their whole history: a test leaves nothing behind but one audit line saying it ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.transactions import start_case, start_data
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.directory import ROLES, TEST_ORGANISATION
from engine.errors import Forbidden
from engine.models import (
    AuditEvent,
    AuditHead,
    Case,
    CaseCorrection,
    CaseMatch,
    CaseTeamMember,
    Consent,
    Deadline,
    LegalHold,
    Note,
    Notification,
    Organisation,
    Reminder,
    Task,
    TaskDraft,
)
from engine.versions import current_version, find_version

LIFETIME = timedelta(days=1)
# Case rows a test case leaves, children first so that foreign keys never block.
_CASE_ROWS = (
    Notification,
    Reminder,
    Deadline,
    Note,
    Task,
    Consent,
    LegalHold,
    CaseMatch,
    CaseCorrection,
    CaseTeamMember,
)


def test_organisation(session: Session) -> Organisation:
    """The organisation a test case's every role goes to, created on first use."""
    organisation = session.scalar(
        select(Organisation).where(Organisation.slug == TEST_ORGANISATION)
    )
    if organisation is None:
        organisation = Organisation(
            slug=TEST_ORGANISATION,
            name="Test cases (administrators only)",
            country="ZZ",  # a code no country has: no directory look-up by country finds it
            roles=[],
            default_for=[],
            contacts={},
            placeholder=True,
        )
        session.add(organisation)
        session.flush()
    return organisation


def start_test_case(
    session: Session,
    services: Services,
    actor: Actor,
    process_id: str,
    data: object,
    version: int | None = None,
) -> Case:
    """Start a test case on `version` of `process_id` (default: the current one)."""
    if not actor.is_admin:
        raise Forbidden("only administrators start test cases")

    def work() -> Case:
        chosen = (
            current_version(session, process_id)
            if version is None
            else find_version(session, process_id, version)
        )
        cleaned = start_data(chosen, data, services.now())
        tester = test_organisation(session)
        team = {role: tester for role in ROLES}
        return start_case(session, services, actor, chosen, cleaned, team, is_test=True)

    return in_transaction(session, work)


@dataclass(frozen=True)
class OpenStep:
    task_id: str
    name: str
    title: str
    role: str


@dataclass
class TestCaseRow:
    """A test case as the administrators' page lists it."""

    id: str
    reference: str
    process_id: str
    version: int
    status: str
    created_at: datetime
    erased_at: datetime
    open_tasks: list[OpenStep] = field(default_factory=list)


def test_cases(session: Session) -> list[TestCaseRow]:
    cases = session.scalars(
        select(Case).where(Case.is_test.is_(True)).order_by(Case.created_at.desc())
    ).all()
    rows = {
        case.id: TestCaseRow(
            case.id,
            case.reference,
            case.process_version.process_id,
            case.process_version.version,
            case.status,
            case.created_at,
            case.created_at + LIFETIME,
        )
        for case in cases
    }
    if rows:
        tasks = session.scalars(
            select(Task)
            .where(Task.case_id.in_(list(rows)), Task.state == "open")
            .order_by(Task.created_at, Task.id)
        )
        for task in tasks:
            rows[task.case_id].open_tasks.append(
                OpenStep(task.id, task.name, task.title, task.role)
            )
    return list(rows.values())


def erase_expired_test_cases(session: Session, now: datetime) -> list[str]:
    """Erase every test case started a day or more before `now`, with everything it
    left: tasks, reminders, notifications, notes, its audit chain. Returns the references.
    Inside the caller's unit of work."""
    expired = session.execute(
        select(Case.id, Case.reference).where(
            Case.is_test.is_(True), Case.created_at <= now - LIFETIME
        )
    ).all()
    ids = [case_id for case_id, _ in expired]
    if not ids:
        return []
    tasks = select(Task.id).where(Task.case_id.in_(ids))
    session.execute(delete(TaskDraft).where(TaskDraft.task_id.in_(tasks)))
    for model in _CASE_ROWS:
        session.execute(delete(model).where(model.case_id.in_(ids)))
    # The whole chain goes with its head, so the rest of the trail still verifies.
    session.execute(delete(AuditEvent).where(AuditEvent.case_id.in_(ids)))
    session.execute(delete(AuditHead).where(AuditHead.chain.in_(ids)))
    session.execute(delete(Case).where(Case.id.in_(ids)))
    references = sorted(reference for _, reference in expired)
    record(session, Actor.system(), "test_cases.erased", now, references=references)
    return references
