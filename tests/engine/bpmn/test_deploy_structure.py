"""Structural checks at deploy: a diagram that would silently lose steps, recurse forever
or stall at its first task is refused, naming file, line and element — and every
diagram in processes/ (and every OMG reference diagram) still deploys or is refused
clearly."""

from __future__ import annotations

import re

import pytest

from engine.bpmn.library import DEFAULT_ROLE, build_bundles, load_directory
from engine.errors import InvalidProcess
from engine.settings import PROCESSES_DIR
from engine.versions import form_exists
from tests.factories.bpmn import linear, process_xml
from tests.factories.corpora import corpus

MIWG = corpus("miwg-reference")
# "serviceTask 'x'", "process 'p'", "sequenceFlow 'f'": an element kind and its id.
NAMES_AN_ELEMENT = re.compile(r"\b[A-Za-z]+ '[^']+'")
A_REPR = re.compile(r"<Element |at 0x[0-9a-f]+|<[\w.]+ object")


def refused(files: dict[str, bytes], forms: bool = False) -> InvalidProcess:
    with pytest.raises(InvalidProcess) as caught:
        build_bundles(files, form_exists if forms else None)
    return caught.value


def line_of(data: bytes, needle: str) -> int:
    return next(i for i, line in enumerate(data.decode().splitlines(), 1) if needle in line)


def processes() -> dict[str, bytes]:
    return dict(load_directory(PROCESSES_DIR))


# --- flows and reachability ---------------------------------------------------------------


def test_a_flow_pointing_at_a_missing_element_is_refused_naming_the_flow():
    files = processes()
    broken = files["identification.bpmn"].replace(
        b'sourceRef="fork_identification" targetRef="immediate_safety"',
        b'sourceRef="fork_identification" targetRef="immediate_safty"',
    )
    assert broken != files["identification.bpmn"]
    files["identification.bpmn"] = broken
    error = refused(files)
    assert error.filename == "identification.bpmn"
    assert error.line == line_of(broken, 'targetRef="immediate_safty"')
    assert "sequenceFlow 'Flow_fork_identification_immediate_safety'" in error.reason
    assert "'immediate_safty' is not an element" in error.reason


def test_a_flow_from_a_missing_element_is_refused_too():
    data = process_xml(
        linear('<bpmn:endEvent id="work"/>')
        + '<bpmn:sequenceFlow id="stray" sourceRef="ghost" targetRef="work"/>'
    )
    error = refused({"flows.bpmn": data})
    assert "sequenceFlow 'stray'" in error.reason and "sourceRef 'ghost'" in error.reason
    assert error.line == line_of(data, 'id="stray"')


def test_an_element_nothing_leads_to_is_refused_naming_it():
    files = processes()
    source = files["identification.bpmn"]
    cut = re.sub(
        rb'\s*<bpmn:sequenceFlow id="Flow_fork_identification_immediate_safety"[^>]*/>',
        b"",
        source,
    )
    assert cut != source
    files["identification.bpmn"] = cut
    error = refused(files)
    assert error.filename == "identification.bpmn" and error.line
    assert "'immediate_safety' cannot be reached from a start event" in error.reason


def test_boundary_events_and_event_subprocesses_count_as_reachable():
    # The journey has both; it must keep deploying.
    assert "victim_journey" in build_bundles(processes(), form_exists)


def test_an_unreachable_element_inside_a_subprocess_is_refused():
    inner = (
        '<bpmn:subProcess id="work"><bpmn:startEvent id="in_s"/>'
        '<bpmn:sequenceFlow id="in_f" sourceRef="in_s" targetRef="in_e"/>'
        '<bpmn:endEvent id="in_e"/><bpmn:endEvent id="in_orphan"/></bpmn:subProcess>'
        '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/>'
    )
    error = refused({"sub.bpmn": process_xml(linear(inner))})
    assert "endEvent 'in_orphan'" in error.reason and "subProcess 'work'" in error.reason


# --- call activities ----------------------------------------------------------------------------


def calling(process_id: str, called: str) -> bytes:
    return process_xml(
        linear(
            f'<bpmn:callActivity id="call_{called}" calledElement="{called}"/>'
            f'<bpmn:sequenceFlow id="f_end" sourceRef="call_{called}" targetRef="e"/>'
            '<bpmn:endEvent id="e"/>',
            first=f"call_{called}",
        ),
        process_id=process_id,
    )


def test_a_process_that_calls_itself_is_refused():
    data = calling("looping", "looping")
    error = refused({"looping.bpmn": data})
    assert error.filename == "looping.bpmn" and error.line == line_of(data, "<bpmn:callActivity")
    assert "callActivity 'call_looping'" in error.reason
    assert "looping → looping" in error.reason


def test_a_cycle_through_other_processes_is_refused_naming_the_cycle():
    files = {
        "a.bpmn": calling("proc_a", "proc_b"),
        "b.bpmn": calling("proc_b", "proc_c"),
        "c.bpmn": calling("proc_c", "proc_a"),
    }
    error = refused(files)
    assert "proc_a → proc_b → proc_c → proc_a" in error.reason
    assert error.filename == "c.bpmn" and error.line


def test_calling_the_same_process_twice_is_not_a_cycle():
    twice = process_xml(
        linear(
            '<bpmn:callActivity id="first" calledElement="leaf"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="second"/>'
            '<bpmn:callActivity id="second" calledElement="leaf"/>'
            '<bpmn:sequenceFlow id="f_end" sourceRef="second" targetRef="e"/>'
            '<bpmn:endEvent id="e"/>',
            first="first",
        ),
        process_id="twice",
    )
    leaf = process_xml(
        linear('<bpmn:endEvent id="work"/>'),
        process_id="leaf",
    )
    assert set(build_bundles({"twice.bpmn": twice, "leaf.bpmn": leaf})) == {"twice"}


# --- lanes and forms ------------------------------------------------------------------------------


def test_a_human_task_in_no_lane_deploys_for_the_coordinator_with_a_warning():
    data = process_xml(
        linear(
            '<bpmn:userTask id="immediate_safety"/>'
            '<bpmn:sequenceFlow id="f_end" sourceRef="immediate_safety" targetRef="e"/>'
            '<bpmn:endEvent id="e"/>',
            first="immediate_safety",
        ),
        lane="",
    ).replace(b'name=""', b"")
    [bundle] = build_bundles({"nolane.bpmn": data}, form_exists).values()
    assert bundle.spec.task_specs["immediate_safety"].lane == DEFAULT_ROLE
    [warning] = bundle.warnings
    assert warning.startswith(f"nolane.bpmn:{line_of(data, '<bpmn:userTask')}:")
    assert "'immediate_safety'" in warning and "coordinator" in warning


def test_a_human_task_whose_form_is_not_in_the_library_is_refused_at_deploy():
    data = process_xml(
        linear(
            '<bpmn:userTask id="work"><bpmn:extensionElements><spiffworkflow:properties>'
            '<spiffworkflow:property name="form" value="no_such_form"/>'
            "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
            '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/>'
        )
    )
    error = refused({"forms.bpmn": data}, forms=True)
    assert error.filename == "forms.bpmn" and error.line == line_of(data, "<bpmn:userTask")
    assert "'work'" in error.reason and "'no_such_form'" in error.reason


def test_a_task_without_a_form_property_needs_a_form_named_like_the_task():
    def task(task_id: str) -> bytes:
        return process_xml(
            linear(
                f'<bpmn:userTask id="{task_id}"/>'
                f'<bpmn:sequenceFlow id="f_end" sourceRef="{task_id}" targetRef="e"/>'
                '<bpmn:endEvent id="e"/>',
                first=task_id,
            )
        )

    assert "form 'work'" in refused({"t.bpmn": task("work")}, forms=True).reason
    assert build_bundles({"t.bpmn": task("immediate_safety")}, form_exists)


def test_a_start_form_that_is_not_in_the_library_is_refused():
    data = process_xml(
        '<bpmn:startEvent id="s"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="form" value="missing_start"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:startEvent>"
        '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/>'
    )
    error = refused({"start.bpmn": data}, forms=True)
    assert "'missing_start'" in error.reason and error.line


def test_every_process_in_the_library_deploys_with_every_check_and_no_warning():
    bundles = build_bundles(processes(), form_exists)
    assert "victim_journey" in bundles
    assert [w for b in bundles.values() for w in b.warnings if "no lane" in w] == []


# --- diagrams made elsewhere ------------------------------------------------------------------


def test_a_data_store_is_refused_naming_it_instead_of_a_bare_spiffworkflow_error():
    data = process_xml(
        linear('<bpmn:endEvent id="work"/>'),
        extra_root='<bpmn:dataStore id="ledger" name="Ledger"/>',
    )
    error = refused({"store.bpmn": data})
    assert "dataStore 'ledger'" in error.reason and error.line == line_of(data, "dataStore")


def test_a_file_without_an_executable_process_names_the_process():
    data = process_xml(linear('<bpmn:endEvent id="work"/>')).replace(
        b'isExecutable="true"', b'isExecutable="false"'
    )
    error = refused({"ne.bpmn": data})
    assert "process 'lint_case'" in error.reason and error.line == line_of(data, "<bpmn:process")


MIWG_FILES = sorted(MIWG.glob("*.bpmn")) if MIWG.is_dir() else []


@pytest.mark.skipif(not MIWG_FILES, reason="MIWG reference diagrams not available")
@pytest.mark.parametrize("path", MIWG_FILES, ids=lambda p: p.name)
def test_every_reference_diagram_deploys_or_is_refused_with_file_line_and_element(path):
    try:
        build_bundles({path.name: path.read_bytes()}, form_exists)
    except InvalidProcess as error:
        assert error.filename == path.name, str(error)
        assert error.line, str(error)
        assert NAMES_AN_ELEMENT.search(error.reason), str(error)
        assert not A_REPR.search(str(error)), str(error)
