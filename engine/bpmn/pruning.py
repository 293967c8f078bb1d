"""Keep a case's workflow state the size of its present, not of its past.

SpiffWorkflow keeps every task it ever ran in the task tree (a loop adds a new task
per iteration) and every finished subprocess, so loading and saving a case would cost
more the older the case is. Our history lives in the task index and the audit trail,
so before each save we drop what the engine no longer needs:

- a completed task with exactly one child that is itself completed is spliced out of
  the chain (its child takes its place), unless joins may still look for it: splits,
  joins and anything that owns a subprocess are kept;
- a finished subprocess whose owning task is finished is deleted, and so is one whose
  owning task no longer exists at all.

Task data is copied from parent to child when a task is created, so no live task reads
a removed one; joins find their split with `find_ancestor`, which still works because
splits stay in the chain.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit, StartEventSplit
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

_KEEP = (Join, SubWorkflowTask, BoundaryEventSplit, StartEventSplit)


def splittable(task: Task) -> bool:
    spec = task.task_spec
    return len(spec.outputs) > 1 or isinstance(spec, _KEEP)


def _spliceable(task: Task) -> bool:
    if task.state != TaskState.COMPLETED or task.parent is None or splittable(task):
        return False
    if len(task._children) != 1:
        return False
    child = task.workflow.tasks.get(task._children[0])
    return child is not None and child.state == TaskState.COMPLETED


def splice(task: Task) -> None:
    workflow = task.workflow
    parent = task.parent
    child_id = task._children[0]
    position = parent._children.index(task.id)
    parent._children[position] = child_id
    workflow.tasks[child_id]._parent = parent.id
    del workflow.tasks[task.id]
    if workflow.last_task is task:
        workflow.last_task = workflow.tasks[child_id]


def _prune_tree(workflow: BpmnWorkflow) -> int:
    removed = 0
    for task in list(workflow.tasks.values()):
        if _spliceable(task):
            splice(task)
            removed += 1
    return removed


def _drop_orphans(workflow: BpmnWorkflow) -> int:
    """Subprocesses whose owning task is gone: SpiffWorkflow leaves them behind when an
    interrupting event cancels a multi-instance subprocess, and they can never run."""
    removed = 0
    while True:
        orphans = [
            owner_id for owner_id in workflow.subprocesses if not _task_exists(workflow, owner_id)
        ]
        if not orphans:
            return removed
        for owner_id in orphans:  # nested ones become orphans for the next round
            removed += len(workflow.subprocesses.pop(owner_id).tasks)


def _task_exists(workflow: BpmnWorkflow, task_id: UUID) -> bool:
    if task_id in workflow.tasks:
        return True
    return any(task_id in sp.tasks for sp in workflow.subprocesses.values())


def prune_history(workflow: BpmnWorkflow) -> int:
    """Drop what the engine no longer needs; returns how many tasks were removed."""
    removed = _drop_orphans(workflow)
    for owner_id, subprocess in list(workflow.subprocesses.items()):
        if owner_id not in workflow.subprocesses:
            continue  # removed with its parent subprocess
        owner = workflow.get_task_from_id(owner_id)
        if (
            owner is not None
            and owner.has_state(TaskState.FINISHED_MASK)
            and subprocess.is_completed()
        ):
            removed += len(workflow.delete_subprocess(owner))
    for subprocess in workflow.subprocesses.values():
        removed += _prune_tree(subprocess)
    removed += _prune_tree(workflow)
    return removed
