"""The one source of "now" for the engine.

Everything that needs the current time (timers, due dates, the scheduler's "tick as of
T", tests) asks `now()`, which reads the clock made current for this thread with
`use_clock` (the system clock by default). SpiffWorkflow has no clock injection: its
timer module calls `datetime.now(timezone.utc)` directly, so at import we replace that
module's `datetime` name with a subclass whose `now()` reads our clock. Timers then
arm, fire and refresh exactly as of the clock in use, in production and in tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: for tests and for "tick as of T"."""

    def __init__(self, start: datetime) -> None:
        self._now = _as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, dt: datetime) -> None:
        self._now = _as_utc(dt)

    def advance(self, delta: timedelta) -> None:
        self._now = self._now + delta


def _as_utc(dt: datetime) -> datetime:
    # A naive datetime is ambiguous; refusing it keeps every "now" comparable.
    if dt.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return dt.astimezone(UTC)


_SYSTEM_CLOCK = SystemClock()
_local = threading.local()


def current_clock() -> Clock:
    """The clock in use in this thread."""
    return getattr(_local, "clock", None) or _SYSTEM_CLOCK


def now() -> datetime:
    """The current time (UTC, aware) according to this thread's clock."""
    return current_clock().now()


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Make `clock` this thread's clock for the duration of the block (nestable)."""
    previous = getattr(_local, "clock", None)
    _local.clock = clock
    try:
        yield clock
    finally:
        _local.clock = previous


class _ClockedDatetimeMeta(type):
    # The timer module also uses its `datetime` name for isinstance checks on values
    # produced by plain `datetime` arithmetic; those must keep matching.
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, datetime)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, datetime)


class ClockedDatetime(datetime, metaclass=_ClockedDatetimeMeta):
    """`datetime` whose `now()` reads the engine clock; everything else is unchanged."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = now()
        if tz is None:
            # Same contract as datetime.now(): naive local time.
            return current.astimezone().replace(tzinfo=None)
        return current.astimezone(tz)

    @classmethod
    def utcnow(cls) -> datetime:  # type: ignore[override]
        return now().replace(tzinfo=None)


def _install() -> None:
    # Idempotent: re-importing this module (or reloading it) must not stack patches.
    if getattr(_spiff_timer, "datetime", None) is not ClockedDatetime:
        _spiff_timer.datetime = ClockedDatetime


_install()
