"""engine.bpmn.serializer: state without spec, cached specs, safe engine after every load."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn import runtime, serializer
from engine.bpmn.clock import FixedClock, use_clock
from engine.bpmn.scripting import SAFE_ENGINE
from engine.errors import InvalidProcess
from tests.factories.bpmn import BPMN_NS, T0, bundles, reload, spec_json, specs, workflow

START_DATA = {"country": "SE", "start_date": "2025-01-01", "follow_up_role": "health"}


def names(wf) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(t.name for t in runtime.ready_human_tasks(wf))


def complete(wf, name: str, data: dict | None = None) -> None:  # type: ignore[no-untyped-def]
    task = next(t for t in runtime.ready_human_tasks(wf) if t.name == name)
    runtime.complete_task(wf, task.id, data or {})


def test_state_is_saved_without_the_spec():
    wf = workflow("bpmn_journey")
    runtime.start(wf, START_DATA)
    state = json.loads(serializer.dump_state(wf))
    assert "spec" not in state and "subprocess_specs" not in state
    blob = serializer.dump_state(wf)
    assert blob == json.dumps(json.loads(blob), separators=(",", ":")).encode()  # compact
    assert len(serializer.dump_state(wf)) < len(spec_json("bpmn_journey"))


def test_a_case_saved_and_restored_mid_run_carries_on():
    with use_clock(FixedClock(T0)) as clock:
        wf = workflow("bpmn_journey")
        runtime.start(wf, START_DATA)
        wf = reload(wf, "bpmn_journey")
        complete(wf, "assess", {"note": "first talk"})
        wf = reload(wf, "bpmn_journey")
        complete(wf, "plan_services", {"services": ["shelter", "health"]})
        wf = reload(wf, "bpmn_journey")
        assert names(wf) == ["provide_service", "provide_service"]
        for task in runtime.ready_human_tasks(wf):
            runtime.complete_task(wf, task.id, {"report": f"did {task.data['service']}"})
            wf = reload(wf, "bpmn_journey")
        assert runtime.next_timer_at(wf) == T0 + timedelta(days=30)
        clock.advance(timedelta(days=31))
        wf = reload(wf, "bpmn_journey")
        runtime.fire_due_timers(wf)
        wf = reload(wf, "bpmn_journey")
        assert names(wf) == ["follow_up"]
        complete(wf, "follow_up")
        complete(wf, "close_case")
        assert runtime.is_finished(reload(wf, "bpmn_journey"))


def test_load_complete_save_cycles_never_write_the_spec_and_grow_only_by_new_tasks():
    wf = workflow("bpmn_journey")
    runtime.start(wf, START_DATA)
    blob = serializer.dump_state(wf)
    assert serializer.dump_state(serializer.load_state(blob, *specs("bpmn_journey"))) == blob
    sizes = []
    for round_ in range(8):
        wf = serializer.load_state(blob, *specs("bpmn_journey"))
        runtime.send_message(wf, "new_information", {"round": round_})
        complete(wf, "review_information")
        blob = serializer.dump_state(wf)
        assert b'"task_specs"' not in blob and b'"subprocess_specs"' not in blob
        sizes.append(len(blob))
    growth = [b - a for a, b in zip(sizes, sizes[1:], strict=False)]
    # each round adds the same few tasks: growth per round is flat, not compounding
    assert max(growth) - min(growth) < 200


def test_loading_uses_the_cached_spec_objects():
    spec, subprocess_specs = specs("bpmn_journey")
    wf = workflow("bpmn_journey")
    runtime.start(wf, START_DATA)
    loaded = serializer.load_state(serializer.dump_state(wf), spec, subprocess_specs)
    assert loaded.spec is spec and loaded.subprocess_specs is subprocess_specs
    assert specs("bpmn_journey")[0] is spec  # deserialized once per process


def test_spec_objects_are_keyed_by_the_process_not_only_the_hash():
    timer, cycle = bundles()["bpmn_timer"], bundles()["bpmn_cycle"]
    assert timer.content_hash == cycle.content_hash  # same file, two entry processes
    assert specs("bpmn_timer")[0].name == "bpmn_timer"
    assert specs("bpmn_cycle")[0].name == "bpmn_cycle"


def test_the_spec_round_trips_through_json():
    spec, subprocess_specs = serializer.spec_from_json(spec_json("bpmn_journey"))
    assert spec.name == "bpmn_journey" and sorted(subprocess_specs) == sorted(
        bundles()["bpmn_journey"].subprocess_specs
    )


def test_state_from_another_serializer_version_is_refused():
    wf = workflow("bpmn_timer")
    state = json.loads(serializer.dump_state(wf))
    state["serializer_version"] = "0.9"
    with pytest.raises(ValueError, match="serializer version"):
        serializer.load_state(json.dumps(state).encode(), *specs("bpmn_timer"))


def test_every_loaded_workflow_runs_on_the_safe_engine():
    wf = reload(workflow("bpmn_timer"), "bpmn_timer")
    assert wf.script_engine is SAFE_ENGINE


UNLINTED = f"""<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="http://x">
<bpmn:process id="sneaky" isExecutable="true"><bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
<bpmn:exclusiveGateway id="g" default="f3"/>
<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e">
<bpmn:conditionExpression>__import__('os').system('false') == 0</bpmn:conditionExpression>
</bpmn:sequenceFlow><bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e"/>
<bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>"""


def test_an_unsafe_condition_cannot_run_after_a_load():
    # A diagram that never went through the lint (say, stored before it existed).
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(etree.fromstring(UNLINTED.encode()))
    spec = parser.get_spec("sneaky")
    wf = serializer.load_state(serializer.dump_state(serializer.new_workflow(spec, {})), spec, {})
    with pytest.raises(InvalidProcess, match="__import__"):
        runtime.start(wf, {})


def test_two_threads_load_and_run_cases_at_the_same_time():
    blobs = []
    for _ in range(2):
        wf = workflow("bpmn_journey")
        runtime.start(wf, START_DATA)
        blobs.append(serializer.dump_state(wf))
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(blob: bytes) -> None:
        try:
            barrier.wait()
            for _ in range(30):
                wf = serializer.load_state(blob, *specs("bpmn_journey"))
                assert names(wf) == ["assess"]
                blob = serializer.dump_state(wf)
        except BaseException as exc:  # noqa: BLE001 - report any failure to the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(blob,)) for blob in blobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert serializer.serializer() is serializer.serializer()
