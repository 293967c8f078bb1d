"""Administration: the retention period of each country, with its citation and how
sure we are of it. Nested in the `admin` blueprint, so only administrators reach it;
each change is one engine call, audited."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.db.unit_of_work import in_transaction
from engine.errors import InvalidData
from engine.retention.rules import CONFIDENCE, list_rules, update_rule
from web.state import db_session, state

retention_pages = Blueprint("retention", __name__)


def _page(
    status: int = 200, errors: dict[str, dict[str, str]] | None = None
) -> ResponseReturnValue:
    return (
        render_template(
            "admin/retention.html",
            rules=list_rules(db_session()),
            confidence=CONFIDENCE,
            errors=errors or {},
            posted=request.form if errors else {},
        ),
        status,
    )


@retention_pages.get("/retention")
def rules() -> ResponseReturnValue:
    return _page()


@retention_pages.post("/retention/<country>")
def save_rule(country: str) -> ResponseReturnValue:
    db = db_session()
    form = request.form
    try:
        in_transaction(
            db,
            lambda: update_rule(
                db,
                g.actor,
                country,
                state().clock.now(),
                form.get("period_days"),
                form.get("citation"),
                form.get("confidence"),
                form.get("note", ""),
            ),
        )
    except InvalidData as error:
        return _page(422, {country: error.fields})
    flash(_("The retention period of %(country)s is saved.", country=country), "success")
    return redirect(url_for("admin.retention.rules", _anchor=f"rule-{country}"))
