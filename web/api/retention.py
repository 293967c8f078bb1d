"""Her copy and the legal hold over the API: the same engine calls as the pages."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from engine.db.unit_of_work import in_transaction
from engine.models import LegalHold
from engine.pagination import iso
from engine.retention.her_copy import her_copy
from engine.retention.holds import place_hold, release_hold
from web.api import actor, api, json_body, services
from web.state import db_session


def hold_json(hold: LegalHold) -> dict[str, Any]:
    return {
        "reason": hold.reason,
        "placed_at": iso(hold.placed_at),
        "released_at": iso(hold.released_at),
    }


@api.get("/cases/<case_id>/export")
def export(case_id: str) -> ResponseReturnValue:
    session, svc = db_session(), services()
    copy = in_transaction(session, lambda: her_copy(session, svc, actor(), case_id, svc.now()))
    return jsonify(copy)


@api.post("/cases/<case_id>/legal-hold")
def hold(case_id: str) -> ResponseReturnValue:
    body = json_body("reason", required=("reason",))
    reason = body["reason"] if isinstance(body["reason"], str) else ""
    placed = place_hold(db_session(), services(), actor(), case_id, reason)
    response = jsonify(hold_json(placed))
    response.status_code = 201
    return response


@api.post("/cases/<case_id>/legal-hold/release")
def release(case_id: str) -> ResponseReturnValue:
    return jsonify(hold_json(release_hold(db_session(), services(), actor(), case_id)))
