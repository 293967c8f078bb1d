"""Login rate limiting across all web workers, kept in the `login_attempt` table.

Five failed sign-ins for one username, or from one address, within 15 minutes lock
further attempts for that key until the window has passed. A correct password does
not get through a lock: that is what stops guessing. These functions never commit:
the sign-in views run them inside a unit of work.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.models import LoginAttempt

WINDOW = timedelta(minutes=15)
LIMIT = 5


def attempt_keys(username: str, address: str | None) -> list[str]:
    return [f"user:{username.strip().lower()}"[:200], f"addr:{address or 'unknown'}"[:200]]


def is_locked(session: Session, keys: list[str], now: datetime) -> bool:
    counts = session.execute(
        select(LoginAttempt.key, func.count())
        .where(LoginAttempt.key.in_(keys), LoginAttempt.at > now - WINDOW)
        .group_by(LoginAttempt.key)
    ).all()
    return any(count >= LIMIT for _key, count in counts)


def record_failure(session: Session, keys: list[str], now: datetime) -> None:
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.key.in_(keys), LoginAttempt.at <= now - WINDOW)
    )
    session.add_all(LoginAttempt(key=key, at=now) for key in keys)


def forget_failures(session: Session, key: str) -> None:
    """After a successful sign-in the username starts afresh (the address does not)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
