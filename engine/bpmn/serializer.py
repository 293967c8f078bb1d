"""Workflow state without its spec, spec objects cached per version, a serializer per thread.

SpiffWorkflow serializes a workflow together with its whole spec, which makes every
saved case carry (and every load re-build) the diagram. We store the spec once per
process version (`spec_to_json`), keep the deserialized spec objects in a process-wide
cache (they are read-only once built), and save each case as its state only: a
customised workflow converter leaves `spec`/`subprocess_specs` out when dumping and
plugs the cached objects back in when loading. Loading therefore costs the size of the
case's state, never the size of the diagram. Every workflow this module creates or
loads gets the safe script engine: the engine is not part of the serialized state and
SpiffWorkflow would silently fall back to its unsandboxed default.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

import engine.bpmn.clock  # noqa: F401 - timers in loaded workflows must use our clock
from engine.bpmn.event_subprocesses import prepare_specs
from engine.bpmn.scripting import SAFE_ENGINE

VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY
_COMPACT = (",", ":")


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Dumps a BpmnWorkflow without its specs; restores it onto given spec objects."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self,
        dct: dict[str, Any],
        spec: BpmnProcessSpec | None = None,
        subprocess_specs: dict[str, Any] | None = None,
    ) -> BpmnWorkflow:
        if spec is None:
            raise ValueError("a spec-free workflow state needs its spec objects to load")
        workflow = self.target_class(
            spec, subprocess_specs, script_engine=SAFE_ENGINE, deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpecFreeWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_local = threading.local()


def serializer() -> BpmnWorkflowSerializer:
    """This thread's serializer (the registry keeps per-call state: not thread-safe)."""
    instance = getattr(_local, "serializer", None)
    if instance is None:
        instance = _local.serializer = _make_serializer()
    return instance


def _dumps(obj_to_dict: Any) -> str:
    # Same two-phase conversion as BpmnWorkflowSerializer.serialize_json (top-level
    # conversion in "encoder mode", the JSON encoder converting nested objects), but with
    # compact separators, which that method does not let us choose.
    s = serializer()
    s.registry._encoder_mode = True
    try:
        dct = obj_to_dict(s)
        dct[VERSION_KEY] = s.VERSION
        return json.dumps(dct, cls=s._encoder_cls, separators=_COMPACT)
    finally:
        s.registry._encoder_mode = False


def _check_version(dct: dict[str, Any], what: str) -> None:
    version = dct.pop(VERSION_KEY, None)
    if version != VERSION:
        # SpiffWorkflow's migrations rewrite specs inside the state; ours has none, so a
        # format change needs an explicit migration of stored versions and cases.
        raise ValueError(
            f"{what} was saved with serializer version {version!r}; this engine reads {VERSION!r}"
        )


# --- specs -------------------------------------------------------------------------------


def spec_to_json(spec: BpmnProcessSpec, subprocess_specs: dict[str, Any]) -> str:
    """The spec of one process version, serialized once when it is deployed."""
    return _dumps(
        lambda s: {
            "spec": s.registry.convert(spec),
            "subprocess_specs": {
                name: s.registry.convert(sub) for name, sub in sorted(subprocess_specs.items())
            },
        }
    )


def spec_from_json(text: str) -> tuple[BpmnProcessSpec, dict[str, Any]]:
    dct = json.loads(text)
    _check_version(dct, "the spec")
    registry = serializer().registry
    spec = registry.restore(dct["spec"])
    subprocess_specs = {
        name: registry.restore(sub) for name, sub in dct["subprocess_specs"].items()
    }
    prepare_specs(spec, subprocess_specs)  # before anyone shares them
    return spec, subprocess_specs


_SPEC_CACHE: dict[str, tuple[BpmnProcessSpec, dict[str, Any]]] = {}
_SPEC_LOCK = threading.Lock()


def spec_objects(key: str, load_json: Callable[[], str]) -> tuple[BpmnProcessSpec, dict[str, Any]]:
    """The spec objects of a process version, deserialized once per process.

    `key` names one version of one process (process id and content hash: two entry
    processes of the same file share a content hash but not a spec). The JSON is only
    fetched, through `load_json`, when the version is not cached yet.
    """
    with _SPEC_LOCK:
        cached = _SPEC_CACHE.get(key)
    if cached is not None:
        return cached
    built = spec_from_json(load_json())  # outside the lock: other versions need not wait
    with _SPEC_LOCK:
        return _SPEC_CACHE.setdefault(key, built)


def clear_spec_cache() -> None:
    """Forget cached specs (tests; a process never needs this in production)."""
    with _SPEC_LOCK:
        _SPEC_CACHE.clear()


# --- workflow state ------------------------------------------------------------------------


def new_workflow(spec: BpmnProcessSpec, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """A fresh workflow running on the safe script engine."""
    prepare_specs(spec, subprocess_specs)  # no-op for specs from spec_objects()
    return BpmnWorkflow(spec, subprocess_specs, script_engine=SAFE_ENGINE)


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """The workflow's state as compact JSON, without spec and subprocess specs."""
    return _dumps(lambda s: s.to_dict(workflow)).encode("utf-8")


def load_state(
    blob: bytes | str, spec: BpmnProcessSpec, subprocess_specs: dict[str, Any]
) -> BpmnWorkflow:
    """Rebuild a workflow from `dump_state` output onto the (cached) spec objects."""
    dct = json.loads(blob)
    _check_version(dct, "the workflow state")
    workflow = serializer().from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = SAFE_ENGINE  # belt and braces: never the default engine
    return workflow
