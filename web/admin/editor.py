"""What the diagram editor's properties panel reads besides the diagram: its own words in
the reader's language (given with the page), the roles a lane may name and the form
library (each form's title and fields, for the form chooser and the case values an
expression may use), and a preview of a form as people see it.

Nested in the `admin` blueprint, so its administrators-only check applies here too.
"""

from __future__ import annotations

from functools import cache

from babel.messages.pofile import read_po
from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.directory import list_organisations
from forms.registry import Form, form_names, load_form
from web.extractors import PANEL_COMMENT
from web.form_fields import build_fields
from web.i18n import TRANSLATIONS, translated
from web.labels import ROLES
from web.state import db_session

editor_pages = Blueprint("editor", __name__)


@cache
def panel_msgids() -> tuple[str, ...]:
    """The panel's own words: the messages of the catalogue template that `make messages`
    found in web/vendor-src/panel and marked with PANEL_COMMENT (web/extractors.py). The
    template is the one list of them, as current as the catalogues the page reads."""
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    return tuple(
        message.id
        for message in template
        if isinstance(message.id, str) and PANEL_COMMENT in message.auto_comments
    )


def panel_words() -> dict[str, str]:
    """English → the reader's language for the panel's `translate` (panel/index.js), only
    where they differ: an English page sends none, and what is missing stays English."""
    words = {msgid: _(msgid) for msgid in panel_msgids()}
    return {msgid: text for msgid, text in words.items() if text != msgid}


def _fields(form: Form) -> list[dict[str, str]]:
    """Each field's name and its title in the reader's language (the name when it has none)."""
    properties = form.schema.get("properties", {})
    order = form.ui_schema.get("order") or list(properties)
    return [
        {"name": name, "title": translated(properties[name].get("title")) or name}
        for name in order
        if name in properties
    ]


@editor_pages.get("/editor/library")
def library() -> ResponseReturnValue:
    forms = {name: load_form(name) for name in form_names()}
    return jsonify(
        {
            "roles": [{"code": code, "label": str(label)} for code, label in ROLES.items()],
            "forms": {
                name: {"title": translated(form.title), "fields": _fields(form)}
                for name, form in forms.items()
            },
        }
    )


@editor_pages.get("/editor/forms/<name>/preview")
def form_preview(name: str) -> ResponseReturnValue:
    """The form's fields, disabled, as an HTML fragment for the editor page."""
    form = load_form(name)  # NotFound: a 404
    fields = build_fields(form, None, None, list_organisations(db_session()))
    return render_template("admin/_form_preview.html", form=form, fields=fields)
