"""Engine errors and HTTP errors mapped to responses in one place.

API clients get `{"error": {"code", "message", "fields"}}`; a 500 is always a bug,
and even then the body says so without a traceback.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict, EngineError, Forbidden, InvalidData, InvalidProcess, NotFound

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidData: 422, InvalidProcess: 422}
log = logging.getLogger(__name__)


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, object]:
    body: dict[str, object] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def json_error(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> Response:
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    return response


def status_for(error: EngineError) -> int:
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return 400


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(EngineError)
    def engine_error(error: EngineError):  # type: ignore[no-untyped-def]
        fields = getattr(error, "fields", None)
        if wants_json() or "html_error" not in app.view_functions:
            return json_error(status_for(error), error.code, error.message, fields)
        return app.view_functions["html_error"](status_for(error), error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if wants_json() or "html_error" not in app.view_functions:
            code = (error.name or "error").lower().replace(" ", "_")
            return json_error(error.code or 500, code, error.description or error.name)
        return app.view_functions["html_error"](error.code or 500, error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("unexpected error on %s %s", request.method, request.path)
        message = "Something went wrong on our side; nothing was saved. Please try again."
        if wants_json() or "html_error" not in app.view_functions:
            return json_error(500, "internal_error", message)
        return app.view_functions["html_error"](500, message)
