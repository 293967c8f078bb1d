"""What the case page's live diagram needs: the BPMN drawing of the process a case is in,
and which of its elements are done and which are under way.

The drawing is the case's own process version (never the latest one), so a case that
started on an older version is shown as it runs. The marked ids come from the case's
workflow state; the BPMN XML is served as deployed, parsed here only with the hardened
parser to find which file holds which process and which messages a version takes.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn.library import parse_xml
from engine.bpmn.runtime import task_bpmn_ids_by_state
from engine.case.access import case_and_view
from engine.case.store import load_workflow
from engine.case.visibility import DIAGRAM
from engine.db.context import Services
from engine.errors import NotFound
from engine.models import ProcessVersion, Task
from engine.versions import specs_for

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
# Besides READY user tasks, a running call activity or subprocess and a waiting timer or
# message catch are "where the case is now" on a drawing.
_UNDER_WAY = TaskState.STARTED | TaskState.WAITING


_PROCESSES: dict[str, list[dict[str, Any]]] = {}  # versions are immutable: parse each once


def processes_in(version: ProcessVersion) -> list[dict[str, Any]]:
    """Each executable process of a version: id, name, the file it is in, whether it is drawn."""
    key = f"{version.process_id}:{version.content_hash}"
    if key not in _PROCESSES:
        _PROCESSES[key] = _parse_processes(version)
    return _PROCESSES[key]


def _parse_processes(version: ProcessVersion) -> list[dict[str, Any]]:
    found = []
    for filename, text in sorted(version.sources.items()):
        if not filename.endswith(".bpmn"):
            continue
        tree = parse_xml(text.encode("utf-8"), filename)
        planes = {plane.get("bpmnElement") for plane in tree.iter(f"{{{DI_NS}}}BPMNPlane")}
        # A plane draws a process directly, or a collaboration whose pools show processes.
        drawn = set(planes)
        for collaboration in tree.iter(f"{{{BPMN_NS}}}collaboration"):
            if collaboration.get("id") in planes:
                drawn |= {
                    p.get("processRef") for p in collaboration.iter(f"{{{BPMN_NS}}}participant")
                }
        for process in tree.iter(f"{{{BPMN_NS}}}process"):
            pid = process.get("id")
            found.append(
                {
                    "id": pid,
                    "name": process.get("name") or pid,
                    "file": filename,
                    "drawn": pid in drawn,
                }
            )
    main = version.process_id
    return sorted(found, key=lambda p: (p["id"] != main, p["name"]))


_MESSAGES_OF: dict[str, frozenset[str]] = {}


def messages_in(version: ProcessVersion) -> frozenset[str]:
    """The message names a process version declares (in any of its BPMN files): what may
    be recorded on a case of that version."""
    key = f"{version.process_id}:{version.content_hash}"
    if key not in _MESSAGES_OF:
        names: set[str] = set()
        for filename, text in version.sources.items():
            if filename.endswith(".bpmn"):
                tree = parse_xml(text.encode("utf-8"), filename)
                names |= {m.get("name") or "" for m in tree.iter(f"{{{BPMN_NS}}}message")}
        _MESSAGES_OF[key] = frozenset(names)
    return _MESSAGES_OF[key]


def process_names(version: ProcessVersion) -> dict[str, str]:
    return {p["id"]: p["name"] for p in processes_in(version)}


def case_diagram(
    session: Session,
    services: Services,
    actor: Actor,
    case_id: str,
    process_id: str | None = None,
) -> dict[str, Any]:
    """The drawing to show for a case and the element ids to mark on it.

    Shows `process_id` when given and part of the case's version, else the process of the
    current stage, else the main one. Raises NotFound for a case the actor may not see,
    or whose diagram it may not see. The read is audited (in the caller's unit of work).
    """
    now = services.now()
    case, _, view = case_and_view(session, actor, case_id, now)
    if not view.shows(DIAGRAM):
        raise NotFound("no such case")  # the drawing shows every organisation's work
    record(session, actor, "case.viewed", now, case.id, part="diagram")
    version = case.process_version
    processes = processes_in(version)
    by_id = {p["id"]: p for p in processes}
    chosen = (
        by_id.get(process_id or "") or by_id.get(case.stage or "") or by_id.get(version.process_id)
    )
    if chosen is None:
        chosen = processes[0]
    workflow = load_workflow(services, case)
    states = task_bpmn_ids_by_state(workflow)
    under_way = {
        getattr(t.task_spec, "bpmn_id", None) for t in workflow.get_tasks(state=_UNDER_WAY)
    }
    for sub in workflow.subprocesses.values():
        under_way |= {
            getattr(t.task_spec, "bpmn_id", None) for t in sub.get_tasks(state=_UNDER_WAY)
        }
    active = sorted({i for i in under_way if i} | set(states["ready"]))
    # The saved state forgets finished steps (engine.bpmn.pruning); the task index does not.
    done_tasks = session.scalars(
        select(Task.name).where(Task.case_id == case.id, Task.state == "completed")
    )
    completed = set(states["completed"]) | set(done_tasks)
    return {
        "process": {"id": chosen["id"], "name": chosen["name"], "drawn": chosen["drawn"]},
        "processes": [{"id": p["id"], "name": p["name"]} for p in processes],
        "xml": version.sources[chosen["file"]],
        "completed": sorted(completed - set(active)),
        "active": active,
    }


def task_instructions(version: ProcessVersion, bpmn_id: str) -> str:
    """The documentation (Markdown) the diagram gives a task, or an empty string."""
    spec, subprocess_specs = specs_for(version)
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == bpmn_id:
                return str(getattr(task_spec, "documentation", None) or "")
    return ""
