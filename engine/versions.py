"""The process library in the database: immutable process versions, which one is current.

Deploying a folder (or a few files on top of it) builds every entry process's bundle;
a bundle whose canonical model (`model_hash`: the serialized spec without file names,
keys sorted, plus the start form) is new becomes the next version of that process and
the current one, the version new cases start on. A diagram saved again with only its
layout, whitespace or attribute order changed is the same model, not a new version.
Any deployed version can be made current again (`activate`, a rollback); running cases
keep the version they started with. `diff_versions` says what changed for people.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn.library import build_bundles, load_directory
from engine.bpmn.serializer import spec_objects, spec_to_json
from engine.errors import NotFound
from engine.models import Case, ProcessVersion
from forms.registry import load_form


@dataclass(frozen=True)
class Deployed:
    process_id: str
    version: int
    created: bool
    warnings: tuple[str, ...] = ()
    current: bool = True  # False: unchanged, and the same as a version no longer current


def form_exists(name: str) -> bool:
    """Whether `name` is a form of the library (a diagram may only use those)."""
    try:
        load_form(name)
    except NotFound:
        return False
    return True


def model_hash(spec_json: str, start_form: str | None) -> str:
    """The canonical model's hash: what a case runs, whatever the file looked like.

    The spec holds every element, flow, expression and property but no layout; file
    names are dropped (renaming a file changes nothing a case does) and keys sorted.
    Migration 0009 computes the same for the versions deployed before it.
    """
    model = {"spec": _without_file_names(json.loads(spec_json)), "start_form": start_form}
    return hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()


def _without_file_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_file_names(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list):
        return [_without_file_names(v) for v in value]
    return value


def deploy_files(
    session: Session, files: Mapping[str, bytes], at: datetime, actor: Actor
) -> list[Deployed]:
    """Validate and deploy; raises InvalidProcess (nothing written) on any problem.

    An unchanged model answers with the version it is the same as and changes nothing,
    not even which version is current: going back is `activate`'s, and audited."""
    bundles = build_bundles(files, form_exists)
    results = []
    for process_id, bundle in sorted(bundles.items()):
        spec_json = spec_to_json(bundle.spec, bundle.subprocess_specs)
        model = model_hash(spec_json, bundle.start_form)
        existing = session.scalar(
            select(ProcessVersion)
            .where(
                ProcessVersion.process_id == process_id,
                or_(
                    ProcessVersion.content_hash == bundle.content_hash,
                    ProcessVersion.model_hash == model,
                ),
            )
            .order_by(ProcessVersion.is_current.desc(), ProcessVersion.version.desc())
            .limit(1)
        )
        if existing is not None:
            results.append(
                Deployed(
                    process_id,
                    existing.version,
                    False,
                    tuple(bundle.warnings),
                    current=existing.is_current,
                )
            )
            continue
        latest = session.scalar(
            select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == process_id)
        )
        _clear_current(session, process_id)
        version = ProcessVersion(
            process_id=process_id,
            version=(latest or 0) + 1,
            name=bundle.name,
            content_hash=bundle.content_hash,
            model_hash=model,
            sources=dict(bundle.sources),
            spec_json=spec_json,
            start_form=bundle.start_form,
            deployed_at=at,
            deployed_by=actor.username,
            is_current=True,
        )
        session.add(version)
        session.flush()
        record(
            session,
            actor,
            "process.deployed",
            at,
            process_id=process_id,
            version=version.version,
            content_hash=bundle.content_hash,
        )
        results.append(Deployed(process_id, version.version, True, tuple(bundle.warnings)))
    return results


def _clear_current(session: Session, process_id: str) -> None:
    # Its own statement, flushed before the new current row is written, so that the
    # one-current-per-process index never sees two.
    session.execute(
        update(ProcessVersion)
        .where(ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True))
        .values(is_current=False)
        .execution_options(synchronize_session="fetch")
    )


def deploy_directory(
    session: Session, path: Path, at: datetime, actor: Actor, extra: Mapping[str, bytes] = {}
) -> list[Deployed]:
    """Deploy every diagram in `path`, with `extra` files replacing same-named ones."""
    files = dict(load_directory(path))
    files.update(extra)
    return deploy_files(session, files, at, actor)


def latest_version(session: Session, process_id: str) -> ProcessVersion:
    """The highest-numbered version (what the editor builds on), current or not."""
    version = session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(f"process '{process_id}' is not deployed")
    return version


def current_version(session: Session, process_id: str) -> ProcessVersion:
    """The version new cases of `process_id` start on."""
    version = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True)
        )
    )
    if version is None:
        raise NotFound(f"process '{process_id}' is not deployed")
    return version


def find_version(session: Session, process_id: str, number: int) -> ProcessVersion:
    version = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == number
        )
    )
    if version is None:
        raise NotFound(f"process '{process_id}' has no version {number}")
    return version


def activate(
    session: Session, process_id: str, number: int, at: datetime, actor: Actor
) -> ProcessVersion:
    """Make a deployed version the one new cases start on (a rollback, or forward
    again); running cases stay on theirs. Audited; activating the current one is a no-op."""
    chosen = find_version(session, process_id, number)
    if chosen.is_current:
        return chosen
    previous = session.scalar(
        select(ProcessVersion.version).where(
            ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True)
        )
    )
    _clear_current(session, process_id)
    session.execute(
        update(ProcessVersion)
        .where(ProcessVersion.id == chosen.id)
        .values(is_current=True)
        .execution_options(synchronize_session="fetch")
    )
    record(
        session,
        actor,
        "process.activated",
        at,
        process_id=process_id,
        version=number,
        previous_version=previous,
    )
    return chosen


def running_cases(session: Session) -> dict[int, int]:
    """Open cases per process version id: one grouped count, no case loaded. Test cases
    (engine/case/test_cases.py) are not counted."""
    rows = session.execute(
        select(Case.process_version_id, func.count())
        .where(Case.status == "open", Case.is_test.is_(False))
        .group_by(Case.process_version_id)
    )
    return {version_id: int(n) for version_id, n in rows.all()}


def library_rows(session: Session) -> list[dict[str, Any]]:
    """`nbassist processes list --json` (API.md): one object per deployed version."""
    counts = running_cases(session)
    return [
        {
            "process": v.process_id,
            "version": v.version,
            "current": v.is_current,
            "deployed_at": v.deployed_at.isoformat(),
            "deployed_by": v.deployed_by,
            "running_cases": counts.get(v.id, 0),
        }
        for v in list_versions(session)
    ]


def list_versions(session: Session) -> list[ProcessVersion]:
    return list(
        session.scalars(
            select(ProcessVersion).order_by(ProcessVersion.process_id, ProcessVersion.version)
        )
    )


def specs_for(version: ProcessVersion) -> tuple[BpmnProcessSpec, dict[str, Any]]:
    """The version's spec objects, deserialized once per process and cached."""
    return spec_objects(f"{version.process_id}:{version.content_hash}", lambda: version.spec_json)


# --- what changed between two versions -----------------------------------------------------

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
