"""Keyset pagination for the API's lists: `{"items": [...], "next": cursor-or-null}`.

A cursor names the last row of a page by its sort key (a time and an id), so the next
page starts right after it through the same index, however deep the page: no OFFSET
that reads and throws away every earlier row.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, tuple_

from engine.errors import BadRequest, InvalidData

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next: str | None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def page_size(limit: Any) -> int:
    """The `limit` a client asked for, checked (default 50, at most 500)."""
    try:
        value = int(limit) if limit not in (None, "") else DEFAULT_LIMIT
    except (TypeError, ValueError) as exc:
        raise InvalidData("bad limit", {"limit": "Give a whole number"}) from exc
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidData("bad limit", {"limit": f"Give a number from 1 to {MAX_LIMIT}"})
    return value


def encode_cursor(at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), row_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor names; BadRequest for anything no page gave out, including a
    time without its UTC offset (it could not be compared with the stored times)."""
    try:
        at, row_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        when = datetime.fromisoformat(at)
    except (ValueError, TypeError):
        when, row_id = None, None
    if when is None or when.tzinfo is None or not isinstance(row_id, str):
        raise BadRequest("bad cursor", {"cursor": "Use the 'next' value of a previous page"})
    return when, row_id


def after_cursor(at: Any, row_id: Any, cursor: str) -> ColumnElement[bool]:
    """Rows after the cursor in (time, id) order. A row-value comparison, so that both
    SQLite and PostgreSQL start the index range right there."""
    cursor_at, cursor_id = decode_cursor(cursor)
    return tuple_(at, row_id) > tuple_(cursor_at, cursor_id)


def next_cursor(rows: list[Any], size: int, at: str = "created_at") -> str | None:
    """The cursor of the page after `rows` (queried with size + 1 rows), or None."""
    if len(rows) <= size:
        return None
    last = rows[size - 1]
    return encode_cursor(getattr(last, at), last.id)
