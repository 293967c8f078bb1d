"""The scheduler, by time travel: every tick is as of an exact instant, nothing sleeps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from engine import versions
from engine.accounts import users
from engine.audit import Actor
from engine.case import transactions
from engine.db import make_sessionmaker
from engine.db.context import Services
from engine.models import AuditEvent, Case, Notification, OutboxMail, Reminder, Task, User
from engine.schedule import scheduler
from engine.schedule.deadlines import DEFAULT_TASK_REMINDERS, ESCALATION_GRACE, deadline_leads
from engine.settings import PROCESSES_DIR
from tests.factories.database import START
from tests.factories.form_data import valid_data
from tests.factories.scheduler import (
    SCHED_PERMIT,
    complete,
    count,
    fresh,
    notifications_to,
    open_case,
    open_task,
    run_tick,
    sent_reminders,
    staff,
)

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


@pytest.fixture
def sessions(db: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db)


@pytest.fixture
def coordinator(session: Session) -> Actor:
    return staff(session, "coordinator", "se-roks")


@pytest.fixture
def permit_process(session: Session) -> None:
    files = {"sched_permit.bpmn": SCHED_PERMIT.read_bytes()}
    versions.deploy_files(session, files, START, Actor.system())
    session.commit()


def record_permit(
    session: Session, services: Services, case: Case, valid_until: str, again: bool = False
) -> None:
    complete(
        session,
        services,
        migration_officer(session),
        case,
        "residence_decision",
        granted=True,
        permit_type="temporary_victim",
        valid_until=valid_until,
        reason="corrected" if again else "final",
    )


def migration_officer(session: Session) -> Actor:
    existing = session.scalar(select(User).where(User.username == "migration"))
    return users.actor_for(existing) if existing else staff(session, "migration", "se-migration")


def midnight(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


# --- task due dates ---------------------------------------------------------------------------


def test_a_task_is_reminded_at_each_lead_time_once(session, sessions, services, coordinator):
    case = open_case(session, services, coordinator)  # non_punishment_notice due in 48 h

    first = run_tick(sessions, services, START)
    assert first.reminders == [f"{case.reference} immediate_safety P1D before"]
    assert run_tick(sessions, services, START + DAY - SECOND).reminders == []
    at_lead = run_tick(sessions, services, START + DAY)
    assert at_lead.reminders == [f"{case.reference} non_punishment_notice P1D before"]

    (notice,) = notifications_to(session, "se-police")
    task = open_task(session, case, "non_punishment_notice")
    assert (notice.kind, notice.subject, notice.task_id) == ("reminder", task.name, task.id)
    assert notice.message == f"'Confirm non-punishment' is due in 1 day ({case.reference})"
    assert notice.due_at == START + 2 * DAY
    assert sent_reminders(session) == 2


def test_a_second_tick_at_the_same_instant_sends_nothing_twice(
    session, sessions, services, coordinator
):
    staff(session, "officer", "se-police", email="officer@police.example")
    open_case(session, services, coordinator)
    at = START + 2 * DAY  # a reminder due, a task overdue past the grace period
    first = run_tick(sessions, services, at)
    assert first.reminders and first.escalations
    written = (count(session, Notification), count(session, OutboxMail), sent_reminders(session))

    again = run_tick(sessions, services, at)

    assert again.lines() == [] and again.cancelled == 0
    assert (count(session, Notification), count(session, OutboxMail), sent_reminders(session)) == (
        written
    )


def test_several_lead_times_due_at_once_send_one_reminder(session, sessions, services, coordinator):
    case = open_case(session, services, coordinator)
    complete(session, services, coordinator, case, "immediate_safety")
    police = staff(session, "officer", "se-police")
    complete(session, services, police, case, "non_punishment_notice")
    # inform_rights: due in 7 days, reminded 2 days before; the scheduler was down since.
    report = run_tick(sessions, services, START + 6 * DAY)
    (notice,) = notifications_to(session, "se-roks", "reminder")
    assert report.reminders == [f"{case.reference} inform_rights P2D before"]
    assert notice.message == f"'Inform her of her rights' is due in 1 day ({case.reference})"


def test_after_downtime_an_escalated_task_gets_its_overdue_notice_not_a_stale_reminder(
    session, sessions, services, coordinator
):
    case = open_case(session, services, coordinator)
    complete(session, services, coordinator, case, "immediate_safety")
    due = open_task(session, case, "non_punishment_notice").due_at  # reminded a day before

    report = run_tick(sessions, services, due + ESCALATION_GRACE)  # the first tick since

    assert report.reminders == []
    assert [n.kind for n in notifications_to(session, "se-police")] == ["overdue"]


# --- escalation ----------------------------------------------------------------------------------


def test_an_overdue_task_escalates_once_after_the_grace_period(
    session, sessions, services, coordinator
):
    case = open_case(session, services, coordinator)
    complete(session, services, coordinator, case, "immediate_safety")
    due = open_task(session, case, "non_punishment_notice").due_at
    assert due == START + 2 * DAY

    assert run_tick(sessions, services, due + ESCALATION_GRACE - SECOND).escalations == []
    report = run_tick(sessions, services, due + ESCALATION_GRACE)
    assert report.escalations == [f"{case.reference} non_punishment_notice overdue by 1 day"]
    assert run_tick(sessions, services, due + 5 * DAY).escalations == []

    (overdue,) = notifications_to(session, "se-police", "overdue")
    (escalation,) = notifications_to(session, "se-roks", "escalation")
    assert overdue.message == f"'Confirm non-punishment' is overdue by 1 day ({case.reference})"
    assert escalation.message == (
        f"'Confirm non-punishment' (Police — Sweden) is overdue by 1 day ({case.reference})"
    )
    assert open_task(session, case, "non_punishment_notice").escalated_at == due + ESCALATION_GRACE


def test_the_coordinators_own_overdue_task_gives_it_one_notification(
    session, sessions, services, coordinator
):
    case = open_case(session, services, coordinator)  # immediate_safety: ngo_support = se-roks
    police = staff(session, "officer", "se-police")
    complete(session, services, police, case, "non_punishment_notice")

    report = run_tick(sessions, services, START + 2 * DAY)

    assert report.escalations == [f"{case.reference} immediate_safety overdue by 1 day"]
    assert [n.kind for n in notifications_to(session, "se-roks") if n.kind != "reminder"] == [
        "escalation"
    ]


# --- reminders of work that is gone --------------------------------------------------------------


def test_a_reminder_of_a_completed_task_is_cancelled_not_sent(
    session, sessions, services, coordinator
):
    case = open_case(session, services, coordinator)
    police = staff(session, "officer", "se-police")
    task_id = open_task(session, case, "non_punishment_notice").id
    complete(session, services, police, case, "non_punishment_notice")

    report = run_tick(sessions, services, START + DAY)

    assert f"{case.reference} non_punishment_notice P1D before" not in report.reminders
    assert notifications_to(session, "se-police") == []
    reminder = fresh(session).scalars(select(Reminder).where(Reminder.task_id == task_id)).one()
    assert reminder.sent_at is None and reminder.cancelled_at is not None


def test_reminders_of_a_withdrawn_case_are_not_sent(session, sessions, services, coordinator):
    case = open_case(session, services, coordinator)
    transactions.deliver_message(
        session, services, coordinator, case.id, "withdraw", valid_data("withdraw")
    )

    report = run_tick(sessions, services, START + 5 * DAY)

    assert report.lines() == []
    assert count(session, Notification) == 0


# --- timers --------------------------------------------------------------------------------------


def test_an_idle_case_is_never_loaded(
    session, sessions, services, coordinator, permit_process, monkeypatch
):
    open_case(session, services, coordinator)  # no timer at all
    parked = open_case(session, services, coordinator, "sched_permit")
    record_permit(session, services, parked, "2026-06-01")  # a timer in June
    loaded: list[str] = []
    real_load = scheduler.load_workflow
    monkeypatch.setattr(
        scheduler, "load_workflow", lambda svc, case: loaded.append(case.id) or real_load(svc, case)
    )

    run_tick(sessions, services, START + 30 * DAY)
    assert loaded == []
    run_tick(sessions, services, midnight("2026-06-01"))
    assert loaded == [parked.id]


def test_a_permit_is_reminded_60_and_30_days_before_by_default_and_renewed_at_expiry(
    session, sessions, services, coordinator, permit_process
):
    case = open_case(session, services, coordinator, "sched_permit")
    record_permit(session, services, case, "2026-06-01")  # the diagram gives no lead times
    expiry = midnight("2026-06-01")

    for at in (expiry - 60 * DAY, expiry - 60 * DAY, expiry - 30 * DAY, expiry - SECOND):
        assert run_tick(sessions, services, at).timers == []
    assert run_tick(sessions, services, expiry).timers == [case.reference]

    reminders = notifications_to(session, "se-roks", "reminder")
    assert [(n.subject, n.message) for n in reminders] == [
        ("residence_permit_expiry", f"Residence permit expires in 60 days ({case.reference})"),
        ("residence_permit_expiry", f"Residence permit expires in 30 days ({case.reference})"),
    ]
    renewal = open_task(session, case, "apply_residence_permit")
    assert (renewal.created_at, renewal.due_at) == (expiry, expiry + 14 * DAY)
    assert fresh(session).get(Case, case.id).next_timer_at is None


def test_a_deadline_set_again_reminds_for_the_new_date_and_never_twice_for_one_date(
    session, sessions, services, coordinator, permit_process
):
    case = open_case(session, services, coordinator, "sched_permit")
    record_permit(session, services, case, "2026-06-01", again=True)
    record_permit(session, services, case, "2026-07-01", again=True)  # corrected
    record_permit(session, services, case, "2026-06-01", again=True)  # and back
    june = midnight("2026-06-01")

    run_tick(sessions, services, june - 60 * DAY)
    record_permit(session, services, case, "2026-06-01")  # the same date once more
    for at in (june - 60 * DAY, june - 59 * DAY, june - 30 * DAY, june - 30 * DAY):
        run_tick(sessions, services, at)

    reminders = notifications_to(session, "se-roks", "reminder")
    assert [n.message for n in reminders] == [
        f"Residence permit expires in 60 days ({case.reference})",
        f"Residence permit expires in 30 days ({case.reference})",
    ]
    assert {n.due_at for n in reminders} == {june}
    july = (
        fresh(session)
        .scalars(select(Reminder).where(Reminder.subject == "residence_permit_expiry@2026-07-01"))
        .all()
    )
    assert len(july) == 2 and all(r.cancelled_at and not r.sent_at for r in july)


def test_a_deadline_set_after_a_lead_time_passed_is_reminded_at_once(
    session, sessions, services, coordinator, permit_process
):
    case = open_case(session, services, coordinator, "sched_permit")
    record_permit(session, services, case, "2026-02-14")  # 40 days: the 60-day lead is past

    run_tick(sessions, services, START)
    run_tick(sessions, services, midnight("2026-02-14") - 30 * DAY)

    assert [n.message for n in notifications_to(session, "se-roks", "reminder")] == [
        f"Residence permit expires in 40 days ({case.reference})",
        f"Residence permit expires in 30 days ({case.reference})",
    ]


def test_deadline_lead_times_come_from_the_diagram_else_the_subjects_defaults():
    assert deadline_leads("reflection_period_end", "P10D, P2D") == ["P10D", "P2D"]
    assert deadline_leads("reflection_period_end", None) == ["P30D", "P14D", "P7D"]
    assert deadline_leads("residence_permit_expiry", "") == ["P60D", "P30D"]
    assert deadline_leads("court_hearing", None) == list(DEFAULT_TASK_REMINDERS)


# --- the journey ---------------------------------------------------------------------------------


def test_a_reflection_period_ending_in_30_days_is_reminded_and_decided_on_at_its_end(
    session, sessions, services, clock, coordinator
):
    versions.deploy_directory(session, PROCESSES_DIR, START, Actor.system())
    session.commit()
    opened = midnight("2026-01-05")
    clock.set(opened)
    case = open_case(session, services, coordinator, "victim_journey")
    complete(session, services, coordinator, case, "request_reflection_period")
    end = opened + 30 * DAY
    complete(
        session,
        services,
        migration_officer(session),
        case,
        "grant_reflection_period",
        granted=True,
        start_date="2026-01-05",
        end_date=end.date().isoformat(),
    )

    def reflection_reminders() -> list[str]:
        return [
            n.message
            for n in notifications_to(session, "se-roks", "reminder")
            if n.subject == "reflection_period_end"
        ]

    def ready(name: str) -> bool:
        return any(
            t.name == name
            for t in fresh(session).scalars(
                select(Task).where(Task.case_id == case.id, Task.state == "open")
            )
        )

    # The period ends at the end of its last day in Stockholm: 23:00 UTC in February.
    period_end = end + 23 * HOUR
    expected = []
    for days_before in (30, 14, 7):
        run_tick(sessions, services, period_end - days_before * DAY - SECOND)
        assert reflection_reminders() == expected
        run_tick(sessions, services, period_end - days_before * DAY)
        run_tick(sessions, services, period_end - days_before * DAY)
        expected.append(f"Reflection period ends in {days_before} days ({case.reference})")
        assert reflection_reminders() == expected
        assert not ready("request_extension")  # Sweden's 30 days cannot be extended

    run_tick(sessions, services, period_end - SECOND)
    assert not ready("decide_after_reflection")
    run_tick(sessions, services, period_end)
    assert ready("decide_after_reflection") and not ready("request_extension")

    decision = open_task(session, case, "decide_after_reflection")
    assert decision.due_at is not None and decision.organisation.slug == "se-roks"
    escalate_at = decision.due_at + ESCALATION_GRACE
    assert run_tick(sessions, services, escalate_at - SECOND).escalations == []
    assert run_tick(sessions, services, escalate_at).escalations == [
        f"{case.reference} decide_after_reflection overdue by 1 day"
    ]
    assert reflection_reminders() == expected


# --- two schedulers ------------------------------------------------------------------------------


def test_two_schedulers_ticking_at_once_fire_everything_once(
    db, session, sessions, services, coordinator, permit_process
):
    if db.dialect.name != "postgresql":
        pytest.skip(
            "needs PostgreSQL: FOR UPDATE SKIP LOCKED is how two schedulers share work; "
            "SQLite serialises writers and runs one scheduler only"
        )
    staff(session, "officer", "se-police", email="officer@police.example")
    staff(session, "coord-mail", "se-roks", email="coordinator@roks.example")
    demo = [open_case(session, services, coordinator) for _ in range(15)]
    permits = [open_case(session, services, coordinator, "sched_permit") for _ in range(8)]
    for case in permits:
        record_permit(session, services, case, "2026-01-07")
    at = START + 2 * DAY  # every timer, a reminder and an escalation per case are due
    reports: list[scheduler.TickReport] = []
    barrier = threading.Barrier(4)

    def scheduler_process() -> None:
        barrier.wait()
        reports.append(run_tick(sessions, services, at))

    threads = [threading.Thread(target=scheduler_process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(reports) == 4 and all(not r.skipped for r in reports)

    def total(field: str) -> int:
        return sum(len(getattr(r, field)) for r in reports)

    assert total("timers") == len(permits)
    assert count(session, AuditEvent, AuditEvent.action == "case.timers_fired") == len(permits)
    assert count(session, Task, Task.name == "apply_residence_permit", Task.state == "open") == len(
        permits
    )
    assert total("reminders") == sent_reminders(session) >= len(demo) + len(permits)
    assert count(session, Notification, Notification.kind == "reminder") == total("reminders")
    assert total("escalations") == count(session, Task, Task.escalated_at.is_not(None))
    assert total("escalations") >= len(demo)
    mails = session.execute(select(OutboxMail.recipient, OutboxMail.body)).all()
    assert len(mails) == len(set(mails)) > 0
    assert run_tick(sessions, services, at).lines() == []
