"""The case team: which organisation fills each role of a case, and how that changes.

The coordinator decides which organisation of the host country fills a role
(`assign_role`); being named gives no access by itself (engine/case/visibility.py). The return
partner joins and leaves only through her consent (engine/case/consents.py). Either
way, open work follows the organisation now responsible (`move_open_work`): open
tasks and their unsent reminders move; completed tasks stay with whoever completed
them. Every change of membership goes through `add_team_member`/`remove_team_member`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.access import CONSENT_ROLES, is_coordinator, visible_case
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.directory import ROLE_WORDS, ROLES, organisation_by_slug
from engine.errors import Conflict, Forbidden, InvalidData
from engine.models import Case, CaseTeamMember, Reminder, Task


def assign_role(
    session: Session, services: Services, actor: Actor, case_id: str, role: str, slug: str
) -> Case:
    def work() -> Case:
        case = visible_case(session, actor, case_id, services.now())
        if not is_coordinator(case, actor):
            raise Forbidden("only the case coordinator can change the case team")
        if case.is_test:  # no real organisation ever joins a test case
            raise Conflict("a test case's team is the test organisation: it cannot change")
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
                {
                    "organisation": f"{organisation.name} does not work as "
                    f"{ROLE_WORDS.get(role, role)}"
                },
            )
        if organisation.country != case.host_country:
            # Roles give work on her case in the host country; an organisation abroad
            # comes in only through her consent (engine/case/consents.py).
            raise InvalidData(
                "organisation abroad",
                {
                    "organisation": "Team roles go to organisations of the host country; "
                    "an organisation abroad sees her case only with her consent"
                },
            )
        add_team_member(session, case, role, slug)
        moved = move_open_work(
            session, Task.case_id == case.id, Task.role == role, to=organisation.id
        )
        record(
            session,
            actor,
            "team.changed",
            services.now(),
            case.id,
            role=role,
            organisation=slug,
            tasks_moved=moved,
        )
        return case

    return in_transaction(session, work)


def add_team_member(session: Session, case: Case, role: str, slug: str) -> None:
    organisation = organisation_by_slug(session, slug)
    for member in case.team:
        if member.role == role:
            member.organisation_id = organisation.id
            return
    case.team.append(CaseTeamMember(role=role, organisation_id=organisation.id))


def remove_team_member(case: Case, role: str, organisation_id: int) -> None:
    for member in list(case.team):
        if member.role == role and member.organisation_id == organisation_id:
            case.team.remove(member)


def move_open_work(session: Session, *where: ColumnElement[bool], to: int) -> int:
    """Give the open tasks matching `where`, and their unsent reminders, to organisation
    `to` (released from whoever held them). Returns how many tasks moved."""
    moved = list(session.scalars(select(Task.id).where(Task.state == "open", *where)))
    if moved:
        session.execute(
            update(Task)
            .where(Task.id.in_(moved))
            .values(organisation_id=to, claimed_by_id=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Reminder)
            .where(Reminder.task_id.in_(moved), Reminder.sent_at.is_(None))
            .values(organisation_id=to)
            .execution_options(synchronize_session=False)
        )
    return len(moved)
