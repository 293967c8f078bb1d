"""Staff accounts and API tokens.

Passwords are argon2 hashes; API tokens are long random values stored as a SHA-256
digest, because a slow hash on every API request would cost more than the engine step.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.directory import organisation_by_slug
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import ApiToken, User

_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "nba_"  # noqa: S105 - a prefix, not a secret


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Replace the argon2 parameters. Only tests call this, with minimal ones: at
    production cost hashing was most of a page test's time."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    username: str,
    organisation_slug: str,
    password: str | None,
    at: datetime,
    is_admin: bool = False,
) -> User:
    if not _USERNAME.match(username):
        raise InvalidData(
            "invalid username",
            {"username": "Use 2–80 lowercase letters, digits, dots, dashes or underscores"},
        )
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(
            "password too short",
            {"password": f"Use at least {MIN_PASSWORD_LENGTH} characters"},
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists")
    organisation = organisation_by_slug(session, organisation_slug)
    user = User(
        username=username,
        organisation_id=organisation.id,
        password_hash=hash_password(password) if password else None,
        is_admin=is_admin,
        created_at=at,
    )
    session.add(user)
    session.flush()
    record(session, Actor.system(), "user.created", at, username=username, admin=is_admin)
    return user


def user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


def check_password(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None. Spends the same time either way."""
    user = session.scalar(select(User).where(User.username == username, User.active))
    stored = user.password_hash if user and user.password_hash else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if stored else None


# Verified against when the user is unknown, so that a wrong username costs as much time
# as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, username: str, at: datetime) -> str:
    user = user_by_username(session, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), created_at=at))
    record(session, Actor.system(), "token.issued", at, username=username)
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.execute(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None))
        .where(User.active)
    ).scalar_one_or_none()
    return row


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        organisation_id=user.organisation_id,
        username=user.username,
        is_admin=user.is_admin,
    )
