"""Case pages: the list of cases, opening a case with the start form, the case page
(summary, deadlines, open tasks, timeline, notes, team), recording what happened (the
case's messages), changing the case team, and the live diagram's data."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.audit import record
from engine.case import read_models
from engine.case import transactions as case_service
from engine.case.access import can_see_case, is_coordinator, tries_test_case, visible_case
from engine.case.consents import shareable_fields, withdraw_consent
from engine.case.corrections import correct_value, correctable_form
from engine.case.diagram import case_diagram
from engine.case.notes import add_note
from engine.case.opened_elsewhere import coordinators_by_country, opened_elsewhere
from engine.case.overview import CaseOverview, case_overview
from engine.case.record import CaseRecord, ReadAlready, case_record
from engine.case.team import assign_role
from engine.case.visibility import TEAM
from engine.db import WRITE_OPTION
from engine.db.unit_of_work import in_transaction
from engine.directory import list_organisations
from engine.errors import Conflict, InvalidData, NotFound
from engine.retention.matching import organisations_with_match
from engine.versions import current_version
from forms.registry import load_form
from forms.validation import validate
from web.case_rows import stage_names, with_facts
from web.cases.actions import ACTIONS, actions_for, available_actions, open_tasks_of, team_rows
from web.form_fields import build_fields, error_links, posted_data, with_known_values
from web.labels import ROLES
from web.notification_feed import unread_count
from web.state import db_session, state
from web.task_titles import task_title, task_titles

cases = Blueprint("cases", __name__, url_prefix="/cases")


def case_process() -> str:
    return str(current_app.config.get("CASE_PROCESS", case_service.CASE_PROCESS))


def start_form_name() -> str:
    version = current_version(db_session(), case_process())
    return version.start_form or case_service.START_FORM


@cases.get("")
def case_list() -> ResponseReturnValue:
    status = request.args.get("status") or "open"
    search = (request.args.get("q") or "").strip()[:80]
    db, services = db_session(), state().services
    page = read_models.list_cases(
        db,
        g.actor,
        status=status if status != "all" else None,
        limit=500,
        search=search or None,
        cipher=services.cipher,
        now=services.now(),
    )
    rows = with_facts(db, services, g.actor, page.items, services.now(), search)
    items = sorted(rows, key=lambda c: c["updated_at"] or "", reverse=True)
    return render_template(
        "cases/list.html", items=items, status=status, search=search, stages=stage_names(db)
    )


@cases.route("/new", methods=["GET", "POST"])
def open_case() -> ResponseReturnValue:
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
            for organisation in organisations_with_match(db, case.id):
                flash(
                    _(
                        "A case with matching details exists at %(organisation)s: contact "
                        "them, it may be the same woman.",
                        organisation=organisation.name,
                    ),
                    "warning",
                )
            if not can_see_case(db, g.actor, case.id, state().clock.now()):
                # Opened where the opener is not on the team: its confirmation, not a 404.
                return redirect(url_for("cases.opened_for_another", case_id=case.id))
            flash(
                _(
                    "Case %(reference)s is open. Its first tasks went to the organisations "
                    "on the case team; they are listed below.",
                    reference=case.reference,
                ),
                "success",
            )
            return redirect(url_for("cases.case_page", case_id=case.id))
    own = g.user.organisation
    if request.method == "GET":
        values = with_known_values(form, values, [], own.country)
    country_field = form.schema.get("properties", {}).get("host_country", {})
    countries = [str(c) for c in country_field.get("enum", [])]
    return (
        render_template(
            "cases/new.html",
            form=form,
            fields=build_fields(form, values, errors, list_organisations(db)),
            errors=errors,
            problem=problem,
            coordinators=coordinators_by_country(db, countries),
            own_country=own.country,
            own_roles=own.roles,
        ),
        status,
    )


@cases.get("/<case_id>/opened")
def opened_for_another(case_id: str) -> ResponseReturnValue:
    """What the opener of a case for another country sees: the reference, who coordinates
    it, and the first-contact record it made, until the coordinator takes it over."""
    db, services = db_session(), state().services
    opened = in_transaction(db, lambda: opened_elsewhere(db, services, g.actor, case_id))
    if can_see_case(db, g.actor, case_id, services.now()):
        return redirect(url_for("cases.case_page", case_id=case_id))
    g.case_country = opened.host_country
    return render_template(
        "cases/opened.html",
        opened=opened,
        organisation_names={o.slug: o.name for o in list_organisations(db)},
    )


def render_case_page(case_id: str, status: int = 200, **extra: Any) -> ResponseReturnValue:
    """The case page; `extra` carries a failed form's values and errors back to it.

    One engine call in one unit of work: reading a case is audited, so it is a write."""
    db = db_session()
    services = state().services

    def read() -> tuple[CaseOverview, CaseRecord]:
        overview = case_overview(db, services, g.actor, case_id)
        found = case_record(
            db,
            services,
            g.actor,
            case_id,
            audit=False,  # the overview recorded the view
            read=ReadAlready(overview.case, overview.tasks, overview.history),
        )
        g.unread_notifications = unread_count(db, g.actor)  # the header's, in the same read
        return overview, found

    overview, found = in_transaction(db, read)
    g.case_country = overview.case.host_country  # every time on the page in her zone
    for task in overview.open_tasks:
        task["title"] = task_title(services.cipher, task.pop("row"))
    case = overview.case
    editable = overview.coordinates and case.status == "open"
    context: dict[str, Any] = {
        "note_error": None,
        "note_body": "",
        "team_error": None,
        **extra,
    }
    return (
        render_template(
            "cases/case.html",
            case=overview.summary,
            overview=overview,
            record=found,
            notes=overview.notes,
            actions=actions_for(
                overview.messages, overview.coordinates or tries_test_case(g.actor, case)
            ),
            team=(
                team_rows(case, g.actor.organisation_id, editable, overview.directory)
                if overview.view and overview.view.shows(TEAM)
                else []
            ),
            view=overview.view,
            shareable=shareable_fields() if overview.coordinates else [],
            team_editable=editable,
            consents=overview.consents,
            organisation_names={o.slug: o.name for o in overview.directory},
            **context,
        ),
        status,
    )


def begin_case_page_as_writer() -> None:
    """Viewing a case writes its audit event, so on SQLite the request's transaction
    takes the write lock from its first statement (before the signed-in user is read),
    as every writer does: the page is then read and audited in that one transaction,
    instead of reading, restarting as a writer and reading again."""
    if request.endpoint == "cases.case_page":
        db_session().connection(execution_options={WRITE_OPTION: True})


@cases.get("/<case_id>")
def case_page(case_id: str) -> ResponseReturnValue:
    return render_case_page(case_id)


@cases.post("/<case_id>/notes")
def add_case_note(case_id: str) -> ResponseReturnValue:
    db = db_session()
    services = state().services
    body = request.form.get("body", "")
    confidential = request.form.get("confidential") in ("on", "true", "1")
    visibility = "team" if request.form.get("visibility") == "team" else "organisation"
    try:
        add_note(db, services, g.actor, case_id, body, confidential, visibility)
    except InvalidData as error:
        return render_case_page(
            case_id,
            422,
            note_error=next(iter(error.fields.values()), error.message),
            note_body=body,
            note_confidential=confidential,
        )
    flash(
        _("Your confidential note was added: only your organisation can read it.")
        if confidential
        else _("Your note was added: everyone who reads this case's notes can read it.")
        if visibility == "team"
        else _("Your note was added: only your organisation can read it."),
        "success",
    )
    return redirect(url_for("cases.case_page", case_id=case_id, _anchor="notes"))


@cases.route("/<case_id>/record/<name>", methods=["GET", "POST"])
def record_event(case_id: str, name: str) -> ResponseReturnValue:
    """Record something that happened (a message to the case). Withdrawal and closing
    end the case, so they need the coordinator and a ticked confirmation."""
    db = db_session()
    action = ACTIONS.get(name)
    # 404 for a case the organisation may not see
    case = visible_case(db, g.actor, case_id, state().clock.now())
    g.case_country = case.host_country
    if action is None:
        abort(404)
    # The form is offered only to whom may send it; what is sent, the engine decides.
    if request.method == "GET" and action.coordinator_only and not is_coordinator(case, g.actor):
        abort(403, _("Only the case coordinator can record this: it ends the case."))
    if request.method == "GET" and case.status != "open":
        flash(_("This case has ended: nothing more can be recorded on it."), "error")
        return redirect(url_for("cases.case_page", case_id=case_id))
    if case.status == "open" and name not in {a.name for a in available_actions(case, True)}:
        abort(404, _("The process of this case does not take this kind of record."))
    form = load_form(name)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    confirm_error = None
    problem = None
    status = 200
    if request.method == "POST":
        values = posted_data(name, request.form)
        try:
            if action.ends_case and request.form.get("confirm") != "yes":
                confirm_error = _("Tick the box to confirm that the case ends now.")
                validate(name, values)  # show every other problem at the same time
                raise InvalidData("not confirmed")
            case_service.deliver_message(db, state().services, g.actor, case_id, name, values)
        except InvalidData as error:
            errors, status = error.fields, 422
            problem = None if confirm_error and not errors else error.message
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("cases.case_page", case_id=case_id))
        else:
            flash(str(action.done), "success")
            return redirect(url_for("cases.case_page", case_id=case_id))
    fields = build_fields(form, values, errors)
    links = error_links(fields, errors)
    if confirm_error:
        links.append(("confirm-end", _("Confirmation"), confirm_error))
    cancelled = open_tasks_of(db, case_id) if action.ends_case else []
    if request.method == "GET":  # reading a case, even only its open tasks, is audited
        in_transaction(
            db, lambda: record(db, g.actor, "case.viewed", state().clock.now(), case_id, part=name)
        )
    titles = task_titles(db, state().services.cipher, (t.id for t in cancelled))
    return (
        render_template(
            "cases/record.html",
            case=case,
            action=action,
            form=form,
            fields=fields,
            links=links,
            problem=problem,
            confirm_error=confirm_error,
            confirmed=request.form.get("confirm") == "yes",
            cancelled=[titles.get(t.id, t.title) for t in cancelled],
        ),
        status,
    )


@cases.post("/<case_id>/team")
def change_team(case_id: str) -> ResponseReturnValue:
    """The coordinator gives a role to another organisation; its open tasks follow."""
    db = db_session()
    case = visible_case(db, g.actor, case_id, state().clock.now())
    role = request.form.get("role", "")
    slug = request.form.get("organisation", "").strip()
    current = next((m.organisation.slug for m in case.team if m.role == role), None)
    if slug and slug == current:
        flash(_("Nothing changed: that organisation already fills this role."), "info")
        return redirect(url_for("cases.case_page", case_id=case_id, _anchor="team"))
    moving = sum(1 for t in open_tasks_of(db, case_id) if t.role == role)
    try:
        if not slug:
            raise InvalidData("no organisation", {"organisation": _("Choose an organisation.")})
        case = assign_role(db, state().services, g.actor, case_id, role, slug)
    except NotFound:  # the case was checked above: the organisation is unknown
        return _team_error(case_id, role, _("Choose an organisation from the list."))
    except InvalidData as error:
        message = next(iter(error.fields.values()), error.message)
        return _team_error(case_id, role, message)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("cases.case_page", case_id=case_id))
    chosen = next(m.organisation.name for m in case.team if m.role == role)
    flash(
        _(
            "%(organisation)s is now %(role)s on this case. Open tasks moved to them: %(count)s.",
            organisation=chosen,
            role=ROLES.get(role, role),
            count=moving,
        ),
        "success",
    )
    return redirect(url_for("cases.case_page", case_id=case_id, _anchor="team"))


def _team_error(case_id: str, role: str, message: str) -> ResponseReturnValue:
    db_session().rollback()
    return render_case_page(case_id, 422, team_error={"role": role, "message": message})


@cases.post("/<case_id>/consents/<consent_id>/withdraw")
def withdraw_case_consent(case_id: str, consent_id: str) -> ResponseReturnValue:
    """The coordinator records that she withdraws a consent: the organisation leaves
    the case at once and its open tasks move to the coordinator."""
    db = db_session()
    anchor = "consents"
    case = visible_case(db, g.actor, case_id, state().clock.now())  # 404 before anything
    if not is_coordinator(case, g.actor):
        abort(403, _("Only the case coordinator can record that she withdraws consent."))
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that she withdraws this consent."), "error")
        return redirect(url_for("cases.case_page", case_id=case_id, _anchor=anchor))
    try:
        consent = withdraw_consent(db, state().services, g.actor, case_id, consent_id)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("cases.case_page", case_id=case_id, _anchor=anchor))
    flash(
        _(
            "Her consent is withdrawn. %(organisation)s no longer sees this case; "
            "its open tasks moved to you.",
            organisation=consent.organisation.name,
        ),
        "success",
    )
    return redirect(url_for("cases.case_page", case_id=case_id, _anchor=anchor))


@cases.get("/<case_id>/diagram")
def diagram(case_id: str) -> ResponseReturnValue:
    db, services = db_session(), state().services
    process = request.args.get("process")
    data = in_transaction(db, lambda: case_diagram(db, services, g.actor, case_id, process))
    if isinstance(data.get("xml"), str):
        data = {**data, "xml": lanes_in_words(data["xml"])}
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


_LANE_NAME = re.compile(r'(<(?:[A-Za-z0-9_]+:)?lane\b[^>]*?\bname=")([a-z_]+)(")')


def lanes_in_words(xml: str) -> str:
    """The drawing's lanes named as people say them ("Shelter and support"), not by the
    role codes the engine routes on (the served drawing only; the diagram keeps them)."""
    return _LANE_NAME.sub(
        lambda m: (
            m.group(1) + escape(str(ROLES.get(m.group(2), m.group(2))), quote=True) + m.group(3)
        ),
        xml,
    )


@cases.route("/<case_id>/correct", methods=["GET", "POST"])
def correct(case_id: str) -> ResponseReturnValue:
    """The coordinator corrects one recorded value, with a reason; the page says what the
    correction does not change."""
    db, services = db_session(), state().services
    case = visible_case(db, g.actor, case_id)  # 404 for a case the organisation may not see
    g.case_country = case.host_country
    if not is_coordinator(case, g.actor):
        abort(403, _("Only the case coordinator can correct what was recorded."))
    name = request.values.get("field", "")
    try:
        form = load_form(correctable_form(name))
    except InvalidData:
        abort(404)
    found = in_transaction(db, lambda: case_record(db, services, g.actor, case_id))
    current = found.fields.get(name)
    errors: dict[str, str] = {}
    reason = ""
    status = 200
    value: Any = current
    if request.method == "POST":
        value = posted_data(form.name, request.form).get(name)
        reason = request.form.get("reason", "")
        try:
            correct_value(db, services, g.actor, case_id, name, value, reason)
        except InvalidData as error:
            errors, status = error.fields, 422
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("cases.case_page", case_id=case_id))
        else:
            flash(_("The correction was recorded; the old value stays in the history."), "success")
            return redirect(url_for("cases.case_page", case_id=case_id, _anchor="corrections"))
    single = replace(
        form,
        schema={
            **form.schema,
            "properties": {name: form.schema["properties"][name]},
            "required": [],
        },
        ui_schema={**form.ui_schema, "order": [name]},
    )
    field_errors = {name: errors["value"]} if "value" in errors else {}
    fields = build_fields(single, {name: value}, field_errors, list_organisations(db))
    links = error_links(fields, field_errors)
    if "reason" in errors:
        links.append(("reason", _("Why is it corrected?"), errors["reason"]))
    return (
        render_template(
            "cases/correct.html",
            case=case,
            name=name,
            form=form,
            current=current,
            fields=fields,
            links=links,
            errors=errors,
            reason=reason,
            organisation_names={o.slug: o.name for o in list_organisations(db)},
        ),
        status,
    )


from web.cases import sharing  # noqa: E402,F401 - routes register on `cases`
