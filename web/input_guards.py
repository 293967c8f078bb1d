"""Characters no field of ours can hold, refused before any view reads the request.

PostgreSQL text cannot hold a NUL character: a query with one fails inside the driver
(a 500), whatever the value was for (an id, a filter, a form answer). No id, filter or
answer legitimately contains one, so the request is refused as malformed.
"""

from __future__ import annotations

from flask import request

from engine.errors import BadRequest

NUL = "\x00"


def refuse_nul_characters() -> None:
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method == "POST" and request.mimetype != "application/json":
        values += [*request.form.keys(), *request.form.values()]
    if any(NUL in value for value in values):
        raise BadRequest(
            "the request contains a NUL character", {"": "Remove the NUL (\\0) character"}
        )
