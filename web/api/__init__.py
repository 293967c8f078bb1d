"""The JSON API `/api/v1`: bearer-token authentication and the routes of API.md."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, request
from flask.typing import ResponseReturnValue

from engine.accounts.users import actor_for, token_needs_touch, token_user, touch_token
from engine.audit import Actor
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import EngineError, InvalidData
from web.api.json_input import parse_json
from web.errors import json_error
from web.state import db_session, state

api = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}


class Unauthorised(EngineError):
    code = "unauthorised"


@api.before_request
def authenticate() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    db, now = db_session(), state().clock.now()
    found = token_user(db, token.strip(), now) if scheme.lower() == "bearer" and token else None
    if found is None:
        response = json_error(
            401, "unauthorised", "Give a valid API token: Authorization: Bearer <token>"
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="nbassist"'
        return response
    user, api_token = found
    if token_needs_touch(api_token, now):  # at most once a minute: calls do not each write
        in_transaction(db, lambda: touch_token(db, api_token.id, now))
    g.user = user
    g.actor = actor_for(user)
    return None


@api.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def actor() -> Actor:
    return g.actor


def json_body(*allowed: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object, refusing other shapes and unknown top-level fields."""
    body = parse_json(request.get_data()) if request.content_length or request.data else {}
    if not isinstance(body, dict):
        raise InvalidData("the request body must be a JSON object", {"": "Send a JSON object"})
    unknown = {k: "Not a field of this request" for k in body if k not in allowed}
    missing = {k: "Required" for k in required if k not in body}
    if unknown or missing:
        raise InvalidData("the request has missing or unknown fields", {**missing, **unknown})
    return body


def services() -> Services:
    return state().services


from web.api import cases, meta, notifications, openapi, retention, tasks  # noqa: E402,F401 - routes register on `api`
