"""Integer row ids as clients send them: text that must name a row that can exist.

A 30-digit id converts to a Python int but not to a database integer (SQLite raises
OverflowError, PostgreSQL "out of range"): an id beyond the column's range names no row,
so it is reported like any unknown id instead of failing the request.
"""

from __future__ import annotations

from typing import Any

# The largest value of a 64-bit signed integer column (BIGINT, SQLite INTEGER).
MAX_ROW_ID = 2**63 - 1


def parse_row_id(value: Any) -> int | None:
    """The id, or None when `value` cannot be the id of any row."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ROW_ID else None
