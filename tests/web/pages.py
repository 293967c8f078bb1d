"""Helpers for the page tests: sign in through the form, post with the CSRF token, and
turn form data into what a browser would post."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    if token is None:
        page = client.get("/sign-in", follow_redirects=True)  # any page has one
        match = _TOKEN.search(page.get_data(as_text=True))
        assert match, "the sign-in page has no CSRF field"
        token = match.group(1)
    return str(token)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def post(
    client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kw: Any
) -> TestResponse:
    fields = as_posted(data or {})
    fields.append(("csrf_token", csrf_token(client)))
    return client.post(path, data=MultiDict(fields), **kw)


def as_posted(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What a browser posts for this data: lists as repeated keys, booleans as true/false."""
    fields: list[tuple[str, str]] = []
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, bool):
                item = "true" if item else "false"
            fields.append((name, str(item)))
    return fields


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)
