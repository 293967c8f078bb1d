"""The audit trail: every read and write of a case, append-only and hash-chained.

Each event stores the hash of the previous event *of the same case* (or of the
previous case-less event) and a hash over its own content and that link, so editing
or deleting an event breaks the chain where it stood. Chaining per case keeps
writers of different cases from contending on one global row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from engine.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in person or an API token's user, or the system."""

    user_id: int | None
    organisation_id: int | None
    username: str
    is_admin: bool = False

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, organisation_id=None, username="system")


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_pending_heads(session: Session, *_: Any) -> None:
    session.info.pop("audit_heads", None)


def _digest(entry: AuditEvent) -> str:
    content = {
        "at": entry.at.isoformat(),
        "case_id": entry.case_id,
        "user_id": entry.user_id,
        "organisation_id": entry.organisation_id,
        "action": entry.action,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    at: datetime,
    case_id: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes."""
    # Events added earlier in this transaction are not in the database yet; a case that
    # `load_heads` found without events is known to start a chain (None).
    pending: dict[str | None, str | None] = session.info.setdefault("audit_heads", {})
    if case_id in pending:
        prev = pending[case_id]
    else:
        with session.no_autoflush:
            prev = session.scalar(
                select(AuditEvent.hash)
                .where(AuditEvent.case_id == case_id if case_id else AuditEvent.case_id.is_(None))
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )
    entry = AuditEvent(
        at=at,
        case_id=case_id,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        action=action,
        detail=detail,
        prev_hash=prev,
    )
    entry.hash = _digest(entry)
    session.add(entry)
    pending[case_id] = entry.hash
    return entry


def load_heads(session: Session, case_ids: Iterable[str]) -> None:
    """Read the chain heads of many cases in one query, for a batch job about to record
    an event on each (the scheduler's reminders), so `record` need not look up each."""
    pending: dict[str | None, str | None] = session.info.setdefault("audit_heads", {})
    wanted = {case_id for case_id in case_ids if case_id not in pending}
    if not wanted:
        return
    pending.update(dict.fromkeys(wanted))  # no event yet, unless found below
    latest = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.case_id.in_(wanted))
        .group_by(AuditEvent.case_id)
    )
    rows = session.execute(
        select(AuditEvent.case_id, AuditEvent.hash).where(AuditEvent.id.in_(latest))
    )
    pending.update({case_id: digest for case_id, digest in rows})


def verify_chain(session: Session, case_id: str) -> list[int]:
    """Ids of the case's events whose hash or link does not hold (empty: intact)."""
    # Two concurrent readers may link to the same predecessor, so a link must point
    # at *an* earlier event of the case rather than strictly the one before it.
    broken: list[int] = []
    seen: set[str] = set()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    )
    for entry in events:
        linked = entry.prev_hash in seen if seen else entry.prev_hash is None
        if entry.hash != _digest(entry) or not linked:
            broken.append(entry.id)
        seen.add(entry.hash)
    return broken
