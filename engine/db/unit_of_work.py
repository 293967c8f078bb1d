"""The one way a transaction that writes ends: `in_transaction` runs a unit of work and
commits it, or rolls everything back, so a case is never half-written. Services never
commit; reading needs no unit of work.

On SQLite the unit of work begins as a writer (`BEGIN IMMEDIATE`, see engine/db): a
reading transaction the session had open is ended first, so its objects are reloaded
inside the write transaction and a check made in `work` sees the newest data.

A write lost to a concurrent write of the same rows is a Conflict (409). On SQLite a
writer that waited past the busy timeout for the database lock is `Busy` (503, try
again shortly), never a conflict: nobody changed her case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from engine.db import WRITE_OPTION
from engine.errors import Busy, Conflict

T = TypeVar("T")


def is_lock_timeout(error: OperationalError) -> bool:
    return "locked" in str(error.orig).lower() or "busy" in str(error.orig).lower()


def in_transaction(session: Session, work: Callable[[], T]) -> T:
    """Run `work` and commit; on any error roll back so nothing is half-written."""
    try:
        _begin_writing(session)
        result = work()
        session.commit()
        return result
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("the case was changed by someone else meanwhile: try again") from exc
    except OperationalError as exc:
        session.rollback()
        if is_lock_timeout(exc):
            raise Busy("the database is busy: try again in a moment") from exc
        raise
    except BaseException:
        session.rollback()
        raise


def _begin_writing(session: Session) -> None:
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's row locks and the revision check serialise writers
    if session.in_transaction():
        connection = session.connection()
        if connection.get_execution_options().get(WRITE_OPTION):
            return  # already writing (a unit of work inside another's transaction)
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a unit of work began with changes made outside one")
        session.rollback()  # end the read snapshot; loaded objects reload when used
    session.connection(execution_options={WRITE_OPTION: True})
