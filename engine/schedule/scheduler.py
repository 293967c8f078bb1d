"""The scheduler: `tick(now)` ends expired consents, erases test cases older than a day,
wakes due timers, sends reminders, escalates overdue tasks and delivers the outbox; plus
its APScheduler wiring.

Everything is found through indexes (`case_file.next_timer_at`, the pending-reminder
and escalation indexes) and read in batches, so an idle case costs nothing and memory
stays flat in the number of cases; no case is loaded to find out whether anything is
due. Every step is a short unit of work of its own (`in_transaction`: on SQLite it
takes the write lock up front, so a tick waits for a busy web worker instead of
failing). On PostgreSQL the rows a transaction works on are taken `FOR UPDATE SKIP
LOCKED`, so two schedulers share the work instead of doing it twice; on any database
a reminder or an escalation is marked in the same transaction that writes its
notification and e-mail, and a case is saved with its revision check, so nothing
fires twice.

Time is the `now` passed in, for everything: SpiffWorkflow's timers read it through
`use_clock`, so `nbassist scheduler tick --at T` and the tests are exact.

A tick always finishes: a case whose step fails or exceeds its evaluation budget is
quarantined (engine/schedule/quarantine.py) and left out of later ticks until released,
and the tick goes on with the others. Its duration and the cases quarantined are logged.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.audit import Actor, record
from engine.bpmn import runtime
from engine.bpmn.clock import FixedClock, SystemClock, use_clock
from engine.case.consents import expire_consents
from engine.case.store import load_workflow, save_workflow
from engine.case.test_cases import erase_expired_test_cases
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import Busy, Conflict, EngineError
from engine.models import Case
from engine.schedule.mail import MailSettings, send_pending
from engine.schedule.notifications import Recipients
from engine.schedule.quarantine import quarantine
from engine.schedule.reminders import BATCH, escalate_overdue_tasks, send_due_reminders, skip_locked

log = logging.getLogger(__name__)

# A diagram whose timers keep re-arming in the past must not hold a tick forever.
MAX_TIMER_ROUNDS = 10
SPIFF_TIMER_STRICTNESS = timedelta(microseconds=1)


@dataclass
class TickReport:
    """What one tick did, for the command line and the log."""

    at: datetime
    timers: list[str] = field(default_factory=list)  # references of cases woken
    reminders: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    cancelled: int = 0  # reminders of tasks no longer open, or of replaced dates
    skipped: list[str] = field(default_factory=list)  # cases changed meanwhile or failing
    mails_sent: int = 0
    mails_failed: int = 0
    consents_ended: list[str] = field(default_factory=list)  # cases whose consent expired
    test_cases_erased: list[str] = field(default_factory=list)  # a day after they started
    quarantined: list[str] = field(default_factory=list)  # "REF: reason", set aside this tick
    seconds: float = 0.0  # how long the tick took (wall clock, for the log)

    def lines(self) -> list[str]:
        return (
            [f"timer    {ref}" for ref in self.timers]
            + [f"reminder {text}" for text in self.reminders]
            + [f"escalate {text}" for text in self.escalations]
            + [f"skipped  {text}" for text in self.skipped]
            + [f"consent  {ref} expired" for ref in self.consents_ended]
            + [f"quarantined {text}" for text in self.quarantined]
            + [f"erased   test case {ref}" for ref in self.test_cases_erased]
        )

    def summary(self) -> str:
        return (
            f"tick at {self.at.isoformat()}: {len(self.timers)} case(s) woken, "
            f"{len(self.reminders)} reminder(s) sent, {self.cancelled} cancelled, "
            f"{len(self.escalations)} escalation(s), {len(self.skipped)} case(s) skipped, "
            f"{self.mails_sent} mail(s) sent, {self.mails_failed} failed, "
            f"{len(self.quarantined)} case(s) quarantined, in {self.seconds:.2f} s"
        )


def tick(
    sessions: sessionmaker[Session],
    services: Services,
    now: datetime,
    mail: MailSettings | None = None,
) -> TickReport:
    """One pass of the scheduler as of `now`. `mail` defaults to the environment's
    NBASSIST_SMTP_URL and NBASSIST_BASE_URL."""
    mail = mail or MailSettings.from_environment()
    started = time.monotonic()
    report = TickReport(at=now)
    fixed = Services(cipher=services.cipher, clock=FixedClock(now))
    recipients = Recipients()
    report.consents_ended = expire_consents(sessions, now)  # before any reminder goes out
    report.test_cases_erased = _erase_test_cases(sessions, now)
    wake_due_timers(sessions, fixed, now, report, recipients, mail.base_url)
    reminders = send_due_reminders(sessions, recipients, mail.base_url, now)
    escalations = escalate_overdue_tasks(sessions, recipients, mail.base_url, now)
    report.reminders, report.escalations = reminders.sent, escalations.sent
    report.cancelled = reminders.cancelled
    mails = send_pending(sessions, mail, now)
    report.mails_sent, report.mails_failed = mails.sent, mails.failed + mails.gave_up
    report.seconds = time.monotonic() - started
    return report


def _erase_test_cases(sessions: sessionmaker[Session], now: datetime) -> list[str]:
    with sessions() as session:
        return in_transaction(session, lambda: erase_expired_test_cases(session, now))


# --- timers --------------------------------------------------------------------------------


def wake_due_timers(
    sessions: sessionmaker[Session],
    services: Services,
    now: datetime,
    report: TickReport,
    recipients: Recipients,
    base_url: str,
) -> None:
    """Cases whose earliest timer is due, in batches by (next_timer_at, id); quarantined
    cases are left out by the index itself."""
    after: tuple[datetime | None, str] | None = None
    while True:
        with sessions() as session:
            query = select(Case.next_timer_at, Case.id).where(
                Case.status == "open",
                Case.quarantined_at.is_(None),
                Case.next_timer_at <= now,
            )
            if after is not None:
                query = query.where(tuple_(Case.next_timer_at, Case.id) > after)
            batch = session.execute(query.order_by(Case.next_timer_at, Case.id).limit(BATCH)).all()
        for _, case_id in batch:
            failure = _wake_case(sessions, services, case_id, now, report)
            if failure is not None:
                _quarantine(sessions, recipients, base_url, case_id, failure, now, report)
        if len(batch) < BATCH:
            return
        after = (batch[-1][0], batch[-1][1])


def _wake_case(
    sessions: sessionmaker[Session],
    services: Services,
    case_id: str,
    now: datetime,
    report: TickReport,
) -> str | None:
    """Fire the case's due timers; the reason when its step failed (to quarantine it)."""
    reference = case_id
    with sessions() as session:

        def fire() -> str | None:
            nonlocal reference
            # Re-check under the lock: another scheduler may have just handled this case.
            locked = session.scalar(
                skip_locked(
                    session,
                    select(Case.id).where(
                        Case.id == case_id,
                        Case.status == "open",
                        Case.quarantined_at.is_(None),
                        Case.next_timer_at <= now,
                    ),
                )
            )
            case = session.get(Case, locked) if locked else None
            if case is None:
                return None
            reference = case.reference
            revision = case.revision
            workflow = load_workflow(services, case)
            _fire_timers(workflow, now)
            save_workflow(session, services, case, workflow, revision)
            record(session, Actor.system(), "case.timers_fired", now, case.id)
            return case.reference

        try:
            fired = in_transaction(session, fire)
        except Conflict:  # changed by a person meanwhile: still due, next tick
            report.skipped.append(f"{reference} changed meanwhile, retried next tick")
            return None
        except Busy:  # the database stayed locked past the busy timeout: still due
            report.skipped.append(f"{reference} busy, retried next tick")
            return None
        except SQLAlchemyError as exc:  # the database's trouble, not the case's: not quarantined
            log.exception("timers of case %s could not be saved", reference)
            report.skipped.append(f"{reference} database error ({type(exc).__name__}), retried")
            return None
        except Exception as exc:  # one broken case must not stop every other case's timers
            log.exception("timers of case %s could not fire", reference)
            reason = exc.message if isinstance(exc, EngineError) else type(exc).__name__
            report.skipped.append(f"{reference} failed: {reason}")
            return reason
    if fired is not None:
        report.timers.append(fired)
    return None


def _quarantine(
    sessions: sessionmaker[Session],
    recipients: Recipients,
    base_url: str,
    case_id: str,
    reason: str,
    now: datetime,
    report: TickReport,
) -> None:
    """Set a failing case aside in a unit of work of its own (the failed one rolled back)."""
    with sessions() as session:
        try:
            reference = in_transaction(
                session, lambda: quarantine(session, recipients, base_url, case_id, reason, now)
            )
        except Exception:  # still due: the next tick fails on it and tries again
            log.exception("case %s could not be quarantined", case_id)
            return
    if reference is not None:
        log.warning("case %s quarantined: %s", reference, reason)
        report.quarantined.append(f"{reference}: {reason}")


def _fire_timers(workflow: Any, now: datetime) -> None:
    """Fire every timer due at or before `now`, and run on.

    SpiffWorkflow fires a timer only when its time is strictly before the clock, while
    `tick(T)` promises what is due at T. So the due timers are marked fired with the
    clock a microsecond past `now`, and the case then runs on with the clock at exactly
    `now`, so that timers it arms are due exactly their duration after `now`.
    """
    exact, nudged = FixedClock(now), FixedClock(now + SPIFF_TIMER_STRICTNESS)
    previous = None
    for _ in range(MAX_TIMER_ROUNDS):
        with use_clock(nudged):
            workflow.refresh_timers()
        with use_clock(exact):
            runtime.fire_due_timers(workflow)
            due = runtime.next_timer_at(workflow)
        if due is None or due > now or due == previous or runtime.is_finished(workflow):
            return
        previous = due  # a timer armed in the past by this very run: one more round


# --- running it ----------------------------------------------------------------------------


def _job(sessions: sessionmaker[Session], services: Services, mail: MailSettings) -> None:
    try:
        report = tick(sessions, services, services.now(), mail)
    except Busy:
        log.warning("the database stayed busy past the wait; the next tick retries")
        return
    except Exception:
        log.exception("scheduler tick failed; the next tick retries")
        return
    for line in report.lines():
        log.info(line)
    # Every tick's duration is worth a line: a tick that slowly grows is a warning sign.
    log.info(report.summary())


def _add_job(
    scheduler: BackgroundScheduler | BlockingScheduler,
    sessions: sessionmaker[Session],
    services: Services,
    interval_seconds: float,
    mail: MailSettings | None,
) -> None:
    scheduler.add_job(
        _job,
        "interval",
        seconds=interval_seconds,
        args=(sessions, services, mail or MailSettings.from_environment()),
        id="nbassist-tick",
        max_instances=1,
        coalesce=True,
        next_run_time=SystemClock().now(),  # first tick at once, not after one interval
        misfire_grace_time=None,
    )


def start_in_process(
    sessions: sessionmaker[Session],
    services: Services,
    interval_seconds: float = 30,
    mail: MailSettings | None = None,
) -> BackgroundScheduler:
    """Run the scheduler in a background thread of this process (for `make run`)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_job(scheduler, sessions, services, interval_seconds, mail)
    scheduler.start()
    return scheduler


def run_forever(
    sessions: sessionmaker[Session],
    services: Services,
    interval_seconds: float = 30,
    mail: MailSettings | None = None,
) -> None:
    """The scheduler process: tick every interval until SIGTERM or SIGINT, then let the
    running tick finish its transaction and stop."""
    scheduler = BlockingScheduler(timezone="UTC")
    _add_job(scheduler, sessions, services, interval_seconds, mail)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping after the running tick", signal.Signals(signum).name)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler running: one tick every %s seconds", interval_seconds)
    scheduler.start()
    log.info("scheduler stopped")
