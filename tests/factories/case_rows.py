"""Cases written straight into the case, team and task tables, with no workflow run:
for the lists, whose answers depend on those rows alone (who is on the team, who holds
which task, in what state, due when)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, CaseTeamMember, Organisation, ProcessVersion, Task
from tests.factories.database import START


def org_id(session: Session, slug: str) -> int:
    found = session.scalar(select(Organisation.id).where(Organisation.slug == slug))
    assert found is not None, slug
    return found


def add_case(
    session: Session,
    reference: str,
    team: dict[str, str] | None = None,
    created_at: datetime = START,
    status: str = "open",
) -> str:
    """A case with its team (role → organisation slug); returns its id."""
    version = session.scalar(select(ProcessVersion.id).limit(1))
    assert version is not None
    team = team if team is not None else {"coordinator": "se-roks"}
    case = Case(
        id=str(uuid.uuid4()),
        reference=reference,
        process_version_id=version,
        status=status,
        stage="test",
        host_country=reference[:2],
        state=b"not a workflow",
        revision=1,
        created_at=created_at,
        updated_at=created_at,
        opened_by_org_id=org_id(session, team.get("coordinator", "se-roks")),
    )
    session.add(case)
    for role, slug in team.items():
        session.add(
            CaseTeamMember(case_id=case.id, role=role, organisation_id=org_id(session, slug))
        )
    session.commit()
    return case.id


def add_task(
    session: Session,
    case_id: str,
    slug: str,
    name: str = "immediate_safety",
    role: str = "coordinator",
    state: str = "open",
    created_at: datetime = START,
    due_in: timedelta | None = None,
) -> str:
    """A task of the case held by the organisation; returns its id."""
    task = Task(
        id=str(uuid.uuid4()),
        case_id=case_id,
        name=name,
        title=name.replace("_", " ").capitalize(),
        process_id="test",
        role=role,
        organisation_id=org_id(session, slug),
        form=name,
        state=state,
        created_at=created_at,
        due_at=None if due_in is None else START + due_in,
        reminders=[],
    )
    session.add(task)
    session.commit()
    return task.id
