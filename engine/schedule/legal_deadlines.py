"""Legal dates of a case (a reflection period's end, a permit's expiry) and their reminders.

A task records them through its `deadline:<subject>` properties when it completes; the
coordinator is reminded at the lead times, and each date reminds once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Update, select, update
from sqlalchemy.orm import Session

from engine.models import Case, Deadline, Reminder, Task
from engine.schedule.deadlines import deadline_leads, parse_instant, reminder_times
from engine.schedule.reminders import schedule_reminders


def record_deadlines(
    session: Session,
    case: Case,
    task: Task,
    deadlines: list[tuple[str, str]],
    properties: dict[str, str],
    now: datetime,
) -> None:
    """Legal dates set by a task (`deadline:<subject>` properties) and their reminders.

    Reminders are keyed by subject *and date* (`reflection_period_end@2026-03-01`), so a
    deadline re-set to a new date reminds anew, while the same date never reminds twice.
    Pending reminders of a replaced date are cancelled. When the deadline is set so late
    that lead times have already passed, the nearest of them goes out at once: a legal
    date must never pass without the coordinator having been told.
    """
    coordinator = next(m.organisation_id for m in case.team if m.role == "coordinator")
    for subject, value in deadlines:
        if not value:
            continue  # e.g. a permit that was refused sets no expiry
        due_at = parse_instant(str(value))
        leads = deadline_leads(subject, properties.get(f"deadline:{subject}:reminders"))
        existing = session.scalar(
            select(Deadline).where(Deadline.case_id == case.id, Deadline.subject == subject)
        )
        if existing is None:
            session.add(
                Deadline(
                    case_id=case.id,
                    subject=subject,
                    due_at=due_at,
                    reminders=leads,
                    set_by_task_id=task.id,
                    created_at=now,
                )
            )
        else:
            if existing.due_at != due_at:
                _cancel_deadline_reminders(session, case.id, _dated(subject, existing.due_at), now)
            existing.due_at, existing.reminders, existing.set_by_task_id = due_at, leads, task.id
        dated = _dated(subject, due_at)
        _restore_deadline_reminders(session, case.id, dated)
        schedule_reminders(session, case.id, coordinator, None, dated, due_at, leads, now)
        _catch_up_reminder(session, case.id, coordinator, dated, due_at, leads, now)


def _dated(subject: str, due_at: datetime) -> str:
    return f"{subject}@{due_at.date()}"


def _pending_deadline_reminders(case_id: str, dated_subject: str) -> Update:
    return update(Reminder).where(
        Reminder.case_id == case_id,
        Reminder.task_id.is_(None),
        Reminder.subject == dated_subject,
        Reminder.sent_at.is_(None),
    )


def _cancel_deadline_reminders(
    session: Session, case_id: str, dated_subject: str, now: datetime
) -> None:
    session.execute(
        _pending_deadline_reminders(case_id, dated_subject)
        .where(Reminder.cancelled_at.is_(None))
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )


def _restore_deadline_reminders(session: Session, case_id: str, dated_subject: str) -> None:
    """A date set, replaced and set again: its unsent reminders are due again (their
    keys exist, so scheduling them anew would silently do nothing)."""
    session.execute(
        _pending_deadline_reminders(case_id, dated_subject)
        .where(Reminder.cancelled_at.is_not(None))
        .values(cancelled_at=None)
        .execution_options(synchronize_session=False)
    )


def _catch_up_reminder(
    session: Session,
    case_id: str,
    organisation_id: int,
    dated_subject: str,
    due_at: datetime,
    leads: list[str],
    now: datetime,
) -> None:
    passed = [(lead, at) for lead, at in reminder_times(due_at, leads) if at < now]
    if due_at <= now or not passed:
        return
    lead = max(passed, key=lambda item: item[1])[0]  # the lead nearest to the date
    key = f"{case_id}:{dated_subject}:{lead}"
    if session.scalar(select(Reminder.id).where(Reminder.key == key)) is not None:
        return
    session.add(
        Reminder(
            key=key,
            case_id=case_id,
            task_id=None,
            subject=dated_subject,
            lead=lead,
            due_at=due_at,
            remind_at=now,
            organisation_id=organisation_id,
        )
    )
