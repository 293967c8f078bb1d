"""Administration: the people who sign in. Administrators list every account, create
one (with a first password they pass on; administrators set up a second factor at first
sign-in), end a person's access at once (deactivation: sessions and API tokens too) or
clear a lost second factor. Nested in the `admin` blueprint, so its administrators-only check
applies; each action is one engine call, audited with the administrator as actor.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.accounts import second_factor, users
from engine.db.unit_of_work import in_transaction
from engine.directory import list_organisations
from engine.errors import Conflict, InvalidData, NotFound
from web.i18n import available_locales, locale_autonym
from web.state import db_session, state

account_pages = Blueprint("accounts", __name__)


@account_pages.get("/users")
def user_list(status: int = 200, errors: dict[str, str] | None = None) -> ResponseReturnValue:
    rows = [
        {
            "username": user.username,
            "organisation": user.organisation.name,
            "admin": user.is_admin,
            "active": user.active,
            "second_factor": second_factor.has_second_factor(user),
            "reviews_locale": user.reviews_locale,
        }
        for user in users.list_users(db_session())
    ]
    return (
        render_template(
            "admin/users.html",
            rows=rows,
            organisations=list_organisations(db_session()),
            review_languages=[
                (code, locale_autonym(code)) for code in available_locales() if code != "en"
            ],
            errors=errors or {},
            posted=request.form if errors else {},
        ),
        status,
    )


@account_pages.post("/users")
def create() -> ResponseReturnValue:
    form = request.form
    username = form.get("username", "").strip()
    password = form.get("password", "")
    db = db_session()
    now = state().clock.now()
    try:
        if not password:
            raise InvalidData("no password", {"password": _("Give a first password")})
        if password != form.get("password_again", ""):
            raise InvalidData("passwords differ", {"password_again": _("Type the same password")})
        in_transaction(
            db,
            lambda: users.create_user(
                db,
                username,
                form.get("organisation", ""),
                password,
                now,
                is_admin=form.get("admin") == "on",
                actor=g.actor,
            ),
        )
    except InvalidData as invalid:
        return user_list(422, invalid.fields)
    except Conflict:
        return user_list(409, {"username": _("%(name)s is taken", name=username)})
    except NotFound:
        return user_list(422, {"organisation": _("Choose an organisation from the list")})
    flash(
        _(
            "%(name)s can sign in now. Give them the first password in person or by phone, "
            "never by e-mail.",
            name=username,
        ),
        "success",
    )
    return redirect(url_for("admin.accounts.user_list"))


@account_pages.post("/users/<username>/deactivate")
def deactivate(username: str) -> ResponseReturnValue:
    if username == g.user.username:
        abort(409, _("You cannot deactivate your own account: ask another administrator."))
    db = db_session()
    now = state().clock.now()
    in_transaction(db, lambda: users.deactivate(db, username, now, g.actor))
    flash(
        _(
            "%(name)s is deactivated and signed out everywhere; their API tokens are revoked.",
            name=username,
        ),
        "success",
    )
    return redirect(url_for("admin.accounts.user_list"))


@account_pages.post("/users/<username>/reset-2fa")
def reset_second_factor(username: str) -> ResponseReturnValue:
    db = db_session()
    now = state().clock.now()
    cleared = in_transaction(db, lambda: second_factor.reset(db, username, now, g.actor))
    if cleared:
        flash(_("The second factor of %(name)s is cleared.", name=username), "success")
    else:
        flash(_("%(name)s has no second factor; nothing changed.", name=username), "info")
    return redirect(url_for("admin.accounts.user_list"))


@account_pages.post("/users/<username>/reviewer")
def name_reviewer(username: str) -> ResponseReturnValue:
    db = db_session()
    now = state().clock.now()
    locale = request.form.get("locale", "").strip() or None
    try:
        in_transaction(
            db,
            lambda: users.name_reviewer(db, username, locale, available_locales(), now, g.actor),
        )
    except InvalidData:
        abort(422, _("Choose a language from the list"))
    if locale:
        flash(
            _(
                "%(name)s reviews the translations of %(language)s now.",
                name=username,
                language=locale_autonym(locale),
            ),
            "success",
        )
    else:
        flash(_("%(name)s no longer reviews translations.", name=username), "success")
    return redirect(url_for("admin.accounts.user_list"))
