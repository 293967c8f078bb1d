"""Walk a case through the service layer by task name, as the organisations would:
each task is completed by a staff member of the organisation holding it, with form
data that passes the task's real form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts import users
from engine.accounts.users import actor_for
from engine.audit import Actor
from engine.bpmn import runtime
from engine.bpmn.clock import use_clock
from engine.case import transactions
from engine.case.store import load_workflow, save_workflow
from engine.db.context import Services
from engine.models import Case, Organisation, Task, User
from tests.factories.form_data import valid_data
from tests.factories.journey import NO_RISK

__all__ = [
    "NO_RISK",
    "Walker",
    "police_may_be_told",
    "ready_for_decision",
    "staff",
    "start_data",
    "walk_to_her_decision",
]


def staff(session: Session, slug: str) -> Actor:
    """A staff member of the organisation (created on first use)."""
    username = f"staff.{slug}"
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = users.create_user(session, username, slug, None, Services_now(session))
        session.commit()
    return actor_for(user)


def Services_now(session: Session):  # type: ignore[no-untyped-def]
    return session.info["services"].now()


def start_data(**overrides: Any) -> dict[str, Any]:
    base = {
        "host_country": "SE",
        "origin_country": "NG",
        "languages": ["en"],
        "has_residence_right": False,
        "cooperates_with_authorities": False,
        "contact_method": "outreach",
        "indicators": ["debt"],
        "immediate_needs": ["shelter"],
    }
    return valid_data("record_first_contact", **{**base, **overrides})


class Walker:
    def __init__(
        self,
        session: Session,
        services: Services,
        opener: str = "se-roks",
        process_id: str = transactions.CASE_PROCESS,
        **start: Any,
    ):
        self.session = session
        self.services = services
        session.info["services"] = services
        self.case = transactions.open_case(
            session, services, staff(session, opener), start_data(**start), process_id
        )

    def open_tasks(self) -> list[Task]:
        return list(
            self.session.scalars(
                select(Task)
                .where(Task.case_id == self.case.id, Task.state == "open")
                .order_by(Task.created_at)
            )
        )

    def names(self) -> list[str]:
        return sorted(t.name for t in self.open_tasks())

    def completed(self, name: str) -> bool:
        return (
            self.session.scalar(
                select(Task.id).where(
                    Task.case_id == self.case.id, Task.name == name, Task.state == "completed"
                )
            )
            is not None
        )

    def holder(self, name: str) -> str:
        return self.task(name).organisation.slug

    def task(self, name: str) -> Task:
        found = [t for t in self.open_tasks() if t.name == name]
        assert found, f"{name} is not open; open: {self.names()}"
        return found[0]

    def complete(self, name: str, **data: Any) -> Case:
        task = self.task(name)
        actor = staff(self.session, task.organisation.slug)
        self.case = transactions.complete_task(
            self.session, self.services, actor, task.id, valid_data(task.form, **data)
        )
        return self.case

    def message(self, name: str, **data: Any) -> Case:
        actor = staff(self.session, self.team()["coordinator"])
        self.case = transactions.deliver_message(
            self.session, self.services, actor, self.case.id, name, valid_data(name, **data)
        )
        return self.case

    def fire_timers(self, days: int) -> None:
        """Let `days` pass and wake the case's due timers, as the scheduler would."""
        self.services.clock.advance(timedelta(days=days))
        case = self.session.get(Case, self.case.id)
        workflow = load_workflow(self.services, case)
        with use_clock(self.services.clock):
            runtime.fire_due_timers(workflow)
        save_workflow(self.session, self.services, case, workflow, case.revision)
        self.session.commit()
        self.case = case

    def team(self) -> dict[str, str]:
        self.session.refresh(self.case)
        return {m.role: m.organisation.slug for m in self.case.team}

    def organisation(self, slug: str) -> Organisation:
        return self.session.scalar(select(Organisation).where(Organisation.slug == slug))


def police_may_be_told(walker: Walker) -> None:
    """The coordinator's non-punishment check, on her consent: the police's notice opens."""
    walker.complete(
        "non_punishment_check",
        faces_charges="no",
        detention_or_removal="none",
        police_basis="her_consent",
    )


def ready_for_decision(walker: Walker) -> None:
    """Her needs assessed and her rights explained: what the risk assessment and her
    decision wait for (no return step before both)."""
    names = walker.names()
    if "assess_needs" in names:
        walker.complete("assess_needs", services=["safe_housing"])
    if "inform_rights" in names and not walker.completed("inform_rights"):
        walker.complete("inform_rights")


def walk_to_her_decision(walker: Walker, risk: dict[str, bool]) -> None:
    ready_for_decision(walker)
    walker.complete("police_risk_input", **risk)
    walker.complete("risk_assessment", **risk)
