"""Who am I, the directory, the process library and forms."""

from __future__ import annotations

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue

from engine.directory import as_dict, list_organisations
from engine.versions import list_versions
from forms.registry import load_form
from web.api import api
from web.state import db_session


@api.get("/me")
def me() -> ResponseReturnValue:
    user = g.user
    return jsonify(
        {
            "username": user.username,
            "organisation": as_dict(user.organisation),
            "admin": user.is_admin,
        }
    )


@api.get("/organisations")
def organisations() -> ResponseReturnValue:
    rows = list_organisations(db_session(), request.args.get("country"), request.args.get("role"))
    return jsonify({"items": [as_dict(o) for o in rows], "next": None})


@api.get("/processes")
def processes() -> ResponseReturnValue:
    items = [
        {
            "process_id": v.process_id,
            "version": v.version,
            "name": v.name,
            "content_hash": v.content_hash,
            "start_form": v.start_form,
            "deployed_at": v.deployed_at.isoformat(),
            "deployed_by": v.deployed_by,
            # The version new cases start on; `review` says whether another organisation
            # approved it (`approved`), it waits (`proposed`) or was `rejected`.
            "current": v.is_current,
            "review": v.review_state,
        }
        for v in list_versions(db_session())
    ]
    return jsonify({"items": items, "next": None})


@api.get("/forms/<name>")
def form(name: str) -> ResponseReturnValue:
    found = load_form(name)
    return jsonify({"name": found.name, "schema": found.schema, "ui_schema": found.ui_schema})
