"""Signing in and out, and who is signed in on every page request.

A Flask session (a signed, HttpOnly, SameSite cookie; Secure in production) holds the
user id, the time of the last request and the CSRF token. After 30 minutes without a
request the session ends: shelters share computers. Every page needs a signed-in
user except the sign-in page itself and static files; the JSON API has its own tokens.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine.accounts import actor_for, check_password
from engine.audit import record
from engine.models import User
from web.auth import throttle
from web.state import db_session, state

auth = Blueprint("auth", __name__)

IDLE_TIMEOUT = timedelta(minutes=30)
PUBLIC_ENDPOINTS = {"auth.sign_in", "static", "html_error"}


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("tasks.home")


def load_signed_in_user():  # type: ignore[no-untyped-def]
    """Sets g.user / g.actor; sends anyone not signed in (or idle too long) to sign in."""
    g.user = g.actor = None
    if request.path.startswith("/api/") or request.endpoint is None:
        return None
    public = request.endpoint in PUBLIC_ENDPOINTS
    if request.endpoint == "static":
        return None
    user_id = session.get("user_id")
    now = state().clock.now()
    if user_id is not None:
        seen = float(session.get("seen", 0))
        user = db_session().get(User, user_id)
        if now.timestamp() - seen > IDLE_TIMEOUT.total_seconds():
            session.clear()
            flash(
                _("You were signed out after 30 minutes without activity. Please sign in again."),
                "info",
            )
        elif user is None or not user.active:
            session.clear()
        else:
            g.user, g.actor = user, actor_for(user)
            session["seen"] = now.timestamp()
            return None
    if public:
        return None
    next_path = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("auth.sign_in", next=next_path.rstrip("?")))


@auth.route("/sign-in", methods=["GET", "POST"])
def sign_in():  # type: ignore[no-untyped-def]
    if g.user is not None and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        db = db_session()
        now = state().clock.now()
        keys = throttle.attempt_keys(username, request.remote_addr)
        if throttle.is_locked(db, keys, now):
            error = _(
                "Too many failed sign-ins. For your safety, signing in is paused for 15 minutes. "
                "Wait and try again, or ask your administrator to help."
            )
            status = 429
        else:
            user = check_password(db, username, password) if username and password else None
            if user is None:
                throttle.record_failure(db, keys, now)
                error = _("The username or password is not right. Check them and try again.")
                status = 401
            else:
                throttle.forget_failures(db, keys[0])
                record(db, actor_for(user), "user.signed_in", now)
                db.commit()
                session.clear()  # a new session on sign-in: no fixation
                session["user_id"] = user.id
                session["seen"] = now.timestamp()
                flash(_("Welcome, %(name)s.", name=user.username), "success")
                return redirect(safe_next(request.args.get("next")))
    return (
        render_template("auth/sign_in.html", error=error, username=username),
        status,
    )


@auth.post("/sign-out")
def sign_out():  # type: ignore[no-untyped-def]
    if g.user is not None:
        db = db_session()
        record(db, g.actor, "user.signed_out", state().clock.now())
        db.commit()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))
