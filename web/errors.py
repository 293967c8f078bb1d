"""Engine errors and HTTP errors mapped to responses in one place.

API clients get `{"error": {"code", "message", "fields"}}`, people an error page.
A client's mistake is a 4xx saying what to change. A database that stayed locked by
other writers past the busy timeout is a 503 with `Retry-After`: nothing was saved and
trying again shortly works (never a 409, which means someone changed the same case).
Everything else is our fault: a 500 whose error id is written to the log with the
traceback and shown to the person, so that an administrator can find it; the body
never carries a traceback or the internal reason.
"""

from __future__ import annotations

import logging
import secrets
from typing import cast

from flask import Flask, Response, current_app, jsonify, make_response, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from engine.db.unit_of_work import is_lock_timeout
from engine.errors import (
    BadRequest,
    Busy,
    Conflict,
    EngineError,
    Forbidden,
    InvalidData,
    InvalidProcess,
    NotFound,
    ServerFault,
)

# BadRequest first: it is a kind of InvalidData, and the first match decides.
STATUS = {
    BadRequest: 400,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidData: 422,
    InvalidProcess: 422,
}
# A writer has already waited the whole busy timeout; a few seconds more is enough.
RETRY_AFTER_SECONDS = 3
log = logging.getLogger(__name__)


def error_body(
    code: str, message: str, fields: dict[str, str] | None = None, error_id: str | None = None
) -> dict[str, object]:
    body: dict[str, object] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if error_id:
        body["error_id"] = error_id
    return {"error": body}


def json_error(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    error_id: str | None = None,
) -> Response:
    response = jsonify(error_body(code, message, fields, error_id))
    response.status_code = status
    return response


def status_for(error: EngineError) -> int:
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return 400


def wants_json() -> bool:
    return request.path.startswith("/api/")


def new_error_id() -> str:
    return secrets.token_hex(6)


def _respond(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    error_id: str | None = None,
) -> Response:
    html_error = current_app.view_functions.get("html_error")
    if wants_json() or html_error is None:
        return json_error(status, code, message, fields, error_id)
    return make_response(html_error(status, message))


def busy_response() -> Response:
    message = _(
        "Many people are saving at this moment, so nothing was saved. "
        "Please try again in a few seconds."
    )
    response = _respond(503, Busy.code, message)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_fault_response(error: BaseException) -> Response:
    """A 500 that names the error id the log holds beside the traceback."""
    error_id = new_error_id()
    log.error(
        "error id %s: %s on %s %s",
        error_id,
        type(error).__name__,
        request.method,
        request.path,
        exc_info=error,
    )
    message = _(
        "Something went wrong on our side; nothing was saved. Please try again, and if it "
        "happens again, tell your administrator the error id %(error_id)s.",
        error_id=error_id,
    )
    response = _respond(500, "internal_error", message, error_id=error_id)
    response.headers["X-Error-Id"] = error_id
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Busy)
    def busy(_error: Busy) -> Response:
        return busy_response()

    @app.errorhandler(ServerFault)
    def server_fault(error: ServerFault) -> Response:
        return server_fault_response(error)

    @app.errorhandler(EngineError)
    def engine_error(error: EngineError) -> Response:
        fields = getattr(error, "fields", None)
        return _respond(status_for(error), error.code, error.message, fields)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if wants_json() or "html_error" not in app.view_functions:
            code = (error.name or "error").lower().replace(" ", "_")
            return json_error(error.code or 500, code, error.description or error.name)
        # Registered by web.pages, which this module must not import; it returns a page.
        page = app.view_functions["html_error"](error.code or 500, error.description or "")
        return cast(ResponseReturnValue, page)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, OperationalError) and is_lock_timeout(error):
            return busy_response()  # locked outside a unit of work: the same wait, not a bug
        return server_fault_response(error)
