"""Signed-in browsers, kept on the server so that they can be ended.

The cookie carries a random session id; the table keeps only its SHA-256, so a copy
of the database does not sign anyone in. A session ends at sign-out, when the person
is deactivated or her password changes, after 30 minutes without a request, and 12
hours after sign-in however busy it is. The last-seen time is written at most once a
minute, so that page views do not each write; the idle limit is therefore exact to
within that minute.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from engine.models import User, UserSession

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SignedIn:
    user: User
    record: UserSession

    def needs_touch(self, now: datetime) -> bool:
        return now - self.record.last_seen_at >= SEEN_EVERY


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def begin_session(session: Session, user: User, now: datetime) -> str:
    """A new session (inside a unit of work); returns the id for the cookie. Her sessions
    that can no longer be used are removed meanwhile, so the table stays small."""
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(
                UserSession.ended_at.is_not(None),
                UserSession.created_at < now - ABSOLUTE_LIMIT,
                UserSession.last_seen_at < now - IDLE_LIMIT,
            ),
        )
    )
    session_id = secrets.token_urlsafe(32)
    session.add(
        UserSession(id_hash=_digest(session_id), user_id=user.id, created_at=now, last_seen_at=now)
    )
    return session_id


def signed_in(session: Session, session_id: str, now: datetime) -> SignedIn | None:
    """The active person of a live session, or None: ended, idle, too old, deactivated."""
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id_hash == _digest(session_id))
    ).one_or_none()
    if row is None:
        return None
    record, user = row
    if (
        record.ended_at is not None
        or not user.active
        or now - record.last_seen_at > IDLE_LIMIT
        or now - record.created_at > ABSOLUTE_LIMIT
    ):
        return None
    return SignedIn(user=user, record=record)


def idle_too_long(session: Session, session_id: str, now: datetime) -> bool:
    """Whether this session ended by idling, so the sign-in page can say why."""
    record = session.scalar(select(UserSession).where(UserSession.id_hash == _digest(session_id)))
    return (
        record is not None
        and record.ended_at is None
        and now - record.last_seen_at > IDLE_LIMIT
        and now - record.created_at <= ABSOLUTE_LIMIT
    )


def touch(session: Session, record: UserSession, now: datetime) -> None:
    session.execute(update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now))


def end_session(session: Session, session_id: str, now: datetime) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.id_hash == _digest(session_id), UserSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_all_sessions(session: Session, user_id: int, now: datetime, keep: str | None = None) -> int:
    """End every live session of this person (but `keep`, her own); how many ended."""
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id_hash != _digest(keep))
    result = session.execute(query.values(ended_at=now))
    return int(getattr(result, "rowcount", 0) or 0)
