"""Helpers for the page tests: sign in through the form (an administrator through the
second factor too), post with the CSRF token, turn form data into what a browser
would post, open a case through its page and find a task the app created."""

from __future__ import annotations

import base64
import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from engine.accounts import totp
from engine.models import Task
from tests.factories.api_client import START_DATA
from tests.factories.people import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7 ]+)<')


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


def shown_secret(page: TestResponse) -> bytes:
    """The second-factor secret that a set-up page shows, as an authenticator app reads it."""
    match = _SECRET.search(page.get_data(as_text=True))
    assert match, "the page shows no second-factor secret"
    text = match.group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def current_code(client: FlaskClient, secret: bytes) -> str:
    """What the authenticator app shows now, by the app's (test) clock."""
    return totp.code_at(secret, client.application.extensions["nbassist"].clock.now())


def sign_in_as_administrator(client: FlaskClient, username: str) -> bytes:
    """Sign in an administrator without a second factor: password, set-up page, code.
    Returns the secret, for the codes of later sign-ins."""
    response = sign_in(client, username)
    assert response.headers["Location"] == "/sign-in/set-up", response.headers["Location"]
    secret = shown_secret(client.get("/sign-in/set-up"))
    done = post(client, "/sign-in/set-up", {"code": current_code(client, secret)})
    assert done.status_code == 302 and not done.headers["Location"].startswith("/sign-in")
    return secret


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


def open_case_through_the_page(client: FlaskClient, **overrides: object) -> str:
    response = post(client, "/cases/new", {**START_DATA, **overrides})
    assert response.status_code == 302, text(response)
    match = re.fullmatch(r"/cases/([0-9a-f-]{36})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def task_id(session: Session, case_id: str, name: str) -> str:
    session.commit()  # end the read transaction: see what the app committed since
    return session.scalar(
        select(Task.id).where(Task.case_id == case_id, Task.name == name, Task.state == "open")
    )


def switch_user(client: FlaskClient, username: str) -> None:
    post(client, "/sign-out")
    sign_in(client, username)
