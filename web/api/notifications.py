"""Notifications: the caller's reminders and escalations, and marking one read."""

from __future__ import annotations

from flask import jsonify, request

from engine.schedule import notifications
from web.api import actor, api, services
from web.state import db_session


@api.get("/notifications")
def list_notifications():  # type: ignore[no-untyped-def]
    args = request.args
    page = notifications.list_notifications(
        db_session(),
        actor(),
        unread=args.get("unread"),
        limit=args.get("limit"),
        cursor=args.get("cursor"),
    )
    return jsonify({"items": page.items, "next": page.next})


@api.post("/notifications/<notification_id>/read")
def mark_read(notification_id: str):  # type: ignore[no-untyped-def]
    return jsonify(
        notifications.mark_read(db_session(), actor(), notification_id, services().now())
    )
