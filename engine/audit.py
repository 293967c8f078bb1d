"""The audit trail: every read and write of a case, append-only and hash-chained.

Each event stores the hash of the previous event *of the same case* (or of the
previous case-less event) and a hash over its own content and that link, so editing
or deleting an event breaks the chain where it stood. Chaining per case keeps
writers of different cases from contending on one global row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
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


def _digest(event: AuditEvent) -> str:
    content = {
        "at": event.at.isoformat(),
        "case_id": event.case_id,
        "user_id": event.user_id,
        "organisation_id": event.organisation_id,
        "action": event.action,
        "detail": event.detail,
        "prev": event.prev_hash,
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
    prev = session.scalar(
        select(AuditEvent.hash)
        .where(AuditEvent.case_id == case_id if case_id else AuditEvent.case_id.is_(None))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    event = AuditEvent(
        at=at,
        case_id=case_id,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        action=action,
        detail=detail,
        prev_hash=prev,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session, case_id: str) -> list[int]:
    """Ids of the case's events whose hash or link does not hold (empty: intact)."""
    # Two concurrent readers may link to the same predecessor, so a link must point
    # at *an* earlier event of the case rather than strictly the one before it.
    broken: list[int] = []
    seen: set[str] = set()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    )
    for event in events:
        linked = event.prev_hash in seen if seen else event.prev_hash is None
        if event.hash != _digest(event) or not linked:
            broken.append(event.id)
        seen.add(event.hash)
    return broken
