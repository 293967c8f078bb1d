"""Quarantine: a case the scheduler could not run is set aside until a person releases it.

A case whose step fails or exceeds its evaluation budget during a tick would otherwise
fail again on every tick, costing each tick its whole budget and flooding the log. So
the tick marks it (`case_file.quarantined_at` and the reason, which the due-timer query
leaves out), tells the administrators and the case's coordinator, and goes on with the
other cases. Releasing it (`nbassist scheduler release REFERENCE` or the administrators'
page) lets the next tick try again. The reason is the engine's message about the
diagram (an element and a limit) or an exception's type, never case data, because it
travels by e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.errors import Conflict, NotFound
from engine.models import Case, CaseTeamMember, Notification, User
from engine.phrases import N_
from engine.schedule.mail import compose, enqueue
from engine.schedule.notifications import Recipients, mail_locale, notify

KIND = "quarantine"
SUBJECT = "scheduler"
HEADING = N_("Case quarantined")


@dataclass(frozen=True)
class Quarantined:
    reference: str
    process_id: str
    version: int
    at: datetime
    reason: str


def quarantine(
    session: Session,
    recipients: Recipients,
    base_url: str,
    case_id: str,
    reason: str,
    now: datetime,
) -> str | None:
    """Mark the case quarantined and alert; its reference, or None if it is gone or
    already quarantined (another scheduler got there first)."""
    case = session.get(Case, case_id)
    if case is None or case.quarantined_at is not None:
        return None
    case.quarantined_at, case.quarantine_reason = now, reason[:2000]
    record(session, Actor.system(), "case.quarantined", now, case.id, reason=reason[:2000])
    version = case.process_version
    message = (
        f"The scheduler set case {case.reference} ({version.process_id} v{version.version}) "
        f"aside: {reason}. Its timers will not fire until an administrator releases it."
    )
    coordinator = session.scalar(
        select(CaseTeamMember.organisation_id).where(
            CaseTeamMember.case_id == case.id, CaseTeamMember.role == "coordinator"
        )
    )
    if coordinator is not None:
        notify(
            session,
            recipients,
            base_url,
            organisation_id=coordinator,
            kind=KIND,
            case_id=case.id,
            reference=case.reference,
            subject=SUBJECT,
            message=message,
            due_at=None,
            now=now,
        )
    _alert_administrators(session, base_url, case, message, now)
    return case.reference


def _alert_administrators(
    session: Session, base_url: str, case: Case, message: str, now: datetime
) -> None:
    # Each administrator personally (user_id): their organisation as a whole has no need
    # to know about a case it may not be on.
    admins = session.scalars(
        select(User).where(User.is_admin.is_(True), User.active.is_(True)).order_by(User.id)
    )
    for admin in admins:
        session.add(
            Notification(
                organisation_id=admin.organisation_id,
                user_id=admin.id,
                kind=KIND,
                case_id=case.id,
                subject=SUBJECT,
                message=message,
                created_at=now,
            )
        )
        if admin.email:
            locale = mail_locale(admin.locale, admin.organisation.country)
            mail_subject, body = compose(
                base_url, HEADING, message, case.reference, case.id, None, locale
            )
            enqueue(session, admin.email, mail_subject, body, now)


def release(session: Session, reference: str, now: datetime, actor: Actor) -> Case:
    """Let the scheduler run the case again from its next tick. Audited."""
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None:
        raise NotFound(f"no case {reference}")
    if case.quarantined_at is None:
        raise Conflict(f"case {case.reference} is not quarantined")
    reason = case.quarantine_reason
    case.quarantined_at, case.quarantine_reason = None, None
    record(session, actor, "case.released", now, case.id, reason=reason)
    return case


def quarantined_cases(session: Session) -> list[Quarantined]:
    """Every quarantined case, oldest first: few, and shown to administrators."""
    cases = session.scalars(
        select(Case).where(Case.quarantined_at.is_not(None)).order_by(Case.quarantined_at)
    )
    return [
        Quarantined(
            case.reference,
            case.process_version.process_id,
            case.process_version.version,
            case.quarantined_at,
            case.quarantine_reason or "",
        )
        for case in cases
        if case.quarantined_at is not None
    ]
