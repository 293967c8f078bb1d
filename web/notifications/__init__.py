"""The notifications page: reminders and escalations for the signed-in person."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from web.case_rows import facts_by_case
from web.notification_feed import mark_all_read, mark_read, recent
from web.state import db_session, state

notifications = Blueprint("notifications", __name__, url_prefix="/notifications")


@notifications.get("")
def notification_list() -> ResponseReturnValue:
    only_unread = request.args.get("show") == "unread"
    db, services = db_session(), state().services
    items = recent(db, g.actor, unread=only_unread)
    facts = facts_by_case(db, services, g.actor, (n.case_id for n in items), services.now())
    return render_template(
        "notifications/list.html", items=items, only_unread=only_unread, facts=facts
    )


@notifications.post("/<int:notification_id>/read")
def read_one(notification_id: int) -> ResponseReturnValue:
    mark_read(db_session(), g.actor, notification_id, state().clock.now())
    return redirect(url_for("notifications.notification_list"))


@notifications.post("/read-all")
def read_all() -> ResponseReturnValue:
    mark_all_read(db_session(), g.actor, state().clock.now())
    flash(_("All notifications are marked as read."), "info")
    return redirect(url_for("notifications.notification_list"))
