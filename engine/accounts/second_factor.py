"""The second factor of staff accounts (TOTP, see engine/accounts/totp.py).

Mandatory for administrators, voluntary for everyone else. The secret is stored
encrypted with the data key, bound to "totp:<user id>" so a blob copied onto another
account does not decrypt. Accepting a code moves `totp_last_step` forward with one
conditional UPDATE, so a code is accepted once even when two web workers race.

Every enrolment, failed code and reset is audited — never with a secret or a code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from engine.accounts import totp
from engine.accounts.users import actor_for, user_by_username
from engine.audit import Actor, record
from engine.crypto import Cipher
from engine.models import User


def secret_context(user_id: int) -> str:
    return f"totp:{user_id}"


def has_second_factor(user: User) -> bool:
    return user.totp_secret is not None


def must_enrol(user: User) -> bool:
    """An administrator without a second factor reaches nothing until they set one up."""
    return user.is_admin and not has_second_factor(user)


def enrol(
    session: Session, cipher: Cipher, user: User, secret: bytes, code: str, now: datetime
) -> bool:
    """Store `secret` as the user's factor if `code` proves their app has it. False
    (audited) when the code is wrong, or when the user has a factor already."""
    step = totp.verify(secret, code, now)
    if step is not None:
        result = session.execute(
            update(User)
            .where(User.id == user.id, User.totp_secret.is_(None))
            .values(
                totp_secret=cipher.encrypt(secret, secret_context(user.id)),
                totp_last_step=step,
            )
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            record(session, actor_for(user), "user.second_factor_enrolled", now)
            session.refresh(user)
            return True
    record(session, actor_for(user), "user.second_factor_failed", now, during="enrolment")
    return False


def check_code(session: Session, cipher: Cipher, user: User, code: str, now: datetime) -> bool:
    """Whether `code` is the user's current code and has not been used before. A wrong
    or replayed code is audited; the caller counts it toward the sign-in throttle."""
    if user.totp_secret is None:
        return False
    secret = cipher.decrypt(user.totp_secret, secret_context(user.id))
    step = totp.verify(secret, code, now, user.totp_last_step)
    if step is not None:
        result = session.execute(
            update(User)
            .where(
                User.id == user.id,
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
    record(session, actor_for(user), "user.second_factor_failed", now, during="sign_in")
    return False


def reset(session: Session, username: str, now: datetime, actor: Actor | None = None) -> bool:
    """An operator or administrator clears a lost factor; False if the user had none.
    Administrators set up a new one at their next sign-in; everyone else signs in with
    the password."""
    user = user_by_username(session, username)
    if not has_second_factor(user):
        return False
    user.totp_secret = None
    user.totp_last_step = None
    record(session, actor or Actor.system(), "user.second_factor_reset", now, username=username)
    return True
