"""Sign-in throttling that slows guessing without letting anyone lock a person out.

Failed passwords are counted per (username, address) pair and per address, and each
count past a few free attempts (5 for a pair, 20 for an address, which an office may
share) makes the next attempt from there wait longer: 1 s, 2 s, 4 s … at most 15
minutes. No password failure counts per username alone, so failures from elsewhere
never refuse a correct password from her own address. Wrong second-factor codes count
per account too: only someone who already has her password can add to that count.
Usernames and addresses are kept as keyed hashes (HMAC with a key derived from the
secret key), since what is typed as a username is sometimes a password, and every
failure is forgotten after a day. These functions never commit: the sign-in views run
them inside a unit of work. Behind a reverse proxy the address is the client's only
when NBASSIST_TRUSTED_PROXIES says how many proxies to trust (web/security.py).
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.models import LoginAttempt

FORGET_AFTER = timedelta(days=1)
MAX_DELAY = timedelta(minutes=15)
FREE_FAILURES = {"pair": 5, "addr": 20, "code": 5}


@dataclass(frozen=True)
class AttemptKeys:
    pair: str  # this username from this address
    address: str
    code: str  # second-factor codes of this account

    def for_password(self) -> list[str]:
        return [self.pair, self.address]

    def for_code(self) -> list[str]:
        return [self.code, self.address]


def _keyed(label: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, b"nbassist sign-in throttle", "sha256").digest()
    return f"{label}:" + hmac.new(key, value.encode(), "sha256").hexdigest()


def attempt_keys(username: str, address: str | None) -> AttemptKeys:
    name = username.strip().lower()
    where = address or "unknown"
    return AttemptKeys(
        pair=_keyed("pair", f"{name}\0{where}"),
        address=_keyed("addr", where),
        code=_keyed("code", name),
    )


def delay_after(label: str, failures: int) -> timedelta:
    """How long after the latest failure the next attempt must wait."""
    over = failures - FREE_FAILURES[label] + 1
    if over <= 0:
        return timedelta(0)
    if over > 20:
        return MAX_DELAY
    return min(timedelta(seconds=2 ** (over - 1)), MAX_DELAY)


def wait_before_next(session: Session, keys: list[str], now: datetime) -> timedelta:
    """How much longer the next attempt must wait (zero: go ahead)."""
    counts = session.execute(
        select(LoginAttempt.key, func.count(), func.max(LoginAttempt.at))
        .where(LoginAttempt.key.in_(keys), LoginAttempt.at > now - FORGET_AFTER)
        .group_by(LoginAttempt.key)
    ).all()
    wait = timedelta(0)
    for key, failures, latest in counts:
        remaining = latest + delay_after(key.split(":", 1)[0], failures) - now
        wait = max(wait, remaining)
    return wait


def wait_seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def forget_old_failures(session: Session, now: datetime) -> None:
    # Run at every failure and every sign-in, so nothing typed outlives a day for long.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - FORGET_AFTER))


def record_failure(session: Session, keys: list[str], now: datetime) -> None:
    forget_old_failures(session, now)
    session.add_all(LoginAttempt(key=key, at=now) for key in keys)


def forget_failures(session: Session, keys: list[str], now: datetime) -> None:
    """After a successful sign-in her pair and code counts start afresh; the address's
    does not, or one right password would wipe out guesses at others' accounts."""
    forget_old_failures(session, now)
    session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_(keys)))
