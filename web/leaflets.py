"""Rights leaflets as pages: pick her host country and language, print it for her.

Any signed-in person may read and print a leaflet (it holds no personal data).
Administrators add a language: the text of each section, with `{period}`,
`{authority}` and `{recovery}` where the country's facts go.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.db.unit_of_work import in_transaction
from engine.errors import InvalidData, NotFound
from engine.rights_leaflets import (
    SECTIONS,
    available_languages,
    leaflet,
    leaflet_version,
    shipped_texts,
)
from engine.rights_leaflets import add_language as add_leaflet_language
from forms.reference import NETWORK_COUNTRIES
from web.state import db_session, state

leaflets = Blueprint("leaflets", __name__, url_prefix="/leaflets")


def availability(country: str, her_languages: list[str]) -> dict[str, Any]:
    """What the inform_rights page and the leaflet list show for her: the current version,
    her languages the leaflet is written in, and those it is not (an interpreter's job)."""
    written = set(available_languages(db_session()))
    return {
        "country": country,
        "version": leaflet_version(country),
        "in_her_languages": [code for code in her_languages if code in written],
        "missing": [code for code in her_languages if code not in written],
        "languages": sorted(written),
    }


def _home_country() -> str:
    country = str(g.user.organisation.country)
    return country if country in NETWORK_COUNTRIES else NETWORK_COUNTRIES[-1]


@leaflets.get("")
def leaflet_list() -> ResponseReturnValue:
    country = request.args.get("country", "").upper()
    if country not in NETWORK_COUNTRIES:
        country = _home_country()
    wanted = [code for code in request.args.getlist("for") if code]
    return render_template(
        "leaflets/list.html",
        countries=NETWORK_COUNTRIES,
        info=availability(country, wanted),
    )


@leaflets.get("/<country>/<language>")
def show(country: str, language: str) -> ResponseReturnValue:
    try:
        found = leaflet(db_session(), country, language)
    except NotFound:
        abort(404, _("The rights leaflet is not written in this language. Use an interpreter."))
    return render_template("leaflets/leaflet.html", leaflet=found)


@leaflets.route("/languages/new", methods=["GET", "POST"])
def add_language() -> ResponseReturnValue:
    if not g.user.is_admin:
        abort(403, _("Only administrators add languages to the rights leaflet."))
    english = shipped_texts()["en"]
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"language": "", "sections": {key: {} for key in SECTIONS}}
    status = 200
    if request.method == "POST":
        form = request.form
        values = {
            "language": form.get("language", "").strip(),
            "title": form.get("title", "").strip(),
            "intro": form.get("intro", "").strip(),
            "contacts_heading": form.get("contacts_heading", "").strip(),
            "draft_notice": form.get("draft_notice", "").strip(),
            "sections": {
                key: {
                    "heading": form.get(f"{key}.heading", "").strip(),
                    "text": form.get(f"{key}.text", "").strip(),
                }
                for key in SECTIONS
            },
        }
        text = {k: v for k, v in values.items() if k != "language"}
        db = db_session()
        now = state().clock.now()
        try:
            in_transaction(
                db,
                lambda: add_leaflet_language(db, values["language"], text, g.user.id, now),
            )
        except InvalidData as error:
            errors, status = error.fields, 422
        else:
            flash(
                _("The leaflet can now be printed in this language, marked as a draft."), "success"
            )
            return redirect(
                url_for("leaflets.show", country=_home_country(), language=values["language"])
            )
    return (
        render_template(
            "leaflets/add_language.html",
            english=english,
            values=values,
            errors=errors,
            sections=SECTIONS,
        ),
        status,
    )
