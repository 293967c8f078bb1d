"""Changing a case's team: the coordinator decides which organisation fills a role.

Open tasks of that role move with it (and their unsent reminders go to the new
organisation); completed tasks stay with whoever completed them.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.access import CONSENT_ROLES, is_coordinator, visible_case
from engine.audit import Actor, record
from engine.cases import add_team_member, in_transaction
from engine.directory import ROLES, organisation_by_slug
from engine.errors import Conflict, Forbidden, InvalidData
from engine.models import Case, Reminder, Task
from engine.workflow_store import Services


def assign_role(
    session: Session, services: Services, actor: Actor, case_id: str, role: str, slug: str
) -> Case:
    def work() -> Case:
        case = visible_case(session, actor, case_id)
        if not is_coordinator(case, actor):
            raise Forbidden("only the case coordinator can change the case team")
        if case.status != "open":
            raise Conflict(f"the case is {case.status}")
        if role not in ROLES:
            raise InvalidData("unknown role", {"role": "Choose one of the roles of the case team"})
        if role in CONSENT_ROLES:
            raise InvalidData(
                "this role follows her consent",
                {
                    "role": "The partner in the country of return joins only with her consent "
                    "to the referral, and leaves when that consent is withdrawn"
                },
            )
        organisation = organisation_by_slug(session, slug)
        if role not in organisation.roles and role not in organisation.default_for:
            raise InvalidData(
                "organisation does not fill this role",
                {"organisation": f"{organisation.name} does not work as {role.replace('_', ' ')}"},
            )
        if role == "coordinator" and organisation.country != case.host_country:
            raise InvalidData(
                "coordinator abroad",
                {"organisation": "The coordinator must be in the host country"},
            )
        add_team_member(session, case, role, slug)
        moved = list(
            session.scalars(
                select(Task.id).where(
                    Task.case_id == case.id, Task.role == role, Task.state == "open"
                )
            )
        )
        if moved:
            session.execute(
                update(Task)
                .where(Task.id.in_(moved))
                .values(organisation_id=organisation.id, claimed_by_id=None)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(Reminder)
                .where(Reminder.task_id.in_(moved), Reminder.sent_at.is_(None))
                .values(organisation_id=organisation.id)
                .execution_options(synchronize_session=False)
            )
        record(
            session,
            actor,
            "team.changed",
            services.now(),
            case.id,
            role=role,
            organisation=slug,
            tasks_moved=len(moved),
        )
        return case

    return in_transaction(session, work)
