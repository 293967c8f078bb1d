"""The guided task list (the home page) and the task page with its form.

After a task is submitted the person lands where the list says to go next: the next
open task of the same case for their organisation, else back to the list.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.accounts.users import colleagues
from engine.case import read_models
from engine.case.access import own_task
from engine.case.diagram import task_instructions
from engine.case.drafts import draft_of, save_draft
from engine.case.task_context import task_context
from engine.case.transactions import assign_task, claim_task, complete_task, unclaim_task
from engine.case.worklist import (
    Filters,
    filter_choices,
    guided_tasks,
    next_task_in_case,
    view_counts,
)
from engine.db.unit_of_work import in_transaction
from engine.directory import list_organisations
from engine.errors import Conflict, InvalidData
from engine.models import Task
from forms.registry import load_form
from web.auth import safe_next
from web.case_rows import facts_by_case
from web.form_fields import build_fields, posted_data, with_known_values
from web.i18n import date_and_time
from web.leaflets import availability
from web.record_words import fill_instructions
from web.state import db_session, state
from web.task_titles import task_title, task_titles

tasks = Blueprint("tasks", __name__)
# The task that records the rights information she received: its page offers the leaflet.
RIGHTS_FORM = "inform_rights"


@tasks.get("/")
def home() -> ResponseReturnValue:
    db = db_session()
    now = state().clock.now()
    filters = Filters.from_args(request.args)
    page = guided_tasks(db, g.actor, now, filters)
    titles = task_titles(db, state().services.cipher, (i.id for i in page.items))
    return render_template(
        "tasks/home.html",
        filters=filters,
        items=[replace(i, title=titles.get(i.id, i.title)) for i in page.items],
        facts=facts_by_case(db, state().services, g.actor, (i.case_id for i in page.items), now),
        page=page,
        counts=view_counts(db, g.actor, now),
        choices=filter_choices(db, g.actor),
        filtered=bool(filters.case or filters.country or filters.task),
    )


@tasks.route("/tasks/<task_id>", methods=["GET", "POST"])
def task_page(task_id: str) -> ResponseReturnValue:
    db = db_session()
    services = state().services
    # 404 for a hidden case, 403 for another organisation's task
    task = own_task(db, g.actor, task_id, services.now())
    g.case_country = task.case_file.host_country  # times in her zone
    errors: dict[str, str] = {}
    problem = None
    status = 200
    draft = None
    if request.method == "POST" and task.state == "open" and request.form.get("action") == "draft":
        try:
            saved = save_draft(db, services, g.actor, task_id, posted_data(task.form, request.form))
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(
                _(
                    "Your draft was saved (%(when)s). Only you can see it, and the task is "
                    "still open: complete it when you are ready.",
                    when=date_and_time(saved.saved_at),
                ),
                "success",
            )
        return redirect(url_for("tasks.task_page", task_id=task_id))
    if request.method == "POST" and task.state == "open":
        values = posted_data(task.form, request.form)
        case_id, title = task.case_id, task_title(services.cipher, task)
        is_test = task.case_file.is_test
        try:
            complete_task(db, services, g.actor, task_id, values)
        except InvalidData as error:
            errors, problem, status = error.fields, error.message, 422
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("tasks.task_page", task_id=task_id))
        else:
            if is_test:  # an administrator walking a test case goes on from its list
                flash(_("Saved “%(done)s”.", done=title), "success")
                return redirect(url_for("admin.test_cases.test_case_list"))
            return _after_completion(case_id, title)
        task = db.get(Task, task_id) or task
    else:
        detail = in_transaction(
            db,
            lambda: read_models.task_detail(db, services.cipher, g.actor, task_id, services.now()),
        )
        values = detail["data"]
        draft = draft_of(db, services, g.actor, task_id) if task.state == "open" else None
        if draft is not None:
            values = {**values, **draft.data}
    form = load_form(task.form)
    # Prefilled values the form does not ask for: what an agency's or partner's task
    # received of her (its needs, her consent), shown to read, never to edit.
    asked = form.schema.get("properties", {})
    shared = {k: v for k, v in values.items() if k not in asked and k != "service"}
    case = task.case_file
    organisations = list_organisations(db)
    names = {o.slug: o.name for o in organisations}
    instructions = task_instructions(case.process_version, task.name)
    context = task_context(db, services, g.actor, task, instructions)
    if task.state == "open" and request.method == "GET":
        values = with_known_values(form, values, context.languages)
    leaflet_info = None
    if task.form == RIGHTS_FORM:
        leaflet_info = availability(case.host_country, context.languages)
        if task.state == "open" and request.method == "GET":
            values = _with_leaflet_defaults(dict(values or {}), leaflet_info)
    return (
        render_template(
            "tasks/task.html",
            task=task,
            heading=task_title(services.cipher, task),
            case=case,
            form=form,
            fields=build_fields(form, values, errors, organisations),
            recorded_answers=values if task.state == "completed" else {},
            errors=errors,
            problem=problem,
            process_instructions=fill_instructions(instructions, context.values, names),
            context=context,
            organisation_names=names,
            draft=draft,
            colleagues=colleagues(db, g.actor.organisation_id) if task.state == "open" else [],
            leaflet_info=leaflet_info,
            shared=shared if task.organisation_id == g.actor.organisation_id else {},
        ),
        status,
    )


def _with_leaflet_defaults(values: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    """The current leaflet version, and its language when it is written in only one of
    hers: what is usually handed over, still to be corrected by the person recording."""
    values.setdefault("leaflet_version", info["version"])
    if len(info["in_her_languages"]) == 1:
        values.setdefault("leaflet_language", info["in_her_languages"][0])
    return values


def _after_completion(case_id: str, title: str) -> ResponseReturnValue:
    following = next_task_in_case(db_session(), g.actor, case_id)
    if following is not None:
        next_title = task_title(state().services.cipher, following)
        flash(
            _("Saved “%(done)s”. Next for this case: %(next)s.", done=title, next=next_title),
            "success",
        )
        return redirect(url_for("tasks.task_page", task_id=following.id))
    flash(
        _(
            "Saved “%(done)s”. Nothing else on this case is waiting for your organisation.",
            done=title,
        ),
        "success",
    )
    return redirect(url_for("tasks.home"))


@tasks.post("/tasks/<task_id>/claim")
def claim(task_id: str) -> ResponseReturnValue:
    try:
        task = claim_task(db_session(), state().services, g.actor, task_id)
    except Conflict as error:
        flash(error.message, "error")
    else:
        title = task_title(state().services.cipher, task)
        flash(_("You are now working on “%(title)s”.", title=title), "success")
    return redirect(safe_next(request.form.get("next")))


@tasks.post("/tasks/<task_id>/assign")
def assign(task_id: str) -> ResponseReturnValue:
    username = request.form.get("assignee", "")
    try:
        task = assign_task(db_session(), state().services, g.actor, task_id, username)
    except (Conflict, InvalidData) as error:
        flash(
            next(iter(error.fields.values()), error.message)
            if isinstance(error, InvalidData)
            else error.message,
            "error",
        )
        return redirect(url_for("tasks.task_page", task_id=task_id))
    title = task_title(state().services.cipher, task)
    if username == g.actor.username:
        flash(_("You are now working on “%(title)s”.", title=title), "success")
    else:
        flash(_("“%(title)s” is now with %(name)s.", title=title, name=username), "success")
    return redirect(url_for("tasks.task_page", task_id=task_id))


@tasks.post("/tasks/<task_id>/release")
def release(task_id: str) -> ResponseReturnValue:
    try:
        task = unclaim_task(db_session(), state().services, g.actor, task_id)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "You released “%(title)s”: anyone in your organisation can take it.",
                title=task_title(state().services.cipher, task),
            ),
            "info",
        )
    return redirect(safe_next(request.form.get("next")))
