"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second
steps, 6 digits — what every authenticator app makes from an `otpauth://totp/` URI.

Pure functions of the secret and of the time the caller gives (never the clock read
here), so tests are exact. `verify` accepts the code of the current step or of one
step either side (clocks drift) and refuses any step at or before the last one
accepted for the account: a code, once used, never works again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, the length RFC 4226 recommends for HMAC-SHA1
ISSUER = "Nordic Baltic Assist"


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def to_base32(secret: bytes) -> str:
    """The secret as authenticator apps take it: base32, upper case, no padding."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def grouped(secret: bytes, size: int = 4) -> str:
    """The base32 secret in groups of four, for typing it into an app by hand."""
    text = to_base32(secret)
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def provisioning_uri(secret: bytes, account: str, issuer: str = ISSUER) -> str:
    label = quote(f"{issuer}:{account}", safe=":")
    return f"otpauth://totp/{label}?secret={to_base32(secret)}&issuer={quote(issuer, safe='')}"


def hotp(secret: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226: HMAC-SHA1 of the counter, dynamically truncated to `digits` digits."""
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_at(now: datetime) -> int:
    """The RFC 6238 time step (T) of an instant: whole 30-second steps since 1970."""
    if now.tzinfo is None:
        raise ValueError("give a timezone-aware time")
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: bytes, now: datetime, digits: int = DIGITS) -> str:
    return hotp(secret, step_at(now), digits)


def normalise(code: str) -> str:
    """What people type: digits, perhaps with spaces or a dash in the middle."""
    return "".join(code.split()).replace("-", "")


def verify(secret: bytes, code: str, now: datetime, last_step: int | None = None) -> int | None:
    """The step `code` belongs to, if it is right for `now` (±1 step) and newer than
    `last_step`; otherwise None. Every candidate is compared, in constant time."""
    given = normalise(code)
    if len(given) != DIGITS or not given.isascii() or not given.isdigit():
        return None
    current = step_at(now)
    matched: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        fresh = last_step is None or step > last_step
        if hmac.compare_digest(hotp(secret, step).encode(), given.encode()) and fresh:
            matched = step  # the latest matching step, so nothing at or before it works again
    return matched
