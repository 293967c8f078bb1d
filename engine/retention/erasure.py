"""Erasing her personal data once her case's retention period has passed.

What goes: the encrypted workflow state and profile, every task's submitted answers,
the notes, consents' free-text purposes, the case's e-mails, the duplicate-matching
hash and any quarantine message. What stays, as anonymised history for statistics:
the case row (reference, country, status, stage, dates), the task index's names,
organisations and dates, deadlines, the team and the audit trail, which by design
holds no personal data. Cases on legal hold and open cases are never erased.

On SQLite the freed pages would still hold the old bytes, so `reclaim_space` rewrites
the file (VACUUM) and empties the write-ahead log after an erasure.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.db.unit_of_work import in_transaction
from engine.models import (
    AccessGrant,
    Case,
    CaseCorrection,
    CaseMatch,
    Consent,
    Note,
    OutboxMail,
    Task,
    TaskDraft,
)
from engine.retention.holds import active_hold
from engine.retention.rules import erase_after, list_rules

ERASED_TEXT = "(erased under the retention rules)"


@dataclass(frozen=True)
class Due:
    case_id: str
    reference: str
    country: str
    closed_at: datetime
    erase_after: datetime
    held: bool


@dataclass
class RetentionReport:
    erased: list[Due] = field(default_factory=list)
    held: list[Due] = field(default_factory=list)
    # Countries with closed cases but no rule: nothing is erased without a period.
    without_rule: list[str] = field(default_factory=list)

    def lines(self, dry_run: bool) -> list[str]:
        verb = "would erase" if dry_run else "erased"
        out = [
            f"{verb} {d.reference} ({d.country}, closed {d.closed_at.date()}, "
            f"due {d.erase_after.date()})"
            for d in self.erased
        ]
        out += [f"kept {d.reference} ({d.country}): on legal hold" for d in self.held]
        out += [f"kept closed cases of {c}: no retention period set" for c in self.without_rule]
        out.append(
            f"{len(self.erased)} case(s) {verb}, {len(self.held)} on legal hold"
            + (" (dry run: nothing changed)" if dry_run else "")
        )
        return out


def due_for_erasure(session: Session, now: datetime) -> RetentionReport:
    """Closed or withdrawn cases past their country's period, not yet erased."""
    report = RetentionReport()
    rules = {rule.country: rule for rule in list_rules(session)}
    closed = select(Case.host_country).where(
        Case.status != "open", Case.erased_at.is_(None), Case.closed_at.is_not(None)
    )
    report.without_rule = sorted(set(session.scalars(closed.distinct())) - rules.keys())
    for rule in rules.values():
        rows = session.execute(
            select(Case.id, Case.reference, Case.closed_at)
            .where(
                Case.host_country == rule.country,
                Case.status != "open",
                Case.erased_at.is_(None),
                Case.closed_at.is_not(None),
            )
            .order_by(Case.closed_at, Case.id)
        ).all()
        for case_id, reference, closed_at in rows:
            due = erase_after(rule, closed_at)
            if closed_at is None or due is None or due > now:
                continue
            held = active_hold(session, case_id) is not None
            entry = Due(case_id, reference, rule.country, closed_at, due, held)
            (report.held if held else report.erased).append(entry)
    return report


def erase_case(session: Session, actor: Actor, case_id: str, now: datetime) -> dict[str, int]:
    """Erase one case's personal data (the caller's unit of work commits); how much."""
    case = session.get(Case, case_id)
    assert case is not None
    counts = {
        "answers": session.execute(
            update(Task)
            .where(Task.case_id == case_id, Task.data.is_not(None))
            .values(data=None)
            .execution_options(synchronize_session=False)
        ).rowcount,  # type: ignore[attr-defined]
        "notes": session.execute(delete(Note).where(Note.case_id == case_id)).rowcount,  # type: ignore[attr-defined]
        "mails": session.execute(
            update(OutboxMail)
            .where(OutboxMail.body.contains(f"/cases/{case_id}"))
            .values(subject=ERASED_TEXT, body=ERASED_TEXT)
            .execution_options(synchronize_session=False)
        ).rowcount,  # type: ignore[attr-defined]
    }
    # An erased mail is never sent: it no longer says anything.
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.body == ERASED_TEXT, OutboxMail.sent_at.is_(None))
        .where(OutboxMail.gave_up_at.is_(None))
        .values(gave_up_at=now, last_error="erased under the retention rules")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Consent)
        .where(Consent.case_id == case_id)
        .values(purpose=ERASED_TEXT)
        .execution_options(synchronize_session=False)
    )
    # The reason for access on a legal basis may speak of her.
    session.execute(
        update(AccessGrant)
        .where(AccessGrant.case_id == case_id)
        .values(reason=ERASED_TEXT)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(CaseMatch).where(CaseMatch.case_id == case_id))
    # Drafts and corrections hold her answers too; the alias key would still find her.
    session.execute(
        delete(TaskDraft).where(
            TaskDraft.task_id.in_(select(Task.id).where(Task.case_id == case_id))
        )
    )
    session.execute(delete(CaseCorrection).where(CaseCorrection.case_id == case_id))
    case.alias_key = None
    case.state, case.profile, case.quarantine_reason = b"", None, None
    case.state_before_closing, case.previous_state = None, None
    case.next_timer_at, case.erased_at = None, now
    case.revision += 1
    record(session, actor, "case.erased", now, case_id, **counts)
    return counts


def apply_retention(
    session: Session, actor: Actor, now: datetime, dry_run: bool = False
) -> RetentionReport:
    """Erase every case past its period and not held, each in its own transaction, so
    that one failure leaves the others erased; audited per case and as a whole."""
    report = due_for_erasure(session, now)
    session.rollback()  # the reads above are not part of any erasure
    if dry_run:
        return report
    for due in report.erased:

        def erase(case_id: str = due.case_id) -> dict[str, int]:
            return erase_case(session, actor, case_id, now)

        in_transaction(session, erase)
    in_transaction(
        session,
        lambda: record(
            session,
            actor,
            "retention.applied",
            now,
            erased=len(report.erased),
            held=len(report.held),
        ),
    )
    return report


def reclaim_space(engine: Engine) -> str | None:
    """Make the erased bytes unreadable from the database file; a warning when it could
    not be done now. On SQLite deleted content is zeroed already (secure_delete, see
    engine/db); this also empties the write-ahead log and rewrites the file without its
    free pages. PostgreSQL reuses dead rows' space through autovacuum (docs/retention.md)."""
    if engine.dialect.name != "sqlite":
        return None
    # The driver's own connection: SQLAlchemy's would open a transaction (engine/db begins
    # every one explicitly), and VACUUM cannot run inside one.
    connection = engine.raw_connection()
    try:
        for statement in (
            "PRAGMA wal_checkpoint(TRUNCATE)",
            "VACUUM",
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ):
            connection.driver_connection.execute(statement)  # type: ignore[union-attr]
    except sqlite3.OperationalError as error:
        return f"warning: could not compact the database file now ({error}); run again later"
    finally:
        connection.close()
    return None
