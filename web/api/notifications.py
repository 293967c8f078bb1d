"""Notifications: the caller's reminders and escalations, and marking one read."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from engine.db.unit_of_work import in_transaction
from engine.schedule import notifications
from engine.schedule.notifications import NotificationView
from web.api import actor, api, services
from web.state import db_session


def notification_json(view: NotificationView) -> dict[str, Any]:
    """API.md's shape: times as ISO 8601 with their UTC offset."""
    return {
        "id": view.id,
        "kind": view.kind,
        "case_id": view.case_id,
        "task_id": view.task_id,
        "subject": view.subject,
        "due_at": view.due_at.isoformat() if view.due_at else None,
        "message": view.message,
        "created_at": view.created_at.isoformat(),
        "read_at": view.read_at.isoformat() if view.read_at else None,
    }


@api.get("/notifications")
def list_notifications() -> ResponseReturnValue:
    args = request.args
    page = notifications.list_notifications(
        db_session(),
        actor(),
        unread=args.get("unread"),
        limit=args.get("limit"),
        cursor=args.get("cursor"),
    )
    return jsonify({"items": [notification_json(n) for n in page.items], "next": page.next})


@api.post("/notifications/<notification_id>/read")
def mark_read(notification_id: str) -> ResponseReturnValue:
    session = db_session()
    view = in_transaction(
        session,
        lambda: notifications.mark_read(session, actor(), notification_id, services().now()),
    )
    return jsonify(notification_json(view))
