"""Cases: open, list, read, history, messages, reopen."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from engine.case import notes, read_models, test_cases, transactions
from engine.case import record as record_reader
from engine.case.corrections import Correction, correct_value
from engine.case.reopen import reopen_case
from engine.db.unit_of_work import in_transaction
from engine.errors import Forbidden, InvalidData
from engine.pagination import iso
from engine.retention.matching import organisations_with_match
from web.api import actor, api, json_body, services
from web.case_rows import with_facts
from web.state import db_session


@api.post("/cases")
def open_case() -> ResponseReturnValue:
    """A case of the network's process; or, when an administrator names a `process` (and
    optionally its `version`), a test case on it (engine/case/test_cases.py)."""
    body = json_body("data", "process", "version", required=("data",))
    session = db_session()
    if "process" in body or "version" in body:
        process_id, version = _test_process(body)
        case = test_cases.start_test_case(
            session, services(), actor(), process_id, body["data"], version
        )
    else:
        process_id = current_app.config.get("CASE_PROCESS", transactions.CASE_PROCESS)
        case = transactions.open_case(session, services(), actor(), body["data"], process_id)
    summary = read_models.case_summary_for(session, actor(), case, services().now())
    # Only whom to contact: another case's coordinator, never the case itself.
    summary["matching_cases"] = [
        {"organisation": o.slug, "name": o.name, "contacts": o.contacts}
        for o in organisations_with_match(session, case.id)
    ]
    response = jsonify(summary)
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return response


def _test_process(body: dict[str, Any]) -> tuple[str, int | None]:
    if not actor().is_admin:
        raise Forbidden("only administrators start test cases on a chosen process")
    process_id, version = body.get("process"), body.get("version")
    if not isinstance(process_id, str) or not process_id:
        raise InvalidData("process missing", {"process": "Name a deployed process"})
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise InvalidData("invalid version", {"version": "A version number, or leave it out"})
    return process_id, version


@api.get("/cases")
def list_cases() -> ResponseReturnValue:
    session = db_session()
    search = request.args.get("q")
    page = read_models.list_cases(
        session,
        actor(),
        status=request.args.get("status"),
        country=request.args.get("country"),
        limit=request.args.get("limit"),
        cursor=request.args.get("cursor"),
        search=search,
        cipher=services().cipher,
        now=services().now(),
    )
    items = with_facts(session, services(), actor(), page.items, services().now(), search)
    return jsonify({"items": items, "next": page.next})


@api.get("/cases/<case_id>")
def get_case(case_id: str) -> ResponseReturnValue:
    session = db_session()
    summary = in_transaction(
        session, lambda: read_models.read_case(session, actor(), case_id, services().now())
    )
    return jsonify(summary)


@api.get("/cases/<case_id>/history")
def case_history(case_id: str) -> ResponseReturnValue:
    session = db_session()
    items = in_transaction(
        session, lambda: read_models.case_history(session, actor(), case_id, services().now())
    )
    return jsonify({"items": items, "next": None})


@api.get("/cases/<case_id>/notes")
def case_notes(case_id: str) -> ResponseReturnValue:
    session, svc = db_session(), services()
    items = in_transaction(session, lambda: notes.list_notes(session, svc, actor(), case_id))
    return jsonify({"items": [note_json(n) for n in items], "next": None})


@api.post("/cases/<case_id>/notes")
def add_case_note(case_id: str) -> ResponseReturnValue:
    body = json_body("body", "visibility", required=("body",))
    if not isinstance(body["body"], str):
        raise InvalidData("the note must be text", {"body": "Send the note as a string"})
    visibility = body.get("visibility") or notes.PRIVATE
    if visibility not in (notes.PRIVATE, notes.TEAM):  # API.md: confidential is the page's
        raise InvalidData("unknown visibility", {"visibility": "Use organisation or team"})
    session, svc = db_session(), services()
    note = notes.add_note(session, svc, actor(), case_id, body["body"], visibility=visibility)
    response = jsonify(
        {
            "id": note.id,
            "visibility": note.visibility,
            "created_at": note.created_at.isoformat(),
        }
    )
    response.status_code = 201
    return response


def note_json(note: notes.CaseNote) -> dict[str, object]:
    return {
        "id": note.id,
        "body": note.body,
        "visibility": note.visibility,
        "author": note.author,
        "organisation": note.organisation,
        "created_at": note.created_at.isoformat(),
    }


@api.post("/cases/<case_id>/messages")
def send_message(case_id: str) -> ResponseReturnValue:
    body = json_body("name", "data", required=("name",))
    session = db_session()
    case = transactions.deliver_message(
        session, services(), actor(), case_id, body["name"], body.get("data")
    )
    return jsonify(read_models.case_summary_for(session, actor(), case, services().now()))


@api.post("/cases/<case_id>/reopen")
def reopen(case_id: str) -> ResponseReturnValue:
    body = json_body("reason", required=("reason",))
    session = db_session()
    case = reopen_case(session, services(), actor(), case_id, body["reason"])
    return jsonify(read_models.case_summary_for(session, actor(), case, services().now()))


@api.get("/cases/<case_id>/record")
def case_record(case_id: str) -> ResponseReturnValue:
    session = db_session()
    found = in_transaction(
        session, lambda: record_reader.case_record(session, services(), actor(), case_id)
    )
    return jsonify(
        {
            "id": found.case.id,
            "reference": found.case.reference,
            "fields": found.fields,
            "steps": [
                {
                    "task_id": step.task_id,
                    "name": step.name,
                    "title": step.title,
                    "organisation": step.organisation,
                    "completed_by": step.completed_by,
                    "completed_at": iso(step.completed_at),
                    "data": step.data,
                }
                for step in found.steps
            ],
            "corrections": [correction_json(c) for c in found.corrections],
        }
    )


def correction_json(correction: Correction) -> dict[str, Any]:
    return {
        "field": correction.field,
        "old_value": correction.old,
        "value": correction.new,
        "reason": correction.reason,
        "by": correction.by,
        "at": iso(correction.at),
    }


@api.post("/cases/<case_id>/corrections")
def correct_recorded_value(case_id: str) -> ResponseReturnValue:
    body = json_body("field", "value", "reason", required=("field", "value", "reason"))
    correction = correct_value(
        db_session(), services(), actor(), case_id, body["field"], body["value"], body["reason"]
    )
    response = jsonify(correction_json(correction))
    response.status_code = 201
    return response
