"""The language switch on every page: a person's interface language.

Signed in, the choice is stored on the account (engine/accounts/users.py) and follows
her to every device; on the sign-in page it is kept in the browser's session until she
signs in, and then becomes her account's choice if she had none.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, request, session
from flask.typing import ResponseReturnValue

from engine.accounts.users import choose_language
from engine.db.unit_of_work import in_transaction
from web.auth import safe_next
from web.i18n import SESSION_LOCALE, available_locales
from web.state import db_session

languages = Blueprint("languages", __name__)


@languages.post("/language")
def choose() -> ResponseReturnValue:
    locale = request.form.get("locale", "")
    target = safe_next(request.form.get("next"))
    if locale not in available_locales():
        return redirect(target)  # a stale page's choice: nothing to change
    user = g.get("user")
    if user is None:
        session[SESSION_LOCALE] = locale
    else:
        db = db_session()
        in_transaction(db, lambda: choose_language(db, user.id, locale, available_locales()))
    return redirect(target)
