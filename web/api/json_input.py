"""Reading a request's JSON without letting its shape hurt the server.

Python's parser recurses once per nesting level, so a body nested 100,000 deep ends in
a RecursionError (a 500), and a number of 5,000 digits fails deep inside `int()`. Both
are refused here, before parsing and before any number is converted, as a 400 that
says what to change.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from engine.errors import BadRequest, InvalidData

# Deeper than any form of ours nests (an object of lists of objects is 3 or 4).
MAX_DEPTH = 32
# A year, a count, an amount in cents: 18 digits is more than any of them needs.
MAX_DIGITS = 18
# Strings first, so that brackets inside them are not counted.
_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def nesting_depth(raw: bytes) -> int:
    depth = deepest = 0
    for match in _STRUCTURE.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break  # enough to refuse; no need to read the rest
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BadRequest(
            f"a number in the request has more than {MAX_DIGITS} digits",
            {"": f"Send numbers of at most {MAX_DIGITS} digits"},
        )
    return int(text)


def _decimal(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > 2 * MAX_DIGITS:
        raise BadRequest(
            "a number in the request is too large", {"": "Send numbers within a normal range"}
        )
    return value


def _constant(name: str) -> Any:
    raise BadRequest(f"{name} is not a JSON number", {"": "Send numbers within a normal range"})


def parse_json(raw: bytes) -> Any:
    """The parsed body: BadRequest when too deep or a number too large, InvalidData when
    it is not JSON at all."""
    if nesting_depth(raw) > MAX_DEPTH:
        raise BadRequest(
            f"the request is nested more than {MAX_DEPTH} levels deep",
            {"": f"Send JSON nested at most {MAX_DEPTH} levels deep"},
        )
    try:
        body = json.loads(raw, parse_int=_integer, parse_float=_decimal, parse_constant=_constant)
    except (ValueError, UnicodeDecodeError):
        # 422 as before this module: clients already handle it for a body that is not JSON.
        raise InvalidData(
            "the request body is not valid JSON", {"": "Send a JSON object"}
        ) from None
    _refuse_unstorable_text(body)
    return body


def _strings(value: Any) -> Iterator[str]:
    """Every key and string in a parsed body (its depth is bounded already)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def _refuse_unstorable_text(body: Any) -> None:
    """A NUL character or half of a surrogate pair parses, but no database text column
    stores it: refused here rather than failing when it is saved."""
    for text in _strings(body):
        if "\x00" in text:
            raise BadRequest(
                "the request contains a NUL character", {"": "Remove the NUL character"}
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(
                "the request contains half of a surrogate pair", {"": "Send valid UTF-8 text"}
            ) from None
