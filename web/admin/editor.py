"""What the diagram editor's properties panel reads besides the diagram: the roles a
lane may name and the form library (each form's title and fields, for the form chooser
and the case values an expression may use), and a preview of a form as people see it.

Nested in the `admin` blueprint, so its administrators-only check applies here too.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from engine.directory import list_organisations
from forms.registry import Form, form_names, load_form
from web.form_fields import build_fields
from web.labels import ROLES
from web.state import db_session

editor_pages = Blueprint("editor", __name__)


def _fields(form: Form) -> list[dict[str, str]]:
    properties = form.schema.get("properties", {})
    order = form.ui_schema.get("order") or list(properties)
    return [
        {"name": name, "title": str(properties.get(name, {}).get("title", name))}
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
                name: {"title": form.title, "fields": _fields(form)} for name, form in forms.items()
            },
        }
    )


@editor_pages.get("/editor/forms/<name>/preview")
def form_preview(name: str) -> ResponseReturnValue:
    """The form's fields, disabled, as an HTML fragment for the editor page."""
    form = load_form(name)  # NotFound: a 404
    fields = build_fields(form, None, None, list_organisations(db_session()))
    return render_template("admin/_form_preview.html", form=form, fields=fields)
