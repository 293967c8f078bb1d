"""Event subprocesses that behave with shared specs, and that can interrupt.

Two verified SpiffWorkflow 3.2 problems, fixed here for our use:

1. A message-started event subprocess is wired into the spec the first time it is
   triggered (`BpmnStartTask.trigger_wf` connects the spec graph at run time). With
   spec objects shared between cases (engine.bpmn.serializer caches them), every case
   created afterwards starts that event subprocess immediately and can never finish.
   We wire it once when a spec is prepared and keep the start task from predicting
   trigger-only branches, so all cases behave like the first and nothing mutates a
   shared spec at run time.
2. `isInterrupting` on an event subprocess start event is ignored: open tasks stay
   open and the case does not end. The library marks such start events
   (`INTERRUPTING` in the task spec's extensions) and `interrupt_for_caught_starts`,
   called right after an external message is delivered, cancels the rest of the
   process, as BPMN says. Only message starts are supported; the lint refuses other
   interrupting event subprocesses.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

INTERRUPTING = "nbassist_interrupting"


def _predict_without_triggers(self: BpmnStartTask, my_task: Task) -> None:
    # Same as TaskSpec._predict_hook, minus outputs that only a trigger may create.
    definite = my_task.has_state(TaskState.DEFINITE_MASK)
    best_state = TaskState.FUTURE if definite else my_task.state
    triggers = set(self.trigger_specs)
    my_task._sync_children([s for s in self.outputs if s.name not in triggers], best_state)


BpmnStartTask._predict_hook = _predict_without_triggers


def prepare_spec(spec: BpmnProcessSpec) -> None:
    """Wire what SpiffWorkflow would wire at run time into `spec` now (idempotent).

    Triggered event subprocesses (see above) and the multi-instance merge callbacks
    (connected on first use, unless the spec came from JSON): after this, running a
    case never changes a spec that other cases or threads share.
    """
    for task_spec in list(spec.task_specs.values()):
        if isinstance(task_spec, LoopTask):
            child = spec.task_specs.get(task_spec.task_spec)
            if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)
    start = spec.start
    end = spec.task_specs.get(f"{spec.name}.EndJoin")
    for name in getattr(start, "trigger_specs", []):
        task_spec = spec.task_specs.get(name)
        if task_spec is None or end is None or start.name in task_spec._inputs:
            continue
        start.connect(task_spec)
        task_spec.connect(end)


def prepare_specs(spec: BpmnProcessSpec, subprocess_specs: dict[str, Any]) -> None:
    for each in [spec, *subprocess_specs.values()]:
        if each is not None:
            prepare_spec(each)


def _is_interrupting_start(task: Task) -> bool:
    spec = task.task_spec
    extensions = getattr(spec, "extensions", None) or {}
    return isinstance(spec, StartEvent) and bool(extensions.get(INTERRUPTING))


def _caught_trigger_starts(wf: BpmnWorkflow) -> list[tuple[Task, Task]]:
    """(start event, event subprocess task) for trigger starts that just caught an event."""
    found = []
    for start_task in wf.get_tasks(state=TaskState.READY):
        if not isinstance(start_task.task_spec, StartEvent):
            continue
        if start_task.workflow.parent_task_id is None:
            continue
        holder = wf.get_task_from_id(start_task.workflow.parent_task_id)
        # Not isinstance(EventSubprocess): SpiffWorkflow's parser looks for a namespaced
        # triggeredByEvent attribute and so builds event subprocesses as plain
        # SubWorkflowTask; what marks one is being a trigger of its process's start.
        triggers = getattr(holder.workflow.spec.start, "trigger_specs", [])
        if getattr(holder.task_spec, "spec", None) in triggers:
            found.append((start_task, holder))
    return found


def refresh_caught_start_data(wf: BpmnWorkflow, current: dict[str, Any]) -> None:
    """Give event subprocesses that just started the case's current data.

    SpiffWorkflow hangs a triggered event subprocess under the process's root task, so
    it would see only the data the case started with, not what was entered since.
    """
    for start_task, _holder in _caught_trigger_starts(wf):
        start_task.data = {**start_task.data, **current}


def interrupt_for_caught_starts(wf: BpmnWorkflow) -> None:
    """Cancel everything beside each event subprocess whose interrupting start just fired.

    A start event that has caught its event is READY until the next engine step, so
    call this between `send_event` and `do_engine_steps`.
    """
    for start_task, holder in _caught_trigger_starts(wf):
        if _is_interrupting_start(start_task):
            _cancel_all_but(holder)


def _cancel_all_but(holder: Task) -> None:
    workflow = holder.workflow
    keep = {holder.id} | {t.id for t in holder}  # the subprocess task and what follows it
    parent = holder.parent
    while parent is not None:
        keep.add(parent.id)
        parent = parent.parent
    doomed = workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True)
    for task in doomed:
        if (
            task.id not in keep
            and task.id in workflow.tasks
            and not task.has_state(TaskState.FINISHED_MASK)
        ):
            task.cancel()
