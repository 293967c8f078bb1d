"""A refused deploy names the drawn element it is about (`InvalidProcess.element_id`),
so the editor can mark it on the canvas instead of quoting an XML line: the task for a
bad property, the event for a bad timer definition, the flow for a bad condition, and
the element at the line for problems only the schema validator finds."""

from __future__ import annotations

import pytest

from engine.bpmn.library import build_bundles, load_directory
from engine.errors import InvalidProcess
from engine.settings import PROCESSES_DIR
from engine.versions import form_exists


def refused_care_plan(old: bytes, new: bytes, forms: bool = False) -> InvalidProcess:
    files = dict(load_directory(PROCESSES_DIR))
    assert old in files["care_plan.bpmn"]
    files["care_plan.bpmn"] = files["care_plan.bpmn"].replace(old, new, 1)
    with pytest.raises(InvalidProcess) as caught:
        build_bundles(files, form_exists if forms else None)
    assert caught.value.filename == "care_plan.bpmn"
    return caught.value


def test_a_bad_task_property_names_the_task():
    error = refused_care_plan(b'name="due" value="P14D"', b'name="due" value="14 days"')
    assert "'14 days' is not an ISO 8601 duration" in error.reason
    assert error.element_id == "assess_needs"


def test_a_bad_timer_names_the_event_not_its_definition():
    error = refused_care_plan(b'"P30D"</bpmn:timeDuration>', b"P30D</bpmn:timeDuration>")
    assert "must be quoted" in error.reason
    assert error.element_id == "timer_review"


def test_a_bad_condition_names_the_flow():
    error = refused_care_plan(
        b'<bpmn:sequenceFlow id="Flow_merge_review_timer_review" sourceRef="merge_review" '
        b'targetRef="timer_review"/>',
        b'<bpmn:sequenceFlow id="Flow_merge_review_timer_review" sourceRef="merge_review" '
        b'targetRef="timer_review"><bpmn:conditionExpression>services.pop()'
        b"</bpmn:conditionExpression></bpmn:sequenceFlow>",
    )
    assert "condition" in error.reason
    assert error.element_id == "Flow_merge_review_timer_review"


def test_a_missing_form_names_the_task():
    error = refused_care_plan(b'name="due" value="P7D"', b'name="form" value="nope"', forms=True)
    assert "uses the form 'nope'" in error.reason
    assert error.element_id == "review_care_plan"


def test_a_schema_error_is_placed_on_the_element_at_its_line():
    error = refused_care_plan(
        b'<bpmn:inputDataItem id="service" name="service"/>',
        b'<bpmn:inputDataItem id="service" name="service"/>'
        b"<bpmn:loopCardinality>3</bpmn:loopCardinality>",
    )
    assert "loopCardinality" in error.reason and error.line
    assert error.element_id == "provide_services"


def test_malformed_xml_names_no_element():
    files = dict(load_directory(PROCESSES_DIR))
    files["care_plan.bpmn"] = files["care_plan.bpmn"][:400]
    with pytest.raises(InvalidProcess) as caught:
        build_bundles(files)
    assert caught.value.line and caught.value.element_id is None
