"""Staff members for tests: a person of an organisation, signed up with the test password
and holding an API token."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.accounts import users
from tests.factories.database import START

PASSWORD = "correct horse battery"


def make_user(session: Session, username: str, organisation: str, admin: bool = False) -> str:
    """A staff member of `organisation` (a slug); returns an API token for them."""
    users.create_user(session, username, organisation, PASSWORD, START, admin)
    token = users.issue_token(session, username, START)
    session.commit()
    return token
