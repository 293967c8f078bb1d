"""The guided task list (the home page) and the task page with its form.

After a task is submitted the person lands where the list says to go next: the next
open task of the same case for their organisation, else back to the list.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.case import read_models
from engine.case.access import own_task
from engine.case.diagram import task_instructions
from engine.case.transactions import claim_task, complete_task, unclaim_task
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
from web.form_fields import build_fields, posted_data
from web.state import db_session, state
from web.task_titles import task_title, task_titles

tasks = Blueprint("tasks", __name__)


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
        page=page,
        counts=view_counts(db, g.actor, now),
        choices=filter_choices(db, g.actor),
        filtered=bool(filters.case or filters.country or filters.task),
    )


@tasks.route("/tasks/<task_id>", methods=["GET", "POST"])
def task_page(task_id: str) -> ResponseReturnValue:
    db = db_session()
    services = state().services
    task = own_task(
        db, g.actor, task_id, services.now()
    )  # 404 for a hidden case, 403 for another's task
    errors: dict[str, str] = {}
    problem = None
    status = 200
    if request.method == "POST" and task.state == "open":
        values = posted_data(task.form, request.form)
        case_id, title = task.case_id, task_title(services.cipher, task)
        try:
            complete_task(db, services, g.actor, task_id, values)
        except InvalidData as error:
            errors, problem, status = error.fields, error.message, 422
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("tasks.task_page", task_id=task_id))
        else:
            return _after_completion(case_id, title)
        task = db.get(Task, task_id) or task
    else:
        detail = in_transaction(
            db,
            lambda: read_models.task_detail(db, services.cipher, g.actor, task_id, services.now()),
        )
        values = detail["data"]
    form = load_form(task.form)
    # Prefilled values the form does not ask for: what an agency's or partner's task
    # received of her (its needs, her consent), shown to read, never to edit.
    asked = form.schema.get("properties", {})
    shared = {k: v for k, v in values.items() if k not in asked and k != "service"}
    case = task.case_file
    return (
        render_template(
            "tasks/task.html",
            task=task,
            heading=task_title(services.cipher, task),
            case=case,
            form=form,
            fields=build_fields(form, values, errors, list_organisations(db)),
            errors=errors,
            problem=problem,
            process_instructions=task_instructions(case.process_version, task.name),
            shared=shared if task.organisation_id == g.actor.organisation_id else {},
        ),
        status,
    )


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
