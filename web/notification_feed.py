"""Reminders and escalations for the signed-in person, for the header badge and the
notifications page, read and marked through `engine.schedule.notifications`; each
change is one unit of work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.db.unit_of_work import in_transaction
from engine.schedule import notifications as service
from engine.schedule.notifications import NotificationView


def unread_count(session: Session, actor: Actor) -> int:
    """For the badge on every page."""
    return service.unread_count(session, actor)


def recent(
    session: Session, actor: Actor, unread: bool = False, limit: int = 100
) -> list[NotificationView]:
    """Newest first."""
    return service.list_notifications(session, actor, unread=unread or None, limit=limit).items


def mark_read(session: Session, actor: Actor, notification_id: int, now: datetime) -> None:
    in_transaction(session, lambda: service.mark_read(session, actor, notification_id, now))


def mark_all_read(session: Session, actor: Actor, now: datetime) -> int:
    return in_transaction(session, lambda: service.mark_all_read(session, actor, now))
