"""Administration: test cases, to walk a process version before making it current.

An administrator starts a test case on any deployed version from its start form, then
works its tasks on the ordinary task pages (every role's: no real organisation is on a
test case). The list shows each test case with its open tasks and when the scheduler
erases it. See engine/case/test_cases.py for why no one else ever sees one.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import versions
from engine.case import test_cases
from engine.directory import list_organisations
from engine.errors import InvalidData
from engine.models import ProcessVersion
from forms.registry import load_form
from web.cases import case_process, start_form_name
from web.form_fields import build_fields, posted_data
from web.state import db_session, state

test_case_pages = Blueprint("test_cases", __name__)


def _chosen(value: str | None) -> ProcessVersion:
    """The version named "process:number", or the current version of the case process."""
    db = db_session()
    if not value:
        return versions.current_version(db, case_process())
    process_id, _sep, number = value.rpartition(":")
    if not process_id or not number.isdigit():
        abort(404)
    return versions.find_version(db, process_id, int(number))  # NotFound: a 404


def _render(
    version: ProcessVersion,
    values: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    db = db_session()
    form = load_form(version.start_form or start_form_name())
    return (
        render_template(
            "admin/test_cases.html",
            cases=test_cases.test_cases(db),
            versions=versions.list_versions(db),
            chosen=version,
            form=form,
            fields=build_fields(form, values or {}, errors or {}, list_organisations(db)),
            errors=errors or {},
            problem=problem,
        ),
        status,
    )


@test_case_pages.get("/test-cases")
def test_case_list() -> ResponseReturnValue:
    return _render(_chosen(request.args.get("version")))


@test_case_pages.post("/test-cases")
def start() -> ResponseReturnValue:
    version = _chosen(request.form.get("version"))
    form_name = version.start_form or start_form_name()
    values = posted_data(form_name, request.form)
    try:
        case = test_cases.start_test_case(
            db_session(), state().services, g.actor, version.process_id, values, version.version
        )
    except InvalidData as error:
        return _render(version, values, error.fields, error.message, 422)
    flash(
        _(
            "Test case %(reference)s runs on %(process)s version %(version)s. "
            "Work its tasks below; it is erased a day after it started.",
            reference=case.reference,
            process=version.process_id,
            version=version.version,
        ),
        "success",
    )
    return redirect(url_for("admin.test_cases.test_case_list", version=_value(version)))


def _value(version: ProcessVersion) -> str:
    return f"{version.process_id}:{version.version}"
