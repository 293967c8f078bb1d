"""The second factor in the browser: the code asked after the password, setting one up
(mandatory for administrators, on their first sign-in), and the Security page where
anyone signed in can add one of their own accord.

While a factor is being set up, its secret waits in the session cookie encrypted with
the data key (bound to the user), so that reloading the page keeps the same secret
and nothing readable about it leaves the server. Wrong codes count toward the sign-in
throttle (per account too: web/auth/throttle.py); an operator clears a lost factor
with `nbassist users reset-2fa`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta

import segno
from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.accounts import second_factor, totp
from engine.crypto import DecryptionError
from engine.db.unit_of_work import in_transaction
from engine.models import User
from web.auth import (
    ENROLMENT_SECRET,
    PENDING_NEXT,
    record_sign_in,
    second_factor_step,
    start_session,
    throttle,
    throttled_message,
)
from web.state import db_session, state

second_factor_pages = Blueprint("second_factor", __name__)


def _enrolment_context(user: User) -> str:
    return f"totp-enrolment:{user.id}"


def enrolment_secret(user: User) -> bytes:
    """The secret being set up in this session: the same one until it is confirmed."""
    cipher = state().services.cipher
    stored = session.get(ENROLMENT_SECRET)
    if stored:
        try:
            return cipher.decrypt(base64.b64decode(stored), _enrolment_context(user))
        except (DecryptionError, binascii.Error, ValueError):
            pass  # another account's, or damaged: make a new one
    secret = totp.new_secret()
    blob = cipher.encrypt(secret, _enrolment_context(user))
    session[ENROLMENT_SECRET] = base64.b64encode(blob).decode("ascii")
    return secret


def render_set_up(
    user: User, action: str, error: str | None, status: int, signing_in: bool
) -> ResponseReturnValue:
    secret = enrolment_secret(user)
    uri = totp.provisioning_uri(secret, user.username)
    qr_code = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, light="#fff")
    return (
        render_template(
            "auth/set_up.html",
            grouped_secret=totp.grouped(secret),
            uri=uri,
            qr_code=qr_code,
            action=action,
            error=error,
            signing_in=signing_in,
        ),
        status,
    )


def set_up_message() -> str:
    return _("Your second factor is set up. You will be asked for a code at every sign-in.")


def _throttled(wait: timedelta) -> ResponseReturnValue:
    """Too many failures for this account or from here: the half sign-in ends."""
    session.clear()
    return render_template("auth/sign_in.html", error=throttled_message(wait), username=""), 429


def _wrong_code_message() -> str:
    return _(
        "That code is not right, or it was used already. "
        "Enter the newest code your authenticator app shows."
    )


@second_factor_pages.route("/sign-in/code", methods=["GET", "POST"])
def code() -> ResponseReturnValue:
    user = g.pending_user
    if user is None:
        return redirect(url_for("tasks.home"))
    if not second_factor.has_second_factor(user):
        return redirect(url_for(second_factor_step(user)))
    error = None
    status = 200
    if request.method == "POST":
        db = db_session()
        now = state().clock.now()
        keys = throttle.attempt_keys(user.username, request.remote_addr)
        wait = throttle.wait_before_next(db, keys.for_code(), now)
        if wait > timedelta(0):
            return _throttled(wait)
        given = request.form.get("code", "")

        def attempt() -> str | None:
            if second_factor.check_code(db, state().services.cipher, user, given, now):
                return record_sign_in(db, user, now, True)
            throttle.record_failure(db, keys.for_code(), now)
            return None

        session_id = in_transaction(db, attempt)
        if session_id is not None:  # a new session id on second-factor completion
            return start_session(user, session_id, session.get(PENDING_NEXT) or "/")
        error = _wrong_code_message()
        status = 401
    return render_template("auth/code.html", error=error), status


@second_factor_pages.route("/sign-in/set-up", methods=["GET", "POST"])
def set_up() -> ResponseReturnValue:
    """An administrator's first sign-in: no page opens until a factor is set up."""
    user = g.pending_user
    if user is None:
        return redirect(url_for("tasks.home"))
    if second_factor.has_second_factor(user):
        return redirect(url_for("second_factor.code"))
    error = None
    status = 200
    if request.method == "POST":
        db = db_session()
        now = state().clock.now()
        keys = throttle.attempt_keys(user.username, request.remote_addr)
        wait = throttle.wait_before_next(db, keys.for_code(), now)
        if wait > timedelta(0):
            return _throttled(wait)
        secret = enrolment_secret(user)
        given = request.form.get("code", "")

        def attempt() -> str | None:
            if second_factor.enrol(db, state().services.cipher, user, secret, given, now):
                return record_sign_in(db, user, now, True)
            throttle.record_failure(db, keys.for_code(), now)
            return None

        session_id = in_transaction(db, attempt)
        if session_id is not None:
            response = start_session(user, session_id, session.get(PENDING_NEXT) or "/")
            flash(set_up_message(), "success")
            return response
        error = _wrong_code_message()
        status = 401
    return render_set_up(user, url_for("second_factor.set_up"), error, status, signing_in=True)


@second_factor_pages.route("/security", methods=["GET", "POST"])
def security() -> ResponseReturnValue:
    """The signed-in person's own sign-in security: a second factor, or adding one."""
    user = g.user
    if second_factor.has_second_factor(user):
        session.pop(ENROLMENT_SECRET, None)
        return render_template("auth/security.html", section="security")
    error = None
    status = 200
    if request.method == "POST":
        db = db_session()
        now = state().clock.now()
        secret = enrolment_secret(user)
        given = request.form.get("code", "")
        # A failed attempt is committed too: it stays in the audit trail.
        if in_transaction(
            db, lambda: second_factor.enrol(db, state().services.cipher, user, secret, given, now)
        ):
            session.pop(ENROLMENT_SECRET, None)
            flash(set_up_message(), "success")
            return redirect(url_for("second_factor.security"))
        error = _(
            "That code is not right. Check that the app shows a code for this account "
            "and enter the newest one."
        )
        status = 422
    return render_set_up(user, url_for("second_factor.security"), error, status, signing_in=False)
