"""Moving a running workflow onto another version of its process, or saying why not.

A case's state names each task's element (its task spec) by name, and keeps the ids of
its ready and waiting tasks and the fire time of every waiting timer. So a case moves to
another version by pointing every task at the element of the same name in the new
version's specs: ids, data and timer fire times stay as they were, and the predicted
path ahead is planned again from the new diagram. SpiffWorkflow's own
`bpmn.util.diff.migrate_workflow` resets ready and waiting tasks instead, which gives
them new ids and re-arms timers from the moment of the migration.

That is only safe when every task the case is at, or still stands on, exists in the new
version: a ready task whose element is gone would disappear from someone's work, a
waiting timer whose element is gone would never fire. `check` names each such task
(the dry run); `migrate` refuses with the same reasons, and proves the result by saving
and loading it on the new specs before anyone stores it.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.pruning import splice, splittable
from engine.bpmn.serializer import dump_state, load_state
from engine.errors import Conflict

# Tasks a case is at: their element must exist, and be the same kind of element.
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
# Tasks not reached yet: predicted from the diagram, planned again on the new one.
_AHEAD = TaskState.FUTURE | TaskState.PREDICTED_MASK
_REPLANNED = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_STATE_WORDS = {
    TaskState.READY: "ready",
    TaskState.WAITING: "waiting",
    TaskState.STARTED: "started",
    TaskState.ERROR: "failed",
}


class Unsafe(Conflict):
    """The workflow cannot move; `reasons` says why, one sentence per task."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = tuple(reasons)


def _element(task: Task) -> str:
    spec = task.task_spec
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    name = getattr(spec, "bpmn_name", None)
    return f"{bpmn_id!r} ({name})" if name else repr(bpmn_id)


def _is_timer(task: Task) -> bool:
    definition = getattr(task.task_spec, "event_definition", None)
    definitions = getattr(definition, "event_definitions", None) or [definition]
    return any(isinstance(d, TimerEventDefinition) for d in definitions)


def _what(task: Task) -> str:
    if task.state == TaskState.WAITING and _is_timer(task):
        return f"the waiting timer {_element(task)}"
    if task.task_spec.manual:
        return f"the {_STATE_WORDS.get(task.state, 'open')} task {_element(task)}"
    return f"the {_STATE_WORDS.get(task.state, 'open')} step {_element(task)}"


def _gains_boundary_events(task: Task, element: Any) -> bool:
    # SpiffWorkflow reaches a task with boundary events through their split; a task the
    # case reached without it cannot complete on the new element.
    splits = {spec.name for spec in element.inputs if isinstance(spec, BoundaryEventSplit)}
    return bool(splits) and (task.parent is None or task.parent.task_spec.name not in splits)


def _workflows(
    wf: BpmnWorkflow, spec: BpmnProcessSpec, subprocess_specs: dict[str, Any]
) -> list[tuple[Any, BpmnProcessSpec | None]]:
    """The top-level workflow and each (embedded, event or called) subprocess, with the
    new version's spec of the same name (None when the new version has none)."""
    pairs: list[tuple[Any, BpmnProcessSpec | None]] = [(wf, spec)]
    for sub in wf.subprocesses.values():
        pairs.append((sub, subprocess_specs.get(sub.spec.name)))
    return pairs


def check(
    wf: BpmnWorkflow, spec: BpmnProcessSpec, subprocess_specs: dict[str, Any], target: str
) -> list[str]:
    """Why `wf` cannot move onto the given specs (`target` names them, e.g. "version 2");
    an empty list when it can. Reads the workflow, changes nothing."""
    reasons: list[str] = []
    for workflow, new in _workflows(wf, spec, subprocess_specs):
        if new is None:
            reasons.append(
                f"the case is inside {workflow.spec.name!r}, which {target} does not have"
            )
            continue
        for task in workflow.tasks.values():
            element = new.task_specs.get(task.task_spec.name)
            if task.has_state(_ACTIVE):
                if element is None:
                    reasons.append(f"{_what(task)} is not in {target}")
                elif type(element) is not type(task.task_spec):
                    reasons.append(
                        f"{_what(task)} is a {type(task.task_spec).__name__} here "
                        f"but a {type(element).__name__} in {target}"
                    )
                elif _gains_boundary_events(task, element):
                    reasons.append(
                        f"{_what(task)} has boundary events in {target} that would not be "
                        "armed for it (the case reached it without them)"
                    )
            elif task.has_state(TaskState.FINISHED_MASK) and element is None:
                if _removable(task):
                    continue  # a step done and gone: taken out of the case's path
                # Splits, joins and calls the case still stands on (see pruning.py).
                reasons.append(
                    f"the finished step {_element(task)}, which the case still depends on, "
                    f"is not in {target}"
                )
    return reasons


def migrate(
    wf: BpmnWorkflow, spec: BpmnProcessSpec, subprocess_specs: dict[str, Any], target: str
) -> BpmnWorkflow:
    """`wf` moved onto the given specs, as a freshly loaded workflow; Unsafe with the
    reasons when `check` finds any or the moved workflow does not load on them. `wf`
    itself is changed on the way and must be discarded."""
    reasons = check(wf, spec, subprocess_specs, target)
    if reasons:
        raise Unsafe(reasons)
    for workflow, new in _workflows(wf, spec, subprocess_specs):
        assert new is not None  # check() said so
        for task in list(workflow.tasks.values()):
            if (
                task.has_state(TaskState.FINISHED_MASK)
                and task.task_spec.name not in new.task_specs
            ):
                _take_out(task)
        workflow.spec = new
        for task in workflow.tasks.values():
            element = new.task_specs.get(task.task_spec.name)
            if element is not None:
                task.task_spec = element
    wf.subprocess_specs = subprocess_specs
    try:
        for workflow, _ in _workflows(wf, spec, subprocess_specs):
            _replan(workflow)
        return load_state(dump_state(wf), spec, subprocess_specs)
    except Exception as exc:  # the diagram's new shape does not fit where the case is
        raise Unsafe([f"the case could not be moved onto {target}: {exc}"]) from None


def _removable(task: Task) -> bool:
    """A finished task whose element is gone can leave the path when nothing finds it
    there: not a split, join or call, and at most one task after it."""
    return not splittable(task) and len(task.children) <= 1 and task.parent is not None


def _take_out(task: Task) -> None:
    workflow = task.workflow
    if task.children:
        splice(task)  # its child takes its place, as when finished history is pruned
        return
    if workflow.last_task is task:
        workflow.last_task = task.parent
    workflow._remove_task(task.id)


def _replan(workflow: Any) -> None:
    """Plan the path ahead of every ready or waiting task again, from the new diagram, and
    drop tasks ahead whose elements the new version no longer has."""
    for task in list(workflow.tasks.values()):
        if task.id not in workflow.tasks or not task.has_state(_REPLANNED):
            continue
        # A running multi-instance holds its instances as children: they stay, and its
        # path ahead is planned by the new diagram's element when they finish.
        if all(child.has_state(_AHEAD) for child in task.children):
            for child in task.children:
                workflow._remove_task(child.id)
            task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)
    for task in list(workflow.tasks.values()):
        if task.id not in workflow.tasks:
            continue  # removed with its parent
        if workflow.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
            if not task.has_state(_AHEAD) or task.parent is None:
                raise ValueError(f"{_what(task)} has no element there")
            workflow._remove_task(task.id)
