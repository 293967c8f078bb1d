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
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import versions
from engine.case import read_models
from engine.case.diagram import processes_in
from engine.case.transactions import START_FORM
from engine.country_rules import rules_of_version, unconfirmed
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict, InvalidProcess, NeedsConfirmation, NotFound
from engine.models import ProcessVersion
from engine.versions import Deployed, deploy_files, latest_version, list_versions
from web.admin.accounts import account_pages
from web.admin.case_migration import migration_pages
from web.admin.directory import directory_pages
from web.admin.editor import editor_pages, panel_words
from web.admin.process_versions import version_pages
from web.admin.proposals import proposal_pages
from web.admin.retention import retention_pages
from web.admin.test_cases import test_case_pages
from web.admin.translations import is_review_page, translation_pages
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
admin.register_blueprint(version_pages)  # versions and quarantine
admin.register_blueprint(account_pages)  # the people who sign in
admin.register_blueprint(migration_pages)  # running cases to another version
admin.register_blueprint(test_case_pages)  # trying a version before it goes live
admin.register_blueprint(editor_pages)  # what the editor's properties panel reads
admin.register_blueprint(proposal_pages)  # four eyes on process changes
admin.register_blueprint(directory_pages)  # organisations, roles, contacts
admin.register_blueprint(translation_pages)  # review of the translations
admin.register_blueprint(retention_pages)  # how long each country keeps her data


@admin.before_request
def require_administrator() -> ResponseReturnValue | None:
    user = g.get("user")
    if user is not None and user.reviews_locale and is_review_page(request.endpoint):
        return None  # a native speaker named to review a language: its page checks which
    if user is None or not user.is_admin:
        message = _("Only administrators manage the process library.")
        if request.endpoint == "admin.save_edited":
            return jsonify({"ok": False, "error": message}), 403
        abort(403, message)
    return None


def find_version(process_id: str, number: int) -> ProcessVersion:
    return versions.find_version(db_session(), process_id, number)  # NotFound: a 404


def cases_per_version() -> dict[int, dict[str, int]]:
    return read_models.cases_per_version(db_session())


def render_library(status: int = 200, **extra: Any) -> ResponseReturnValue:
    versions = list_versions(db_session())
    by_process: dict[str, list[ProcessVersion]] = {}
    for version in versions:
        by_process.setdefault(version.process_id, []).append(version)
    processes = sorted(by_process, key=lambda p: (p != case_process(), p))
    context: dict[str, Any] = {
        "error": None,
        "confirm": None,
        "base": case_process(),
        "rules_to_confirm": [],
        **extra,
    }
    current = next((v for v in versions if v.process_id == case_process() and v.is_current), None)
    if current is not None:
        key = f"{current.process_id}:{current.content_hash}"
        context["rules_to_confirm"] = unconfirmed(rules_of_version(key, lambda: current.sources))
    return (
        render_template(
            "admin/library.html",
            processes=processes,
            versions={p: sorted(vs, key=lambda v: -v.version) for p, vs in by_process.items()},
            counts=cases_per_version(),
            four_eyes=state().settings.four_eyes,
            **context,
        ),
        status,
    )


@admin.get("")
def home() -> ResponseReturnValue:
    return redirect(url_for("admin.library"))


@admin.get("/processes")
def library() -> ResponseReturnValue:
    return render_library()


def deploy_upload(base_id: str, expected_version: int | None = None) -> list[Deployed]:
    """Deploy the posted `files` over the latest version of `base_id`: the one way the
    library changes from the browser, for an upload as for a save from the editor. With
    four eyes on, a changed process is proposed for another organisation's approval.

    Raises UploadRefused, NotFound, InvalidProcess, NeedsConfirmation (a relied-on task
    dropped and not in the posted `confirm_removed`) or Conflict (also when the latest
    version is no longer `expected_version`); nothing is written unless all is valid."""
    db = db_session()
    uploads = uploaded_files(request.files.getlist("files"))
    base = latest_version(db, base_id)
    if expected_version is not None and base.version != expected_version:
        raise Conflict(f"{base_id} version {base.version} was deployed meanwhile")
    files = files_to_deploy(base, uploads)
    now = state().clock.now()
    confirmed = [t for t in request.form.get("confirm_removed", "").split(",") if t]
    return in_transaction(
        db,
        lambda: deploy_files(
            db,
            files,
            now,
            g.actor,
            four_eyes=state().settings.four_eyes,
            confirmed_removals=confirmed,
        ),
    )


@admin.post("/processes")
def deploy() -> ResponseReturnValue:
    """Deploy uploaded diagrams over the latest version of a process; nothing is written
    unless every file is valid."""
    base_id = request.form.get("base") or case_process()
    try:
        results = deploy_upload(base_id)
    except UploadRefused as refused:
        return render_library(422, error=DeployError(None, None, refused.message), base=base_id)
    except NotFound:
        message = _("There is no deployed process “%(process)s” to deploy over.", process=base_id)
        return render_library(422, error=DeployError(None, None, message), base=base_id)
    except InvalidProcess as invalid:
        return render_library(422, error=DeployError.from_error(invalid), base=base_id)
    except NeedsConfirmation as needed:
        return render_library(409, confirm=needed, base=base_id)
    except Conflict:
        flash(_("Someone deployed at the same moment. Nothing was changed: try again."), "error")
        return redirect(url_for("admin.library"))
    for result in results:
        if result.created and result.review_state == versions.PROPOSED:
            flash(
                _(
                    "Proposed %(process)s version %(version)s. An administrator of another "
                    "organisation approves it on the proposals page; until then new cases "
                    "keep starting on the current version.",
                    process=result.process_id,
                    version=result.version,
                ),
                "success",
            )
        elif result.created:
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
            if result.review_state == versions.PROPOSED:
                flash(
                    _(
                        "Version %(version)s of %(process)s waits for approval on the "
                        "proposals page.",
                        process=result.process_id,
                        version=result.version,
                    ),
                    "info",
                )
            elif result.review_state == versions.REJECTED:
                flash(
                    _(
                        "Version %(version)s of %(process)s was rejected: change the "
                        "diagram to propose it again.",
                        process=result.process_id,
                        version=result.version,
                    ),
                    "info",
                )
            elif not result.current:
                flash(
                    _(
                        "Version %(version)s is not the one new cases start on; "
                        "make it current on the versions page of %(process)s.",
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
def version_page(process_id: str, number: int) -> ResponseReturnValue:
    version = find_version(process_id, number)
    return render_template(
        "admin/version.html",
        version=version,
        processes=processes_in(version),
        counts=cases_per_version().get(version.id, {}),
        newest=latest_version(db_session(), process_id).version == version.version,
        drawn=drawn_files(version),
    )


@admin.get("/processes/<process_id>/<int:number>/diagram")
def version_diagram(process_id: str, number: int) -> ResponseReturnValue:
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
def source_file(process_id: str, number: int, filename: str) -> ResponseReturnValue:
    version = find_version(process_id, number)
    text = version.sources.get(filename)
    if not isinstance(text, str):
        abort(404)
    response = Response(text.encode("utf-8"), mimetype=content_type(filename))
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def drawn_files(version: ProcessVersion) -> set[str]:
    """The BPMN files with a drawing: the modeler cannot open a file without one."""
    return {p["file"] for p in processes_in(version) if p["drawn"]}


def editable_file(process_id: str, number: int, filename: str) -> ProcessVersion:
    """The version whose BPMN file is edited; 404 unless the file is a diagram of it."""
    version = find_version(process_id, number)
    if not filename.endswith(".bpmn") or not isinstance(version.sources.get(filename), str):
        abort(404)
    return version


@admin.get("/processes/<process_id>/<int:number>/edit/<filename>")
def edit_diagram(process_id: str, number: int, filename: str) -> ResponseReturnValue:
    """The modeler for one diagram. Only the newest version is edited: an older one sends
    the administrator to the same file of the newest."""
    version = editable_file(process_id, number, filename)
    newest = latest_version(db_session(), process_id)
    if newest.version != version.version:
        if filename not in newest.sources:
            abort(404)
        return redirect(
            url_for(
                "admin.edit_diagram",
                process_id=process_id,
                number=newest.version,
                filename=filename,
            )
        )
    return render_template(
        "admin/editor.html",
        version=version,
        filename=filename,
        drawn=filename in drawn_files(version),
        counts=cases_per_version().get(version.id, {}),
        start_form=version.start_form or START_FORM,  # the form a case opens with
        panel_words=panel_words(),
    )


@admin.post("/processes/<process_id>/<int:number>/edit/<filename>")
def save_edited(process_id: str, number: int, filename: str) -> ResponseReturnValue:
    """Save the modeler's XML as a new version: exactly an upload of that one file over
    this version, which must still be the newest. Answers JSON for the editor's script."""
    editable_file(process_id, number, filename)
    sent = [storage.filename for storage in request.files.getlist("files")]
    if sent != [filename]:
        return _refused(422, _("Send exactly the file %(file)s.", file=filename))
    try:
        results = deploy_upload(process_id, expected_version=number)
    except UploadRefused as refused:
        return _refused(422, refused.message)
    except InvalidProcess as invalid:
        # The reason and the element it is about: the editor marks it on the canvas
        # (file and line mean little to someone who drew the diagram).
        return _refused(
            422,
            invalid.reason,
            file=invalid.filename,
            line=invalid.line,
            element=invalid.element_id,
        )
    except NeedsConfirmation as needed:
        # Confirming needs the diff in view: the upload form of the library shows it.
        return _refused(409, "\n".join([needed.message, *needed.details]))
    except Conflict:
        return _refused(
            409,
            _(
                "Someone deployed a newer version meanwhile. Nothing was saved: "
                "reload the editor to start from the newest version."
            ),
        )
    # The process edited, or (were its id changed in the drawing) the one deployed.
    result = next((r for r in results if r.process_id == process_id), results[0])
    where: dict[str, Any] = {"process_id": result.process_id, "number": result.version}
    return jsonify(
        {
            "ok": True,
            "process": result.process_id,
            "version": result.version,
            "created": result.created,
            "proposed": result.review_state == versions.PROPOSED,
            "warnings": list(result.warnings),
            "url": url_for("admin.version_page", **where),
            "edit": url_for("admin.edit_diagram", filename=filename, **where),
        }
    )


def _refused(status: int, error: str, **where: Any) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": error, **where}), status
