"""Small factories for the engine.bpmn tests: the bpmn_* test diagrams, workflows, clocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.bpmn import serializer
from engine.bpmn.library import ProcessBundle, build_bundles

DATA = Path(__file__).resolve().parents[1] / "data"
T0 = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def library_files() -> dict[str, bytes]:
    """Only our own diagrams: other tests keep theirs in the same folder."""
    return {
        p.name: p.read_bytes() for p in sorted(DATA.glob("bpmn_*")) if p.suffix in (".bpmn", ".dmn")
    }


@cache
def bundles() -> dict[str, ProcessBundle]:
    return build_bundles(library_files())


@cache
def spec_json(process_id: str) -> str:
    bundle = bundles()[process_id]
    return serializer.spec_to_json(bundle.spec, bundle.subprocess_specs)


def specs(process_id: str):  # type: ignore[no-untyped-def]
    """Cached spec objects, as the service layer gets them."""
    key = f"{process_id}:{bundles()[process_id].content_hash}"
    return serializer.spec_objects(key, lambda: spec_json(process_id))


def workflow(process_id: str) -> BpmnWorkflow:
    return serializer.new_workflow(*specs(process_id))


def reload(wf: BpmnWorkflow, process_id: str) -> BpmnWorkflow:
    """Save and load again, as every request does."""
    return serializer.load_state(serializer.dump_state(wf), *specs(process_id))


def process_xml(
    body: str, extra_root: str = "", process_id: str = "lint_case", lane: str = "coordinator"
) -> bytes:
    """A one-process BPMN document around `body`; every element id listed in one lane."""
    ids = [i for i in re.findall(r'<bpmn:(?:userTask|manualTask)[^>]*\bid="([^"]+)"', body)]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    lanes = (
        (
            f'<bpmn:laneSet id="ls_{process_id}"><bpmn:lane id="lane_{process_id}" '
            f'name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>'
        )
        if ids
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}"\n'
        '  id="defs" targetNamespace="http://nbassist.example/test">\n'
        f"{extra_root}"
        f'<bpmn:process id="{process_id}" isExecutable="true">\n{lanes}\n{body}\n'
        "</bpmn:process>\n</bpmn:definitions>\n"
    ).encode()


def linear(middle: str, first: str = "work") -> str:
    """start → `middle` (whose first element has id `first`) → … ; caller adds the end."""
    return (
        f'<bpmn:startEvent id="s"/>\n'
        f'<bpmn:sequenceFlow id="f_s" sourceRef="s" targetRef="{first}"/>\n{middle}'
    )
