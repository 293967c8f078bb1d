"""Running a case: pure functions over a SpiffWorkflow BpmnWorkflow.

The service layer loads a workflow (engine.bpmn.serializer), calls one of these
functions, and saves it again; nothing here touches a database or knows about users.
Human tasks are described as plain `HumanTask` values with the properties of
processes/README.md resolved (role, form, due, reminders, evaluated due date), data
is made JSON-able on the way in (a plain `date` would break serialization), and
SpiffWorkflow's exceptions become the engine's own errors. After any exception the
workflow object may be half-advanced: the caller must discard it, never save it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import bounds, clock
from engine.bpmn.event_subprocesses import interrupt_for_caught_starts, refresh_caught_start_data
from engine.bpmn.lint import parse_durations, parse_names
from engine.bpmn.scripting import SAFE_ENGINE
from engine.errors import Conflict, InvalidData, InvalidProcess, NotFound


@dataclass
class HumanTask:
    """A READY user or manual task, as the rest of the system sees it."""

    id: str
    name: str
    title: str
    process_id: str
    role: str | None
    form: str
    due: str | None
    due_date: str | None
    reminders: list[str]
    instructions: str
    data: dict[str, Any] = field(default_factory=dict)
    # (legal deadline subject, lead): due at the latest that long before the case's
    # deadline of that subject, which another branch of the case may have recorded.
    due_before: tuple[str, str] | None = None
    # Case fields the task declares it needs (`needs` property): what an agency reads.
    needs: list[str] = field(default_factory=list)


# --- data in and out -------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not allowed in case data")


def jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `data` with only JSON values (dates become ISO strings)."""
    try:
        return json.loads(json.dumps(dict(data), default=_json_default))
    except (TypeError, ValueError) as exc:
        raise InvalidData(f"data cannot be stored: {exc}") from None


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def _properties(task: Task) -> dict[str, str]:
    return (getattr(task.task_spec, "extensions", None) or {}).get("properties", {}) or {}


def _evaluate(task: Task, expression: str) -> Any:
    return SAFE_ENGINE.environment.evaluate(expression, task.data)


# --- human tasks -------------------------------------------------------------------------


def _stage_process(task: Task) -> str:
    # Embedded and event subprocesses are parts of their process; only a call activity
    # enters another process (a stage), so climb to the nearest called/top-level one.
    workflow = task.workflow
    while workflow.parent_task_id is not None:
        parent = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        if isinstance(parent.task_spec, CallActivity):
            break
        workflow = parent.workflow
    return workflow.spec.name


def _human_task(task: Task) -> HumanTask:
    spec = task.task_spec
    props = _properties(task)
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    role_variable = props.get("role_variable")
    role = task.data.get(role_variable) if role_variable else spec.lane
    due_date = None
    if props.get("due_date"):
        try:
            due_date = _iso(_evaluate(task, props["due_date"]))
            bounds.parse_instant(due_date)
        except Exception as exc:
            raise InvalidProcess(
                f"due_date of task {bpmn_id!r} failed: {exc}", getattr(spec._wf_spec, "file", None)
            ) from None
    return HumanTask(
        id=str(task.id),
        # `task` names the task an element stands for when one process needs it twice
        # (BPMN ids are unique per file): e.g. services planned and services added.
        name=(props.get("task") or "").strip() or bpmn_id,
        title=getattr(spec, "bpmn_name", None) or bpmn_id,
        process_id=_stage_process(task),
        role=str(role) if role is not None else None,
        form=(props.get("form") or props.get("task") or "").strip() or bpmn_id,
        due=(props.get("due") or "").strip() or None,
        due_date=due_date,
        reminders=parse_durations(props["reminders"]) if props.get("reminders") else [],
        instructions=getattr(spec, "documentation", None) or "",
        data=jsonable(task.data),
        due_before=_due_before(props.get("due_before")),
        needs=parse_names(props.get("needs") or ""),
    )


def _due_before(value: str | None) -> tuple[str, str] | None:
    """`"reflection_period_end P7D"` → `("reflection_period_end", "P7D")`."""
    parts = (value or "").split()
    if not parts:
        return None
    return parts[0], (parts[1] if len(parts) > 1 else "PT0S")


def _ready_manual_tasks(wf: BpmnWorkflow) -> list[Task]:
    return wf.get_tasks(state=TaskState.READY, manual=True)


def ready_human_tasks(wf: BpmnWorkflow) -> list[HumanTask]:
    """READY user/manual tasks anywhere: subprocesses, call activities, multi-instance."""
    return [_human_task(task) for task in _ready_manual_tasks(wf)]


def ready_tasks_beyond(
    wf: BpmnWorkflow, known: Collection[str]
) -> tuple[set[str], list[HumanTask]]:
    """The ids of all READY human tasks, and the tasks among them not in `known` — in
    one walk of the workflow, without copying the data of tasks the caller knows."""
    ready = _ready_manual_tasks(wf)
    new = [_human_task(task) for task in ready if str(task.id) not in known]
    return {str(task.id) for task in ready}, new


# --- moving the case on ---------------------------------------------------------------------


def _run_engine(wf: BpmnWorkflow) -> None:
    wf.script_engine = SAFE_ENGINE  # cheap insurance against a workflow built elsewhere
    try:
        wf.do_engine_steps(will_complete_task=bounds.EngineSteps())
    except SpiffWorkflowException as exc:
        raise _process_error(exc) from None


def _process_error(exc: SpiffWorkflowException) -> InvalidProcess:
    task = getattr(exc, "task", None)
    where = ""
    if task is not None:
        where = f" at {getattr(task.task_spec, 'bpmn_id', None) or task.task_spec.name!r}"
    filename = getattr(getattr(task, "workflow", None), "spec", None)
    notes = "; ".join(getattr(exc, "notes", []) or [])
    message = f"the process failed{where}: {exc.args[0] if exc.args else exc}"
    return InvalidProcess(
        message + (f" ({notes})" if notes else ""), getattr(filename, "file", None)
    )


def start(wf: BpmnWorkflow, data: dict[str, Any]) -> None:
    """Give the case its start data and run it to its first wait state."""
    root = wf.task_tree
    if root.state != TaskState.READY:
        raise Conflict("the case has already started")
    # The root "Start" task is READY until the first engine step; data put on it is
    # inherited by every task after it (and copied into called processes).
    root.data.update(jsonable(data))
    _run_engine(wf)


def _find_task(wf: BpmnWorkflow, task_id: str) -> Task:
    try:
        return wf.get_task_from_id(UUID(str(task_id)))
    except (ValueError, TaskNotFoundException):
        raise NotFound("no such task") from None


def _deadlines(task: Task) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name, expression in sorted(_properties(task).items()):
        if not name.startswith("deadline:") or name.count(":") != 1:
            continue
        subject = name.split(":", 1)[1]
        try:
            result = _evaluate(task, expression)
            if result in (None, ""):
                continue  # e.g. a refused permit sets no expiry
            value = _iso(result)
            day = date.fromisoformat(value[:10])
            bounds.check_instant(datetime(day.year, day.month, day.day, tzinfo=UTC))
        except Exception as exc:
            raise InvalidData(
                f"deadline {subject!r} could not be computed: {exc}", {subject: str(exc)}
            ) from None
        found.append((subject, value))
    return found


def complete_task(wf: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """Complete a READY human task with `data`; returns the deadlines it records."""
    task = _find_task(wf, task_id)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise Conflict("task is not ready")
    task.data.update(jsonable(data))
    deadlines = _deadlines(task)  # before running: a failure leaves the task READY
    try:
        task.run()
    except SpiffWorkflowException as exc:
        raise _process_error(exc) from None
    _run_engine(wf)
    return deadlines


def send_message(wf: BpmnWorkflow, name: str, payload: dict[str, Any]) -> None:
    """Deliver message `name`; Conflict when nothing in the case waits for it."""
    event = BpmnEvent(MessageEventDefinition(name), payload=jsonable(payload))
    if not _waits_for(wf, event):
        raise Conflict(f"the case is not waiting for {name}")
    current = workflow_data(wf)
    try:
        wf.send_event(event)
        refresh_caught_start_data(wf, current)
        interrupt_for_caught_starts(wf)
    except SpiffWorkflowException as exc:
        raise _process_error(exc) from None
    _run_engine(wf)


def _waits_for(wf: BpmnWorkflow, event: BpmnEvent) -> bool:
    # send_event() raises a bare WorkflowException when nothing catches, which cannot be
    # told apart from a real failure, so ask first. Event subprocesses of the top-level
    # process are created on demand when their start event matches.
    if wf.is_completed():
        return False
    if any(t.task_spec.catches(t, event) for t in list(wf.event_manager.tasks.values())):
        return True
    for spec_name in wf.spec.start.trigger_specs:
        sp_spec = wf.subprocess_specs.get(spec_name)
        if sp_spec and any(
            ts.event_definition == event.event_definition for ts in sp_spec.bpmn_start_events
        ):
            return True
    return False


def fire_due_timers(wf: BpmnWorkflow) -> None:
    """Fire every timer due as of the engine clock, and run on."""
    wf.script_engine = SAFE_ENGINE
    try:
        wf.refresh_timers()
    except SpiffWorkflowException as exc:
        raise _process_error(exc) from None
    _run_engine(wf)


# --- reading the state -----------------------------------------------------------------------


def _timer_fire_time(task: Task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if task.internal_data.get("event_fired"):
        return clock.now()
    if value is None:
        return None
    if isinstance(value, dict):  # a cycle: {'cycles', 'next', 'duration'}
        if value.get("cycles") == 0:
            return clock.now()  # finishes on the next refresh
        value = value.get("next")
    try:
        parsed = TimerEventDefinition.parse_time_or_duration(str(value))
    except Exception:
        return None
    return parsed if isinstance(parsed, datetime) else None


def _waiting_timer_tasks(wf: BpmnWorkflow) -> Iterator[Task]:
    for task in list(wf.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        definitions = getattr(definition, "event_definitions", None) or [definition]
        if task.state == TaskState.WAITING and any(
            isinstance(d, TimerEventDefinition) for d in definitions
        ):
            yield task


def next_timer_at(wf: BpmnWorkflow) -> datetime | None:
    """The earliest time a WAITING timer (anywhere in the case) is due, in UTC."""
    times = [t for t in map(_timer_fire_time, _waiting_timer_tasks(wf)) if t is not None]
    return min(times) if times else None


def is_finished(wf: BpmnWorkflow) -> bool:
    return bool(wf.is_completed())


def workflow_data(wf: BpmnWorkflow) -> dict[str, Any]:
    """The case data: the data of the most recently completed task of the case.

    While a called process runs, its newest task counts (it holds everything the case
    knew when the call started plus what was entered since); data objects are included.
    """
    candidates = [
        w.last_task
        for w in [wf, *wf.subprocesses.values()]
        if w.last_task is not None and not w.completed
    ]
    if wf.last_task is not None:
        candidates.append(wf.last_task)
    latest = max(candidates, key=lambda t: t.last_state_change, default=None)
    data = dict(latest.data) if latest is not None else dict(wf.task_tree.data)
    if wf.data.get("data_objects"):
        data.setdefault("data_objects", wf.data["data_objects"])
    return jsonable(data)


def correct_value(wf: BpmnWorkflow, name: str, value: Any) -> None:
    """A recorded value replaced for what is still to come: every task that has not run
    yet reads it (ready and waiting tasks hold their own copy of the data; tasks further
    ahead inherit it from them) and the case's current data shows it. Decisions already
    taken, timers already set and completed steps keep what they were based on."""
    pending = TaskState.READY | TaskState.WAITING | TaskState.STARTED
    for w in [wf, *wf.subprocesses.values()]:
        for task in w.get_tasks(state=pending):
            task.data[name] = value
        if w.last_task is not None:
            w.last_task.data[name] = value


def task_bpmn_ids_by_state(wf: BpmnWorkflow) -> dict[str, list[str]]:
    """Diagram element ids of completed, ready and waiting tasks, for marking a diagram."""
    states = {
        "completed": TaskState.COMPLETED,
        "ready": TaskState.READY,
        "waiting": TaskState.WAITING,
    }
    result: dict[str, list[str]] = {}
    for label, state in states.items():
        ids = {getattr(t.task_spec, "bpmn_id", None) for t in wf.get_tasks(state=state)}
        result[label] = sorted(i for i in ids if i)
    return result


def completed_task_ids(wf: BpmnWorkflow) -> list[str]:
    """Diagram element ids of completed tasks (see task_bpmn_ids_by_state)."""
    return task_bpmn_ids_by_state(wf)["completed"]


def cancelled_human_task_ids(wf: BpmnWorkflow, known_ids: set[str]) -> set[str]:
    """Of `known_ids` (human tasks we indexed as open), those that were cancelled.

    A task is cancelled when it is gone from the case or in any state but READY or
    COMPLETED (an interrupting event cancels it; a completed one was done, not lost).
    """
    cancelled = set()
    for task_id in known_ids:
        try:
            task = wf.get_task_from_id(UUID(str(task_id)))
        except (ValueError, TaskNotFoundException):
            cancelled.add(task_id)
            continue
        if task.state not in (TaskState.READY, TaskState.COMPLETED):
            cancelled.add(task_id)
    return cancelled


def task_properties(wf: BpmnWorkflow, task_id: str) -> dict[str, str]:
    """The diagram's properties of a task (e.g. `deadline:<subject>:reminders`)."""
    return dict(_properties(_find_task(wf, task_id)))


def human_task(wf: BpmnWorkflow, task_id: str) -> HumanTask:
    """One READY human task as the task index sees it (its due rules included)."""
    return _human_task(_find_task(wf, task_id))


def task_data(wf: BpmnWorkflow, task_id: str) -> dict[str, Any]:
    """A task's data (what it inherited plus what was submitted), JSON-able."""
    return jsonable(_find_task(wf, task_id).data)
