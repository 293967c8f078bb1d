"""What changed between two versions of a process, in words for the people who change
processes: human tasks added, removed, and each property changed (name, role, form,
due, reminders, instructions…). Read from the serialized specs, so layout never counts.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from engine.models import ProcessVersion

HUMAN_TASK_TYPES = ("UserTask", "ManualTask")


@dataclass(frozen=True)
class TaskChange:
    task: str  # the BPMN id
    what: str  # "name", "role", "instructions" or a property such as "form" or "due"
    before: str | None
    after: str | None


@dataclass
class VersionDiff:
    """The human tasks of two versions compared, for the people who change processes."""

    process_id: str
    old: int
    new: int
    added: list[str] = field(default_factory=list)  # "id (name)"
    removed: list[str] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not (self.added or self.removed or self.changed):
            return [f"{self.process_id} v{self.old} → v{self.new}: no task changed"]
        return (
            [f"{self.process_id} v{self.old} → v{self.new}"]
            + [f"+ task {task}" for task in self.added]
            + [f"- task {task}" for task in self.removed]
            + [
                f"~ {c.task}: {c.what} {c.before or '(none)'} → {c.after or '(none)'}"
                for c in self.changed
            ]
        )


def human_tasks(spec_json: str) -> dict[str, dict[str, str | None]]:
    """Each human task of a serialized spec (subprocesses included) by BPMN id: its name,
    role (lane), instructions and every spiffworkflow property (form, due, reminders…)."""
    spec = json.loads(spec_json)
    tasks: dict[str, dict[str, str | None]] = {}
    for process in [spec["spec"], *spec.get("subprocess_specs", {}).values()]:
        for task in process.get("task_specs", {}).values():
            if task.get("typename") not in HUMAN_TASK_TYPES or not task.get("bpmn_id"):
                continue  # a multi-instance's child carries its parent's id: same task
            properties = (task.get("extensions") or {}).get("properties") or {}
            tasks[task["bpmn_id"]] = {
                "name": task.get("bpmn_name"),
                "role": task.get("lane"),
                "instructions": task.get("documentation"),
                **{str(k): None if v is None else str(v) for k, v in properties.items()},
            }
    return tasks


def diff_versions(old: ProcessVersion, new: ProcessVersion) -> VersionDiff:
    before, after = human_tasks(old.spec_json), human_tasks(new.spec_json)
    diff = VersionDiff(old.process_id, old.version, new.version)
    diff.added = [_labelled(t, after[t]) for t in sorted(after.keys() - before.keys())]
    diff.removed = [_labelled(t, before[t]) for t in sorted(before.keys() - after.keys())]
    for task in sorted(before.keys() & after.keys()):
        was, now = before[task], after[task]
        for what in sorted(was.keys() | now.keys(), key=_property_order):
            if was.get(what) != now.get(what):
                diff.changed.append(TaskChange(task, what, was.get(what), now.get(what)))
    return diff


def _labelled(task: str, properties: dict[str, str | None]) -> str:
    name = properties.get("name")
    return f"{task} ({name})" if name else task


def _property_order(what: str) -> tuple[int, str]:
    first = ("name", "role", "form", "due")
    return (first.index(what), "") if what in first else (len(first), what)


MAX_SOURCE_DIFF_LINES = 300


def source_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The files that differ, with the lines changed in decision tables and forms (a
    diagram's changes are its tasks above: its text is mostly layout)."""
    lines: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        what = "added" if old is None else "removed" if new is None else "changed"
        lines.append(f"file {name} {what}")
        if name.endswith((".dmn", ".json")):
            body = difflib.unified_diff(
                (old or "").splitlines(), (new or "").splitlines(), lineterm="", n=1
            )
            lines += [f"  {line}" for line in list(body)[2:]]  # without the ---/+++ header
    if len(lines) > MAX_SOURCE_DIFF_LINES:
        more = len(lines) - MAX_SOURCE_DIFF_LINES
        lines = [*lines[:MAX_SOURCE_DIFF_LINES], f"… {more} more lines: compare the files"]
    return lines
