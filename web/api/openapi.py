"""The OpenAPI 3.1 document describing /api/v1 (served without authentication)."""

from __future__ import annotations

from typing import Any, TypedDict

from flask import jsonify
from flask.typing import ResponseReturnValue

from web.api import api

ERROR = {"$ref": "#/components/schemas/Error"}


def _op(
    summary: str, ok: int = 200, body: bool = False, errors: tuple[int, ...] = (), **params: str
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            str(ok): {
                "description": "OK",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "401": {
                "description": "No valid token",
                "content": {"application/json": {"schema": ERROR}},
            },
            **{
                str(code): {
                    "description": DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ERROR}},
                }
                for code in errors
            },
        },
    }
    if params:
        operation["parameters"] = [
            {"name": name, "in": where, "required": where == "path", "schema": {"type": "string"}}
            for name, where in params.items()
        ]
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DataBody"}}},
        }
    return operation


DESCRIPTIONS = {
    400: "Malformed request: too deeply nested, a number too large, a bad cursor",
    403: "The caller may see the case or task but not do this",
    404: "Not found, or not visible to the caller",
    409: "Completed, cancelled, held by someone else, or changed meanwhile",
    422: "Invalid data; `fields` says why per field",
}


class _PageParams(TypedDict):
    limit: str
    cursor: str


PAGE: _PageParams = {"limit": "query", "cursor": "query"}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Nordic Baltic Assist API", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    }
                },
            },
            "DataBody": {
                "type": "object",
                "properties": {
                    "data": {"type": "object"},
                    "name": {"type": "string"},
                    "reason": {"type": "string"},
                    "process": {"type": "string"},
                    "version": {"type": "integer"},
                },
            },
        },
    },
    "paths": {
        "/me": {"get": _op("The caller")},
        "/organisations": {"get": _op("The directory", country="query", role="query")},
        "/processes": {"get": _op("Deployed process versions")},
        "/forms/{name}": {
            "get": _op("A form's JSON Schema and UI schema", errors=(404,), name="path")
        },
        "/cases": {
            "get": _op(
                "Cases the caller may see",
                errors=(400, 422),
                status="query",
                country="query",
                q="query",
                **PAGE,
            ),
            "post": _op(
                "Open a case from the start form; `matching_cases` names the coordinators "
                "of cases with her details, and nothing else about them. An administrator "
                "naming a `process` (and optionally its `version`) starts a test case on it",
                ok=201,
                body=True,
                errors=(400, 403, 404, 422),
            ),
        },
        "/cases/{id}": {"get": _op("A case", errors=(404,), id="path")},
        "/cases/{id}/history": {"get": _op("A case's timeline", errors=(404,), id="path")},
        "/cases/{id}/notes": {
            "get": _op("Notes the caller may read", errors=(404,), id="path"),
            "post": _op(
                "Add a note: visibility organisation (default) or team",
                ok=201,
                body=True,
                errors=(400, 404, 422),
                id="path",
            ),
        },
        "/cases/{id}/record": {
            "get": _op("What has been recorded about her", errors=(404,), id="path")
        },
        "/cases/{id}/corrections": {
            "post": _op(
                "Correct a recorded value, with a reason",
                ok=201,
                body=True,
                errors=(403, 404, 409, 422),
                id="path",
            )
        },
        "/cases/{id}/export": {
            "get": _op(
                "Her copy: everything held about her, for a subject-access request (audited)",
                errors=(403, 404),
                id="path",
            )
        },
        "/cases/{id}/legal-hold": {
            "post": _op(
                "Place a legal hold: the case is not erased while it stands",
                ok=201,
                body=True,
                errors=(400, 403, 404, 409, 422),
                id="path",
            )
        },
        "/cases/{id}/legal-hold/release": {
            "post": _op("Release the legal hold", errors=(403, 404, 409), id="path")
        },
        "/cases/{id}/messages": {
            "post": _op(
                "Deliver a message to a case", body=True, errors=(403, 404, 409, 422), id="path"
            )
        },
        "/cases/{id}/reopen": {
            "post": _op(
                "Reopen a withdrawn or closed case (coordinator; a reason is required)",
                body=True,
                errors=(400, 403, 404, 409, 422),
                id="path",
            )
        },
        "/tasks": {
            "get": _op(
                "Tasks visible to the caller",
                errors=(400, 422),
                scope="query",
                state="query",
                due="query",
                case="query",
                **PAGE,
            )
        },
        "/tasks/{id}": {"get": _op("A task with its form", errors=(404,), id="path")},
        "/tasks/{id}/claim": {"post": _op("Take a task", errors=(403, 404, 409), id="path")},
        "/tasks/{id}/unclaim": {"post": _op("Release a task", errors=(403, 404, 409), id="path")},
        "/tasks/{id}/complete": {
            "post": _op("Complete a task", body=True, errors=(400, 403, 404, 409, 422), id="path")
        },
        "/notifications": {
            "get": _op("Reminders and escalations", errors=(400, 422), unread="query", **PAGE)
        },
        "/notifications/{id}/read": {
            "post": _op("Mark a notification read", errors=(404,), id="path")
        },
    },
}


@api.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(DOCUMENT)
