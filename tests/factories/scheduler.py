"""Small factories for the scheduler and mail tests: staff, cases, ticks, what was sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import directory
from engine.accounts import users
from engine.audit import Actor
from engine.case import transactions
from engine.db.context import Services
from engine.models import Case, Notification, OutboxMail, Reminder, Task
from engine.schedule.mail import MailSettings
from engine.schedule.scheduler import TickReport, tick
from tests.factories.database import DATA, START
from tests.factories.form_data import valid_data

BASE_URL = "https://nbassist.example"
NO_MAIL = MailSettings(smtp_url=None, base_url=BASE_URL)

# Personal data a reminder e-mail must never carry.
ALIAS = "Ljudmila Quokkaberg"
START_DATA: dict[str, Any] = valid_data(
    "record_first_contact",
    host_country="SE",
    origin_country="UA",
    languages=["uk", "ru"],
    alias=ALIAS,
    has_residence_right=False,
    cooperates_with_authorities=False,
    contact_method="outreach",
    indicators=["debt"],
    immediate_needs=["shelter"],
)
SCHED_PERMIT = DATA / "sched_permit.bpmn"


def staff(
    session: Session,
    username: str,
    organisation: str,
    email: str | None = None,
    locale: str | None = None,
) -> Actor:
    """A member of `organisation` (a slug), without a password (these tests use none);
    `locale` is the language they chose (else their country's)."""
    user = users.create_user(session, username, organisation, None, START)
    user.email, user.locale = email, locale
    session.commit()
    return users.actor_for(user)


def open_case(
    session: Session, services: Services, actor: Actor, process_id: str = "demo_case"
) -> Case:
    return transactions.open_case(session, services, actor, START_DATA, process_id=process_id)


def open_task(session: Session, case: Case, name: str) -> Task:
    return (
        fresh(session)
        .scalars(
            select(Task).where(Task.case_id == case.id, Task.name == name, Task.state == "open")
        )
        .one()
    )


def complete(
    session: Session, services: Services, actor: Actor, case: Case, name: str, **data: Any
) -> Case:
    task = open_task(session, case, name)
    form = task.form
    return transactions.complete_task(session, services, actor, task.id, valid_data(form, **data))


def run_tick(
    sessions: sessionmaker[Session],
    services: Services,
    at: datetime,
    mail: MailSettings = NO_MAIL,
) -> TickReport:
    return tick(sessions, services, at, mail)


def fresh(session: Session) -> Session:
    """End the test session's transaction so it sees what the scheduler committed."""
    session.commit()
    session.expire_all()
    return session


def notifications_to(session: Session, slug: str, kind: str | None = None) -> list[Notification]:
    organisation = directory.organisation_by_slug(session, slug)
    query = select(Notification).where(Notification.organisation_id == organisation.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(fresh(session).scalars(query.order_by(Notification.id)))


def count(session: Session, model: Any, *where: Any) -> int:
    return fresh(session).scalar(select(func.count()).select_from(model).where(*where)) or 0


def sent_reminders(session: Session) -> int:
    return count(session, Reminder, Reminder.sent_at.is_not(None))


def outbox(session: Session) -> list[OutboxMail]:
    return list(fresh(session).scalars(select(OutboxMail).order_by(OutboxMail.id)))
