"""Reminders and escalations: what the scheduler tells people, and to whom.

Due reminders and overdue tasks are found through their indexes and handled a batch at
a time, each batch one unit of work (engine/db/unit_of_work.py). A reminder or an
escalation is marked in the same transaction that writes its notification, e-mail and
audit event, so it goes out once: on PostgreSQL the batch's rows are taken `FOR UPDATE
SKIP LOCKED` (a second scheduler takes other rows), and on SQLite the unit of work holds
the write lock from its first read, so a second scheduler waits and then finds them
sent. Task reminders go to the organisation holding the task now; deadline reminders
to the case's coordinator now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.audit import Actor, load_heads, record
from engine.db.unit_of_work import in_transaction
from engine.models import Case, CaseTeamMember, Deadline, Reminder, Task
from engine.phrases import N_
from engine.schedule.deadlines import ESCALATION_GRACE, reminder_times
from engine.schedule.notifications import Recipients, in_words, notify

BATCH = 200
_Query = TypeVar("_Query", bound=Select)


@dataclass
class Outcome:
    """What a pass did, one line per thing sent, for the tick's report."""

    sent: list[str] = field(default_factory=list)
    cancelled: int = 0  # reminders of tasks no longer open, of replaced dates, superseded


# What a deadline subject means, before and after its date.
DEADLINE_LABELS = {
    "reflection_period_end": (N_("Reflection period ends"), N_("Reflection period ended")),
    "residence_permit_expiry": (N_("Residence permit expires"), N_("Residence permit expired")),
    "recovery_period_end": (N_("Recovery period ends"), N_("Recovery period ended")),
    "residence_appeal_deadline": (
        N_("Last day to appeal the permit refusal"),
        N_("Appeal time for the permit refusal ended"),
    ),
    "fund_appeal_deadline": (
        N_("Last day to appeal the fund's refusal"),
        N_("Appeal time for the fund's refusal ended"),
    ),
}


def skip_locked(session: Session, query: _Query, *of: Any) -> _Query:
    """On PostgreSQL, lock the rows (of `of`) this transaction takes and skip rows that
    another scheduler holds. SQLite has one writer at a time, and a unit of work holds
    the lock from its first read: a second scheduler reads the rows once they are sent."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=list(of) or None)
    return query


# --- reminders -----------------------------------------------------------------------------


def send_due_reminders(
    sessions: sessionmaker[Session],
    recipients: Recipients,
    base_url: str,
    now: datetime,
) -> Outcome:
    """Reminders due by `now`, neither sent nor cancelled: one unit of work per batch."""
    outcome = Outcome()
    seen: set[int] = set()
    while True:
        with sessions() as session:
            batch = in_transaction(
                session, lambda: _reminder_batch(session, recipients, base_url, now, seen)
            )
        if batch is None:
            return outcome
        outcome.sent += batch.sent
        outcome.cancelled += batch.cancelled


def _reminder_batch(
    session: Session, recipients: Recipients, base_url: str, now: datetime, seen: set[int]
) -> Outcome | None:
    """Send or cancel one batch of due reminders; None when none is left."""
    # Plain columns of the case and task: their entities would drag the process
    # version (and its spec) into every row.
    query = (
        select(
            Reminder,
            Case.reference,
            Case.status,
            Task.state,
            Task.name,
            Task.title,
            Task.organisation_id,
        )
        .join(Case, Case.id == Reminder.case_id)
        .outerjoin(Task, Task.id == Reminder.task_id)
        .where(
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
            Reminder.remind_at <= now,
        )
        .order_by(Reminder.remind_at, Reminder.id)
        .limit(BATCH)
    )
    rows = session.execute(skip_locked(session, query, Reminder)).all()
    fresh = [_Due(*row) for row in rows if row[0].id not in seen]
    if not fresh:
        return None
    outcome = Outcome()
    nearest = _nearest_per_subject(fresh)
    # What every reminder of the batch needs, read once for the batch rather than once
    # per reminder: the chain heads of the cases' audit trails, the deadlines' coordinators
    # and dates. Two thirds of a tick's time went to such lookups, one per reminder.
    load_heads(session, {due.reminder.case_id for due in fresh})
    dates = _DeadlineFacts.read(session, [due.reminder for due in fresh])
    for due in fresh:
        seen.add(due.reminder.id)
        if due.reminder.id in nearest:
            _send_reminder(session, recipients, base_url, due, dates, now, outcome)
        else:  # a later lead time of the same subject is due too: one message
            due.reminder.cancelled_at = now
            outcome.cancelled += 1
    return outcome


def _nearest_per_subject(dues: list[_Due]) -> set[int]:
    """Ids of the reminders to send when several of one task or date are due at once
    (after downtime, or a task created late): only the one nearest to the due time."""
    nearest: dict[tuple[str, str], Reminder] = {}
    for due in dues:
        r = due.reminder
        key = (r.case_id, r.task_id or r.subject)
        if key not in nearest or r.remind_at > nearest[key].remind_at:
            nearest[key] = r
    return {r.id for r in nearest.values()}


@dataclass
class _Due:
    reminder: Reminder
    reference: str
    case_status: str
    task_state: str | None
    task_name: str | None
    task_title: str | None
    task_organisation_id: int | None


@dataclass
class _DeadlineFacts:
    """For the deadline reminders of a batch: each case's coordinator now, and the date
    each deadline falls on now (it may have been re-set since the reminder was planned)."""

    coordinators: dict[str, int]
    due_dates: dict[tuple[str, str], datetime]

    @classmethod
    def read(cls, session: Session, reminders: list[Reminder]) -> _DeadlineFacts:
        case_ids = {r.case_id for r in reminders if r.task_id is None}
        if not case_ids:
            return cls({}, {})
        coordinators = session.execute(
            select(CaseTeamMember.case_id, CaseTeamMember.organisation_id).where(
                CaseTeamMember.case_id.in_(case_ids), CaseTeamMember.role == "coordinator"
            )
        )
        dates = session.execute(
            select(Deadline.case_id, Deadline.subject, Deadline.due_at).where(
                Deadline.case_id.in_(case_ids)
            )
        )
        return cls(
            {case_id: org for case_id, org in coordinators},
            {(case_id, subject): due_at for case_id, subject, due_at in dates},
        )


def _send_reminder(
    session: Session,
    recipients: Recipients,
    base_url: str,
    due: _Due,
    dates: _DeadlineFacts,
    now: datetime,
    outcome: Outcome,
) -> None:
    reminder = due.reminder
    if reminder.task_id is not None:
        # Once the task escalates, its overdue notice says it all (late ticks only).
        still_due = due.task_state == "open" and now < reminder.due_at + ESCALATION_GRACE
        organisation_id = due.task_organisation_id or reminder.organisation_id
        subject = due.task_name or reminder.subject
        title = f"'{due.task_title or subject}'"
        message = _when(title + " is due", title + " was due", reminder.due_at, now)
    else:
        subject = reminder.subject.partition("@")[0]  # "reflection_period_end@2026-03-01"
        still_due = (
            due.case_status == "open"
            and dates.due_dates.get((reminder.case_id, subject)) == reminder.due_at
        )
        # The coordinator now, not when the date was set: the case may have moved.
        organisation_id = dates.coordinators.get(reminder.case_id) or reminder.organisation_id
        label = subject.replace("_", " ").capitalize()
        before, after = DEADLINE_LABELS.get(subject, (f"{label} is due", f"{label} was due"))
        message = _when(before, after, reminder.due_at, now)
    if not still_due:
        reminder.cancelled_at = now
        outcome.cancelled += 1
        return
    reminder.sent_at = now
    notify(
        session,
        recipients,
        base_url,
        organisation_id=organisation_id,
        kind="reminder",
        case_id=reminder.case_id,
        reference=due.reference,
        subject=subject,
        message=f"{message} ({due.reference})",
        due_at=reminder.due_at,
        now=now,
        task_id=reminder.task_id,
    )
    record(
        session,
        Actor.system(),
        "reminder.sent",
        now,
        reminder.case_id,
        subject=subject,
        lead=reminder.lead,
        organisation_id=organisation_id,
    )
    outcome.sent.append(f"{due.reference} {subject} {reminder.lead} before")


def _when(before: str, after: str, due_at: datetime, now: datetime) -> str:
    """'… is due in 3 days', '… is due now' or '… was due 2 hours ago'."""
    if due_at > now:
        return f"{before} in {in_words(due_at - now)}"
    if now - due_at < timedelta(minutes=1):
        return f"{before} now"
    return f"{after} {in_words(now - due_at)} ago"


def _coordinator(session: Session, case_id: str) -> int | None:
    return session.scalar(
        select(CaseTeamMember.organisation_id).where(
            CaseTeamMember.case_id == case_id, CaseTeamMember.role == "coordinator"
        )
    )


# --- escalation ----------------------------------------------------------------------------


def escalate_overdue_tasks(
    sessions: sessionmaker[Session],
    recipients: Recipients,
    base_url: str,
    now: datetime,
) -> Outcome:
    """Open tasks overdue by more than the grace period, not yet escalated: the task's
    organisation and the case coordinator are told, once."""
    outcome = Outcome()
    seen: set[str] = set()
    while True:
        with sessions() as session:
            batch = in_transaction(
                session, lambda: _escalation_batch(session, recipients, base_url, now, seen)
            )
        if batch is None:
            return outcome
        outcome.sent += batch.sent


def _escalation_batch(
    session: Session, recipients: Recipients, base_url: str, now: datetime, seen: set[str]
) -> Outcome | None:
    query = (
        select(Task, Case.reference)
        .join(Case, Case.id == Task.case_id)
        .where(
            Task.state == "open",
            Task.escalated_at.is_(None),
            Task.due_at <= now - ESCALATION_GRACE,
        )
        .order_by(Task.due_at, Task.id)
        .limit(BATCH)
    )
    rows = session.execute(skip_locked(session, query, Task)).all()
    fresh = [(task, ref) for task, ref in rows if task.id not in seen]
    if not fresh:
        return None
    outcome = Outcome()
    load_heads(session, {task.case_id for task, _ in fresh})
    for task, reference in fresh:
        seen.add(task.id)
        _escalate(session, recipients, base_url, task, reference, now, outcome)
    return outcome


def _escalate(
    session: Session,
    recipients: Recipients,
    base_url: str,
    task: Task,
    reference: str,
    now: datetime,
    outcome: Outcome,
) -> None:
    task.escalated_at = now
    assert task.due_at is not None  # the query selects only tasks with a due time
    late = in_words(now - task.due_at)
    common: dict[str, Any] = {
        "case_id": task.case_id,
        "reference": reference,
        "subject": task.name,
        "due_at": task.due_at,
        "now": now,
        "task_id": task.id,
    }
    coordinator = _coordinator(session, task.case_id)
    # A coordinator's own overdue task gets one notification, the escalation.
    if coordinator != task.organisation_id:
        notify(
            session,
            recipients,
            base_url,
            organisation_id=task.organisation_id,
            kind="overdue",
            message=f"'{task.title}' is overdue by {late} ({reference})",
            **common,
        )
    if coordinator is not None:
        # Who holds it, by name: a role code such as "ngo_support" tells a person nothing.
        holder = task.organisation.name
        notify(
            session,
            recipients,
            base_url,
            organisation_id=coordinator,
            kind="escalation",
            message=f"'{task.title}' ({holder}) is overdue by {late} ({reference})",
            **common,
        )
    record(
        session,
        Actor.system(),
        "task.escalated",
        now,
        task.case_id,
        task=task.name,
        task_id=task.id,
    )
    outcome.sent.append(f"{reference} {task.name} overdue by {late}")


def schedule_reminders(
    session: Session,
    case_id: str,
    organisation_id: int,
    task_id: str | None,
    subject: str,
    due_at: datetime,
    leads: list[str],
    now: datetime,
) -> None:
    """Add the reminders not yet known; a lead time already past is not worth sending."""
    wanted = {
        f"{case_id}:{task_id or subject}:{lead}": (lead, remind_at)
        for lead, remind_at in reminder_times(due_at, leads)
        if remind_at >= now
    }
    if not wanted:
        return
    # A task's reminders are scheduled once, when the task appears: nothing to look up.
    known = (
        set()
        if task_id is not None
        else set(session.scalars(select(Reminder.key).where(Reminder.key.in_(wanted))))
    )
    session.add_all(
        Reminder(
            key=key,
            case_id=case_id,
            task_id=task_id,
            subject=subject,
            lead=lead,
            due_at=due_at,
            remind_at=remind_at,
            organisation_id=organisation_id,
        )
        for key, (lead, remind_at) in wanted.items()
        if key not in known
    )


def cancel_reminders(session: Session, task_id: str, now: datetime) -> None:
    session.execute(
        update(Reminder)
        .where(
            Reminder.task_id == task_id, Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None)
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
