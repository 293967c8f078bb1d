"""Staff accounts and API tokens.

Passwords are argon2 hashes; API tokens are long random values stored as a SHA-256
digest, because a slow hash on every API request would cost more than the engine step.
Tokens expire (90 days unless told otherwise) and can be revoked; deactivating a person
or setting her password ends her sessions (and, on deactivation, her tokens) at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.accounts.sessions import end_all_sessions
from engine.audit import Actor, record
from engine.directory import organisation_by_slug
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import ApiToken, User

_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "nba_"  # noqa: S105 - a prefix, not a secret
TOKEN_LIFETIME = timedelta(days=90)
# How stale a token's last-use time may be: API calls do not each write.
TOKEN_USE_EVERY = timedelta(minutes=1)


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
    actor: Actor | None = None,
) -> User:
    if not _USERNAME.match(username):
        raise InvalidData(
            "invalid username",
            {"username": "Use 2–80 lowercase letters, digits, dots, dashes or underscores"},
        )
    if password is not None:
        check_new_password(password)
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
    record(
        session,
        actor or Actor.system(),
        "user.created",
        at,
        username=username,
        admin=is_admin,
        organisation=organisation_slug,
    )
    return user


def user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


def list_users(session: Session) -> list[User]:
    """Every account, by organisation then username, for the administrators' page."""
    return list(session.scalars(select(User).order_by(User.organisation_id, User.username)))


def colleagues(session: Session, organisation_id: int | None) -> list[User]:
    """The active people of an organisation, by name: whom a task can be given to."""
    return list(
        session.scalars(
            select(User)
            .where(User.organisation_id == organisation_id, User.active.is_(True))
            .order_by(User.username)
        )
    )


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


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(
            "password too short",
            {"password": f"Use at least {MIN_PASSWORD_LENGTH} characters"},
        )


def set_password(
    session: Session,
    user: User,
    password: str,
    at: datetime,
    actor: Actor,
    keep_session: str | None = None,
) -> int:
    """A new password ends every other session of hers; returns how many ended."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    ended = end_all_sessions(session, user.id, at, keep=keep_session)
    record(session, actor, "user.password_set", at, username=user.username, sessions_ended=ended)
    return ended


def verify_own_password(user: User, password: str) -> bool:
    """For changing one's own password: the current one, checked again."""
    try:
        return bool(user.password_hash) and _hasher.verify(user.password_hash or "", password)
    except (VerificationError, InvalidHashError):
        return False


def deactivate(session: Session, username: str, at: datetime, actor: Actor) -> User:
    """Ends her access at once: sign-in, every session and every API token."""
    user = user_by_username(session, username)
    user.active = False
    sessions = end_all_sessions(session, user.id, at)
    tokens = revoke_all_tokens(session, user.id, at)
    record(
        session,
        actor,
        "user.deactivated",
        at,
        username=username,
        sessions_ended=sessions,
        tokens_revoked=tokens,
    )
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, username: str, at: datetime, lifetime: timedelta = TOKEN_LIFETIME
) -> str:
    user = user_by_username(session, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_token_digest(token),
            created_at=at,
            expires_at=at + lifetime,
        )
    )
    record(session, Actor.system(), "token.issued", at, username=username)
    return token


def token_user(session: Session, token: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The active user of a token that is neither revoked nor expired, with the token."""
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None))
        .where(User.active)
    ).one_or_none()
    if row is None:
        return None
    user, api_token = row
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    return user, api_token


def token_needs_touch(api_token: ApiToken, now: datetime) -> bool:
    return api_token.last_used_at is None or now - api_token.last_used_at >= TOKEN_USE_EVERY


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def tokens_of(session: Session, username: str) -> list[ApiToken]:
    user = user_by_username(session, username)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, token_id: int, at: datetime, actor: Actor) -> ApiToken:
    api_token = session.get(ApiToken, token_id)
    if api_token is None:
        raise NotFound(f"no API token {token_id}")
    if api_token.revoked_at is None:
        api_token.revoked_at = at
        record(session, actor, "token.revoked", at, token_id=token_id)
    return api_token


def revoke_all_tokens(session: Session, user_id: int, at: datetime) -> int:
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        organisation_id=user.organisation_id,
        username=user.username,
        is_admin=user.is_admin,
    )


def choose_language(session: Session, user_id: int, locale: str, available: list[str]) -> None:
    """The interface language a person chose; one of `available` (the catalogues)."""
    if locale not in available:
        raise InvalidData("unknown language", {"locale": "Choose a language from the list"})
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    user.locale = locale


def name_reviewer(
    session: Session,
    username: str,
    locale: str | None,
    available: list[str],
    at: datetime,
    actor: Actor,
) -> User:
    """Let a person review the translations of `locale` (None: no longer): a native
    speaker from a member organisation, who need not be an administrator. Audited."""
    if locale is not None and (locale not in available or locale == "en"):
        raise InvalidData("unknown language", {"locale": "Choose a language from the list"})
    user = user_by_username(session, username)
    user.reviews_locale = locale
    record(session, actor, "user.reviewer", at, username=username, locale=locale)
    return user
