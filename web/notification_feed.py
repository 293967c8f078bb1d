"""Reminders and escalations for the signed-in person, for the header badge and the
notifications page, read through the scheduler's `engine.schedule.notifications` service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.schedule import notifications as service

TIMES = ("due_at", "created_at", "read_at")


def unread_count(session: Session, actor: Actor) -> int:
    """For the badge on every page."""
    return service.unread_count(session, actor)


def recent(
    session: Session, actor: Actor, unread: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """Newest first, times as datetimes (the service speaks the API's ISO strings)."""
    page = service.list_notifications(session, actor, unread=unread or None, limit=limit)
    return [
        {
            key: datetime.fromisoformat(value) if key in TIMES and isinstance(value, str) else value
            for key, value in item.items()
        }
        for item in page.items
    ]


def mark_read(session: Session, actor: Actor, notification_id: int, now: datetime) -> None:
    service.mark_read(session, actor, notification_id, now)


def mark_all_read(session: Session, actor: Actor, now: datetime) -> None:
    for item in recent(session, actor, unread=True, limit=500):
        service.mark_read(session, actor, item["id"], now)
