"""Limits on what a diagram can make the engine do: durations, dates and instances.

SpiffWorkflow trusts the values a diagram gives it. A timer `"P9999999999Y"` loops once
per month inside its duration arithmetic (about 10¹¹ times), `"P99999Y"` overflows
`datetime` (and every case that reaches it answers 500), and a multi-instance task
with a cardinality of 100,000 builds 100,000 tasks (minutes and gigabytes for one
case). So every duration and date must lie within MAX_YEARS: checked at deploy time
for constants (engine.bpmn.lint) and whenever a running case computes a timer
(engine.bpmn.scripting), a due date or a deadline (engine.bpmn.runtime). A
multi-instance task creates at most MAX_INSTANCES instances (environment variable
NBASSIST_MAX_INSTANCES, default 500); the check runs before SpiffWorkflow builds any.
A flow that loops through automatic elements only (no person, no timer) would keep
`do_engine_steps` running for ever, each step slower than the last; `EngineSteps`
stops one run of the engine after MAX_ENGINE_STEPS steps or MAX_ENGINE_SECONDS.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sized
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask
from SpiffWorkflow.task import Task

from engine.bpmn import clock

MAX_YEARS = 100
MAX_SPAN = timedelta(days=365 * MAX_YEARS + MAX_YEARS // 4)
MAX_INSTANCES = int(os.environ.get("NBASSIST_MAX_INSTANCES", "500"))
MAX_TIMER_TEXT = 200  # no valid ISO 8601 timer value is longer
# Automatic steps in one run of the engine: opening a journey case takes 11; 500
# automatic instances of a multi-instance task take about a thousand.
MAX_ENGINE_STEPS = 2_000
MAX_ENGINE_SECONDS = 2.0  # the backstop: steps of a looping flow get slower and slower

# Rough lengths are enough to tell 100 years from 10¹⁰: no calendar arithmetic here.
_DAYS = {
    "years": 366.0,
    "months": 31.0,
    "weeks": 7.0,
    "days": 1.0,
    "hours": 1 / 24,
    "minutes": 1 / 1440,
    "seconds": 1 / 86400,
}
_TIMER_KINDS = {
    TimeDateEventDefinition: "timeDate",
    DurationTimerEventDefinition: "timeDuration",
    CycleTimerEventDefinition: "timeCycle",
}


def parse_duration(text: str) -> dict[str, Any]:
    """An ISO 8601 duration, parsed as SpiffWorkflow does; ValueError when it is not one
    or when it is longer than MAX_YEARS."""
    if not isinstance(text, str) or not text.strip().upper().startswith("P"):
        raise ValueError(f"{_shown(text)} is not an ISO 8601 duration")
    if len(text) > MAX_TIMER_TEXT:
        raise ValueError("the duration is too long to be an ISO 8601 duration")
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text.strip())
    except Exception:
        raise ValueError(f"{_shown(text)} is not an ISO 8601 duration") from None
    days = sum(_DAYS[unit] * float(value) for unit, value in parsed.items())
    if days > MAX_SPAN.days:
        raise ValueError(f"{_shown(text)} is longer than {MAX_YEARS} years")
    return dict(parsed)


def check_instant(value: datetime, now: datetime | None = None) -> None:
    """ValueError unless `value` is within MAX_YEARS of now (either way)."""
    now = now or clock.now()
    aware = value if value.tzinfo else value.replace(tzinfo=now.tzinfo)
    try:
        distance = abs(aware - now)
    except OverflowError:  # pragma: no cover - datetimes' own range is narrower
        distance = timedelta.max
    if distance > MAX_SPAN:
        raise ValueError(f"{value.isoformat()} is more than {MAX_YEARS} years from now")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time (or week date) within MAX_YEARS of now; else ValueError."""
    if not isinstance(text, str) or len(text) > MAX_TIMER_TEXT:
        raise ValueError(f"{_shown(text)} is not an ISO 8601 date-time")
    try:
        value = TimerEventDefinition.parse_time_or_duration(text.strip())
    except Exception:
        raise ValueError(f"{_shown(text)} is not an ISO 8601 date-time") from None
    if not isinstance(value, datetime):
        raise ValueError(f"{_shown(text)} is a duration; expected an ISO 8601 date-time")
    check_instant(value)
    return value


def check_timer_value(kind: str, value: Any) -> None:
    """ValueError unless `value` is a valid, bounded value for a timer of `kind`
    (`timeDate`, `timeDuration` or `timeCycle`)."""
    if not isinstance(value, str):
        raise ValueError(f"a timer needs text, got {type(value).__name__}")
    if kind == "timeDuration":
        parse_duration(value)
    elif kind == "timeDate":
        parse_instant(value)
    else:
        _check_cycle(value)


def _check_cycle(value: str) -> None:
    parts = value.strip().upper().replace("--", "/").split("/")
    if len(parts) not in (2, 3) or not parts[0].startswith("R"):
        raise ValueError(f"{_shown(value)} is not an ISO 8601 repeating interval (R/…)")
    for part in parts[1:]:
        if part.startswith("P"):
            parse_duration(part)
        else:
            parse_instant(part)
    try:
        TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:
        raise ValueError(f"{_shown(value)} is not an ISO 8601 repeating interval") from None


def timer_kind(task: Task, expression: str) -> str | None:
    """The timer kind when `expression` is the timer of `task`'s event, else None."""
    definition = getattr(task.task_spec, "event_definition", None)
    for candidate in getattr(definition, "event_definitions", None) or [definition]:
        kind = _TIMER_KINDS.get(type(candidate))
        if kind is None:
            kind = next((k for c, k in _TIMER_KINDS.items() if isinstance(candidate, c)), None)
        if kind and getattr(candidate, "expression", None) == expression:
            return kind
    return None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


class EngineSteps:
    """A `will_complete_task` callback for `do_engine_steps` that stops a run of the
    engine which would not end, naming the element it was about to run."""

    def __init__(self) -> None:
        self.steps = 0
        self.started = time.perf_counter()

    def __call__(self, task: Task) -> None:
        self.steps += 1
        if self.steps > MAX_ENGINE_STEPS:
            reason = f"more than {MAX_ENGINE_STEPS:,} automatic steps"
        elif time.perf_counter() - self.started > MAX_ENGINE_SECONDS:
            reason = f"automatic steps for more than {MAX_ENGINE_SECONDS:g} s"
        else:
            return
        raise WorkflowTaskException(
            f"the process ran {reason} without waiting for a person or a timer "
            f"(does a flow loop through automatic elements only?)",
            task=task,
        )


# --- multi-instance --------------------------------------------------------------------


def _instance_count(spec: MultiInstanceTask, my_task: Task) -> int | None:
    if spec.data_input is not None:
        if not spec.data_input.exists(my_task):
            return None  # SpiffWorkflow reports the missing input itself
        items = spec.data_input.get(my_task)
        return len(items) if isinstance(items, Sized) else None
    count = my_task.workflow.script_engine.evaluate(my_task, spec.cardinality)
    return count if isinstance(count, int) else None


def _bounded_update_hook(self: MultiInstanceTask, my_task: Task) -> Any:
    # The inherited hook gives the task its data (and builds no instances yet).
    result = LoopTask._update_hook(self, my_task)
    count = _instance_count(self, my_task)
    if count is not None and count > MAX_INSTANCES:
        raise WorkflowTaskException(
            f"multi-instance task would create {count:,} instances; at most "
            f"{MAX_INSTANCES:,} are allowed",
            task=my_task,
        )
    return result


def _install() -> None:
    # SequentialMultiInstanceTask and ParallelMultiInstanceTask both start their own
    # _update_hook with super()._update_hook(), which now lands here before any instance
    # is built.
    MultiInstanceTask._update_hook = _bounded_update_hook


_install()
