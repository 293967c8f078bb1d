"""Case pages: the list of cases, opening a case with the start form, the case page
(summary, deadlines, open tasks, timeline, notes) and the live diagram's data."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from engine import cases as case_service
from engine import queries
from engine.case_overview import case_overview
from engine.diagram import case_diagram
from engine.directory import list_organisations
from engine.errors import InvalidData
from engine.notes import add_note, list_notes
from engine.versions import latest_version
from forms.registry import load_form
from web.form_fields import build_fields, posted_data
from web.state import db_session, state

cases = Blueprint("cases", __name__, url_prefix="/cases")


def case_process() -> str:
    return str(current_app.config.get("CASE_PROCESS", case_service.CASE_PROCESS))


def start_form_name() -> str:
    version = latest_version(db_session(), case_process())
    return version.start_form or case_service.START_FORM


@cases.get("")
def case_list():  # type: ignore[no-untyped-def]
    status = request.args.get("status") or "open"
    page = queries.list_cases(
        db_session(), g.actor, status=status if status != "all" else None, limit=500
    )
    items = sorted(page.items, key=lambda c: c["updated_at"] or "", reverse=True)
    return render_template("cases/list.html", items=items, status=status)


@cases.route("/new", methods=["GET", "POST"])
def open_case():  # type: ignore[no-untyped-def]
    db = db_session()
    form_name = start_form_name()
    form = load_form(form_name)
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    problem = None
    status = 200
    if request.method == "POST":
        values = posted_data(form_name, request.form)
        try:
            case = case_service.open_case(db, state().services, g.actor, values, case_process())
        except InvalidData as error:
            errors, problem, status = error.fields, error.message, 422
        else:
            flash(
                _(
                    "Case %(reference)s is open. Its first tasks went to the organisations "
                    "on the case team; they are listed below.",
                    reference=case.reference,
                ),
                "success",
            )
            return redirect(url_for("cases.case_page", case_id=case.id))
    return (
        render_template(
            "cases/new.html",
            form=form,
            fields=build_fields(form, values, errors, list_organisations(db)),
            errors=errors,
            problem=problem,
        ),
        status,
    )


@cases.get("/<case_id>")
def case_page(case_id: str):  # type: ignore[no-untyped-def]
    db = db_session()
    services = state().services
    overview = case_overview(db, services, g.actor, case_id)
    return render_template(
        "cases/case.html",
        case=overview.summary,
        overview=overview,
        notes=list_notes(db, services, g.actor, case_id),
        note_error=None,
        note_body="",
    )


@cases.post("/<case_id>/notes")
def add_case_note(case_id: str):  # type: ignore[no-untyped-def]
    db = db_session()
    services = state().services
    body = request.form.get("body", "")
    confidential = request.form.get("confidential") in ("on", "true", "1")
    try:
        add_note(db, services, g.actor, case_id, body, confidential)
    except InvalidData as error:
        overview = case_overview(db, services, g.actor, case_id)
        return (
            render_template(
                "cases/case.html",
                case=overview.summary,
                overview=overview,
                notes=list_notes(db, services, g.actor, case_id),
                note_error=next(iter(error.fields.values()), error.message),
                note_body=body,
                note_confidential=confidential,
            ),
            422,
        )
    flash(
        _("Your confidential note was added: only your organisation can read it.")
        if confidential
        else _("Your note was added."),
        "success",
    )
    return redirect(url_for("cases.case_page", case_id=case_id, _anchor="notes"))


@cases.get("/<case_id>/diagram")
def diagram(case_id: str):  # type: ignore[no-untyped-def]
    data = case_diagram(
        db_session(), state().services, g.actor, case_id, request.args.get("process")
    )
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response
