"""Administration: which version of a process new cases start on, what changed between
two versions, and the cases the scheduler set aside.

Nested in the `admin` blueprint, so its administrators-only check applies here too.
Each view is one engine call: `versions.activate` (a rollback, or forward again),
`versions.diff_versions`, `quarantine.release`. The quarantine list shows a case's
reference, process and the reason the scheduler gave, never the case itself.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import versions
from engine.db.unit_of_work import in_transaction
from engine.schedule import quarantine
from web.state import db_session, state

version_pages = Blueprint("versions", __name__)


@version_pages.get("/versions/<process_id>")
def process_versions(process_id: str) -> ResponseReturnValue:
    db = db_session()
    rows = [v for v in versions.library_rows(db) if v["process"] == process_id]
    if not rows:
        abort(404)
    diff = None
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    if old is not None and new is not None:
        diff = versions.diff_versions(
            versions.find_version(db, process_id, old), versions.find_version(db, process_id, new)
        )
    return render_template(
        "admin/versions.html", process_id=process_id, rows=rows, diff=diff, old=old, new=new
    )


@version_pages.post("/versions/<process_id>/activate")
def activate(process_id: str) -> ResponseReturnValue:
    number = request.form.get("version", type=int)
    if number is None:
        abort(400)
    db = db_session()
    now = state().clock.now()
    in_transaction(db, lambda: versions.activate(db, process_id, number, now, g.actor))
    flash(
        _(
            "New cases of %(process)s now start on version %(number)s.",
            process=process_id,
            number=number,
        ),
        "success",
    )
    return redirect(url_for("admin.versions.process_versions", process_id=process_id))


@version_pages.get("/quarantine")
def quarantined() -> ResponseReturnValue:
    return render_template(
        "admin/quarantine.html", cases=quarantine.quarantined_cases(db_session())
    )


@version_pages.post("/quarantine/<reference>/release")
def release(reference: str) -> ResponseReturnValue:
    db = db_session()
    now = state().clock.now()
    in_transaction(db, lambda: quarantine.release(db, reference, now, g.actor))
    flash(
        _("%(reference)s is released: the next tick runs it again.", reference=reference), "success"
    )
    return redirect(url_for("admin.versions.quarantined"))
