"""Administration: the process library. Administrators see every deployed process
version, its diagrams and sources, and deploy changed diagrams from the browser.

Only administrators get here (everyone else gets the 403 page), and being one still
shows no case: the library lists how many cases run on a version, never which.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select

from engine.cases import in_transaction
from engine.diagram import processes_in
from engine.errors import Conflict, InvalidProcess, NotFound
from engine.models import Case, ProcessVersion
from engine.versions import deploy_files, latest_version, list_versions
from web.admin.uploads import (
    DeployError,
    UploadRefused,
    content_type,
    files_to_deploy,
    uploaded_files,
)
from web.cases import case_process
from web.state import db_session, state

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.before_request
def require_administrator():  # type: ignore[no-untyped-def]
    user = g.get("user")
    if user is None or not user.is_admin:
        abort(403, _("Only administrators manage the process library."))


def find_version(process_id: str, number: int) -> ProcessVersion:
    version = db_session().scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == number
        )
    )
    if version is None:
        abort(404)
    return version


def cases_per_version() -> dict[int, dict[str, int]]:
    rows = db_session().execute(
        select(Case.process_version_id, Case.status, func.count()).group_by(
            Case.process_version_id, Case.status
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for version_id, status, count in rows:
        counts.setdefault(version_id, {})[status] = count
    return counts


def render_library(status: int = 200, **extra: Any):  # type: ignore[no-untyped-def]
    versions = list_versions(db_session())
    by_process: dict[str, list[ProcessVersion]] = {}
    for version in versions:
        by_process.setdefault(version.process_id, []).append(version)
    processes = sorted(by_process, key=lambda p: (p != case_process(), p))
    context: dict[str, Any] = {"error": None, "base": case_process(), **extra}
    return (
        render_template(
            "admin/library.html",
            processes=processes,
            versions={p: sorted(vs, key=lambda v: -v.version) for p, vs in by_process.items()},
            counts=cases_per_version(),
            **context,
        ),
        status,
    )


@admin.get("")
def home():  # type: ignore[no-untyped-def]
    return redirect(url_for("admin.library"))


@admin.get("/processes")
def library():  # type: ignore[no-untyped-def]
    return render_library()


@admin.post("/processes")
def deploy():  # type: ignore[no-untyped-def]
    """Deploy uploaded diagrams over the latest version of a process; nothing is written
    unless every file is valid."""
    db = db_session()
    base_id = request.form.get("base") or case_process()
    try:
        uploads = uploaded_files(request.files.getlist("files"))
        base = latest_version(db, base_id)
        files = files_to_deploy(base, uploads)
        now = state().clock.now()
        results = in_transaction(db, lambda: deploy_files(db, files, now, g.actor))
    except UploadRefused as refused:
        return render_library(422, error=DeployError(None, None, refused.message), base=base_id)
    except NotFound:
        message = _("There is no deployed process “%(process)s” to deploy over.", process=base_id)
        return render_library(422, error=DeployError(None, None, message), base=base_id)
    except InvalidProcess as invalid:
        return render_library(422, error=DeployError.from_error(invalid), base=base_id)
    except Conflict:
        flash(_("Someone deployed at the same moment. Nothing was changed: try again."), "error")
        return redirect(url_for("admin.library"))
    for result in results:
        if result.created:
            flash(
                _(
                    "Deployed %(process)s version %(version)s. New cases start on it; "
                    "running cases keep their version.",
                    process=result.process_id,
                    version=result.version,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "%(process)s is unchanged: the files are the same as version %(version)s.",
                    process=result.process_id,
                    version=result.version,
                ),
                "info",
            )
        for warning in result.warnings:
            flash(
                _(
                    "Warning for %(process)s: %(warning)s",
                    process=result.process_id,
                    warning=warning,
                ),
                "info",
            )
    return redirect(url_for("admin.library"))


@admin.get("/processes/<process_id>/<int:number>")
def version_page(process_id: str, number: int):  # type: ignore[no-untyped-def]
    version = find_version(process_id, number)
    return render_template(
        "admin/version.html",
        version=version,
        processes=processes_in(version),
        counts=cases_per_version().get(version.id, {}),
    )


@admin.get("/processes/<process_id>/<int:number>/diagram")
def version_diagram(process_id: str, number: int):  # type: ignore[no-untyped-def]
    """The drawing for the viewer, in the shape the case page's diagram script reads."""
    version = find_version(process_id, number)
    processes = processes_in(version)
    by_id = {p["id"]: p for p in processes}
    chosen = by_id.get(request.args.get("process") or "") or by_id.get(process_id) or processes[0]
    return jsonify(
        {
            "process": {"id": chosen["id"], "name": chosen["name"], "drawn": chosen["drawn"]},
            "processes": [{"id": p["id"], "name": p["name"]} for p in processes],
            "xml": version.sources[chosen["file"]],
            "completed": [],
            "active": [],
        }
    )


@admin.get("/processes/<process_id>/<int:number>/files/<filename>")
def source_file(process_id: str, number: int, filename: str):  # type: ignore[no-untyped-def]
    version = find_version(process_id, number)
    text = version.sources.get(filename)
    if not isinstance(text, str):
        abort(404)
    response = Response(text.encode("utf-8"), mimetype=content_type(filename))
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response
