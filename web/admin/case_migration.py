"""Administration: moving running cases of a process to another deployed version.

The page is a dry run: choose the versions and, optionally, one case (by reference), a
host country or a stage; every chosen case is listed as safe or not, with why not. One
button then migrates the safe ones (`engine.case.migration.migrate`, which checks each
case again as it moves it), and each migrated case can be put back while it has not
moved on. Administrators see references and element names, never what is recorded.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from engine import versions
from engine.case import migration
from engine.errors import Conflict, InvalidData, NotFound
from web.state import db_session, state

migration_pages = Blueprint("migration", __name__)


def _selection(process_id: str, values: dict[str, str]) -> migration.Selection | None:
    try:
        source, target = int(values.get("from", "")), int(values.get("to", ""))
    except ValueError:
        return None
    return migration.Selection(
        process_id,
        source,
        target,
        reference=values.get("case") or None,
        country=values.get("country") or None,
        stage=values.get("stage") or None,
    )


def _numbers(process_id: str) -> list[int]:
    numbers = [
        v.version for v in versions.list_versions(db_session()) if v.process_id == process_id
    ]
    if not numbers:
        abort(404)
    return numbers


@migration_pages.get("/versions/<process_id>/migrate")
def dry_run(process_id: str) -> ResponseReturnValue:
    numbers = _numbers(process_id)
    chosen = _selection(process_id, request.args.to_dict())
    plans, error, status = None, None, 200
    if chosen is not None:
        try:
            plans = migration.plan(db_session(), state().services, chosen)
        except (InvalidData, NotFound) as exc:
            error, status = exc.message, 422
    return render_template(
        "admin/migrate.html",
        process_id=process_id,
        numbers=numbers,
        chosen=chosen,
        plans=plans,
        error=error,
    ), status


@migration_pages.post("/versions/<process_id>/migrate")
def migrate(process_id: str) -> ResponseReturnValue:
    _numbers(process_id)
    chosen = _selection(process_id, request.form.to_dict())
    if chosen is None:
        abort(400)
    results = migration.migrate(db_session(), state().services, g.actor, chosen)
    moved = [r for r in results if r.migrated]
    flash(
        ngettext(
            "%(num)d case moved to version %(target)s.",
            "%(num)d cases moved to version %(target)s.",
            len(moved),
            target=chosen.target,
        ),
        "success" if moved else "info",
    )
    for result in results:
        if not result.migrated:
            flash(result.line(), "error")
    return render_template(
        "admin/migrate.html",
        process_id=process_id,
        numbers=_numbers(process_id),
        chosen=chosen,
        plans=results,
        error=None,
        done=True,
    )


@migration_pages.post("/versions/<process_id>/migrate/revert")
def revert(process_id: str) -> ResponseReturnValue:
    reference = request.form.get("case", "")
    try:
        case = migration.revert(db_session(), state().services, g.actor, reference)
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(
            _(
                "%(reference)s is back on version %(version)s.",
                reference=case.reference,
                version=case.process_version.version,
            ),
            "success",
        )
    return redirect(url_for("admin.migration.dry_run", process_id=process_id))
