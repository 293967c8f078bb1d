"""Changing one's own password, under the Security page.

The current password is asked again (a session left open on a shared computer must
not be enough), and the change ends every other session of hers at once: whoever
might have been signed in elsewhere with the old password is signed out. Her own
session goes on. Wrong current passwords count toward the sign-in throttle.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.accounts import users
from engine.db.unit_of_work import in_transaction
from engine.errors import InvalidData
from web.auth import SESSION_ID, throttle, throttled_message
from web.state import db_session, state

password_pages = Blueprint("password", __name__)


@password_pages.route("/security/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        db = db_session()
        now = state().clock.now()
        user = g.user
        keys = throttle.attempt_keys(user.username, request.remote_addr)
        wait = throttle.wait_before_next(db, keys.for_password(), now)
        current = request.form.get("current_password", "")
        new = request.form.get("new_password", "")
        if wait > timedelta(0):
            errors["current_password"] = throttled_message(wait)
            status = 429
        elif not users.verify_own_password(user, current):
            in_transaction(db, lambda: throttle.record_failure(db, keys.for_password(), now))
            errors["current_password"] = _("This is not your current password.")
            status = 422
        elif new != request.form.get("repeat_password", ""):
            errors["repeat_password"] = _("The two new passwords are not the same.")
            status = 422
        else:
            keep = str(session.get(SESSION_ID, ""))
            try:
                in_transaction(
                    db, lambda: users.set_password(db, user, new, now, g.actor, keep_session=keep)
                )
            except InvalidData:
                errors["new_password"] = _(
                    "Use at least %(count)d characters.", count=users.MIN_PASSWORD_LENGTH
                )
                status = 422
            else:
                flash(
                    _("Your password is changed. Anywhere else you were signed in, you are not."),
                    "success",
                )
                return redirect(url_for("second_factor.security"))
    return (
        render_template("auth/password.html", errors=errors, section="security"),
        status,
    )
