"""Signing in and out, and who is signed in on every page request.

The Flask session cookie (signed, HttpOnly, SameSite; Secure in production) carries
a random session id, the CSRF token and, while half signed in, the pending account.
The session itself lives on the server (engine/accounts/sessions.py): sign-out,
deactivation and a password change end it at once, so a copied cookie stops working;
it ends after 30 minutes without a request (shelters share computers) and 12 hours
after sign-in. Every page needs a signed-in user except the sign-in page itself and
static files; the JSON API has its own tokens.

Accounts with a second factor (every administrator must have one) are only "half
signed in" after the right password: the session names the account as pending, reaches
nothing but the code page (or, for an administrator without a factor yet, the set-up
page) and sign-out, and lapses after 5 minutes. See web/auth/second_factor.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from engine.accounts import sessions
from engine.accounts.second_factor import has_second_factor, must_enrol
from engine.accounts.users import actor_for, check_password
from engine.audit import record
from engine.db import WRITE_OPTION
from engine.db.unit_of_work import in_transaction
from engine.models import User
from web.auth import throttle
from web.i18n import available_locales
from web.state import db_session, state

auth = Blueprint("auth", __name__)

HALF_SIGNED_IN_TIMEOUT = timedelta(minutes=5)
PUBLIC_ENDPOINTS = {"auth.sign_in", "static", "html_error", "languages.choose"}
# All that a half-signed-in session reaches (a new password on the sign-in form, too).
HALF_SIGNED_IN_ENDPOINTS = {"second_factor.code", "second_factor.set_up", "auth.sign_out"}
# The session keys of a half-signed-in session.
SESSION_ID = "sid"
PENDING_USER = "pending_user_id"
PENDING_AT = "pending_at"
PENDING_NEXT = "pending_next"
ENROLMENT_SECRET = "enrolment_secret"  # noqa: S105 - a session key, not a secret


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("tasks.home")


def second_factor_step(user: User) -> str:
    """The endpoint that a half-signed-in account must pass next."""
    return "second_factor.code" if has_second_factor(user) else "second_factor.set_up"


def load_signed_in_user() -> ResponseReturnValue | None:
    """Sets g.user / g.actor (or g.pending_user, half signed in); sends anyone not signed
    in (or idle too long) to sign in, and anyone half signed in to the second factor."""
    g.user = g.actor = g.pending_user = None
    if request.path.startswith("/api/") or request.endpoint is None:
        return None
    public = request.endpoint in PUBLIC_ENDPOINTS
    if request.endpoint == "static":
        return None
    now = state().clock.now()
    if PENDING_USER in session:
        return _half_signed_in(now, public)
    session_id = session.get(SESSION_ID)
    if session_id is not None:
        db = db_session()
        signed_in = sessions.signed_in(db, str(session_id), now)
        if signed_in is None:
            idle = sessions.idle_too_long(db, str(session_id), now)
            session.clear()
            if idle:
                flash(
                    _(
                        "You were signed out after 30 minutes without activity. "
                        "Please sign in again."
                    ),
                    "info",
                )
        elif must_enrol(signed_in.user):
            # An administrator whose factor an operator reset, or who signed in before
            # factors were required: only the password can open the set-up page.
            session.clear()
            flash(_("Please sign in again to set up your second factor."), "info")
        else:
            if signed_in.needs_touch(now):
                _bookkeeping(db, lambda: sessions.touch(db, signed_in.record, now))
            g.user, g.actor = signed_in.user, actor_for(signed_in.user)
            return None
    if public:
        return None
    next_path = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("auth.sign_in", next=next_path.rstrip("?")))


def _bookkeeping(db: Session, work: Callable[[], None]) -> None:
    """A small write on the way (the last-seen time): within the request's transaction
    when it already writes (the case page begins as a writer), else its own."""
    if db.in_transaction() and db.connection().get_execution_options().get(WRITE_OPTION):
        work()
    else:
        in_transaction(db, work)


def _half_signed_in(now: datetime, public: bool) -> ResponseReturnValue | None:
    user = db_session().get(User, session.get(PENDING_USER))
    started = float(session.get(PENDING_AT, 0))
    if now.timestamp() - started > HALF_SIGNED_IN_TIMEOUT.total_seconds():
        session.clear()
        flash(
            _("More than 5 minutes passed since you entered your password. Please sign in again."),
            "info",
        )
    elif user is None or not user.active or not (has_second_factor(user) or user.is_admin):
        session.clear()  # gone, or its factor was reset meanwhile: start again
    else:
        g.pending_user = user
        if request.endpoint in HALF_SIGNED_IN_ENDPOINTS or (
            request.endpoint == "auth.sign_in" and request.method == "POST"
        ):
            return None
        return redirect(url_for(second_factor_step(user)))
    if public:
        return None
    return redirect(url_for("auth.sign_in"))


def record_sign_in(db: Session, user: User, now: datetime, second_factor: bool) -> str:
    """Inside a unit of work: her failures forgotten, the sign-in audited, a new session
    begun on the server. Returns the new session's id for the cookie."""
    keys = throttle.attempt_keys(user.username, request.remote_addr)
    throttle.forget_failures(db, [keys.pair, keys.code], now)
    record(db, actor_for(user), "user.signed_in", now, second_factor=second_factor)
    chosen = session.get("locale")
    if user.locale is None and isinstance(chosen, str) and chosen in available_locales():
        user.locale = chosen  # the language she picked on the sign-in page becomes hers
    return sessions.begin_session(db, user, now)


def start_session(user: User, session_id: str, next_path: str) -> ResponseReturnValue:
    """Fully signed in (already recorded): a new cookie too, so no fixation."""
    session.clear()
    session[SESSION_ID] = session_id
    flash(_("Welcome, %(name)s.", name=user.username), "success")
    return redirect(next_path)


def throttled_message(wait: timedelta) -> str:
    seconds = throttle.wait_seconds(wait)
    if seconds < 120:
        return ngettext(
            "Too many failed sign-ins from here. Wait %(num)d second and try again.",
            "Too many failed sign-ins from here. Wait %(num)d seconds and try again.",
            seconds,
        )
    return _(
        "Too many failed sign-ins from here. Wait %(minutes)d minutes and try again, "
        "or ask your administrator to help.",
        minutes=(seconds + 59) // 60,
    )


@auth.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    if g.user is not None and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        for key in (PENDING_USER, PENDING_AT, PENDING_NEXT, ENROLMENT_SECRET):
            session.pop(key, None)  # a new password ends any half sign-in
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        db = db_session()
        now = state().clock.now()
        keys = throttle.attempt_keys(username, request.remote_addr)
        wait = throttle.wait_before_next(db, keys.for_password(), now)
        if wait > timedelta(0):
            error = throttled_message(wait)
            status = 429
        else:
            # The slow password hash runs before the unit of work: no lock is held meanwhile.
            user = check_password(db, username, password) if username and password else None
            if user is None:
                in_transaction(db, lambda: throttle.record_failure(db, keys.for_password(), now))
                error = _("The username or password is not right. Check them and try again.")
                status = 401
            elif has_second_factor(user) or must_enrol(user):
                # Half signed in. Her failed attempts are forgotten only once the code
                # is right too.
                chosen = session.get("locale")
                session.clear()  # a new session on sign-in: no fixation
                if chosen:
                    session["locale"] = chosen
                session[PENDING_USER] = user.id
                session[PENDING_AT] = now.timestamp()
                session[PENDING_NEXT] = safe_next(request.args.get("next"))
                return redirect(url_for(second_factor_step(user)))
            else:
                signed_in = user
                session_id = in_transaction(db, lambda: record_sign_in(db, signed_in, now, False))
                return start_session(user, session_id, safe_next(request.args.get("next")))
    return (
        render_template("auth/sign_in.html", error=error, username=username),
        status,
    )


@auth.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    session_id = session.get(SESSION_ID)
    if g.user is not None and session_id is not None:
        db = db_session()
        now = state().clock.now()

        def end() -> None:
            sessions.end_session(db, str(session_id), now)
            record(db, g.actor, "user.signed_out", now)

        in_transaction(db, end)
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))
